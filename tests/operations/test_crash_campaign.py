"""SIGKILL the server while clients record, start it again on the same database, repeat: nothing acknowledged is
lost or changed, no number is missing or used twice, and every ledger verifies (on the suite's database)."""

from tests.recording import crash_campaign

CYCLES = 3


def test_every_acknowledged_record_survives_the_server_being_killed_while_recording(world, database_url, tmp_path):
    campaign = crash_campaign(world, database_url, tmp_path, cycles=CYCLES)
    result = campaign.audit
    assert result.acknowledged >= CYCLES + 4  # a record before each kill, and some after the last restart
    assert campaign.unanswered > 0, "no request was cut off: the server was not killed while recording"
    assert result.missing == ()
    assert result.present == result.acknowledged
    assert result.duplicates == ()
    assert result.gaps == ()
    assert result.entries >= result.acknowledged
    assert result.verification == ()
