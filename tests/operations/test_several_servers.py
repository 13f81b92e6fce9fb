"""Several `safeshare serve` processes on one database, as a large partnership runs it behind a reverse proxy:
records made through all of them at once get one gapless run of numbers, and the ledger verifies.

On PostgreSQL this is the advisory lock per log serialising appends across processes; on SQLite, the write
lock of the one file."""

from contextlib import ExitStack

from tests.recording import Clients, audit, decision_payload, tokens_for
from tests.servers import Server, free_ports

PROCESSES = 3
CLIENTS_PER_PROCESS = 3
RECORDS = 150


def test_records_made_through_three_server_processes_at_once_are_numbered_without_gap_or_repeat(
    world, database_url, tmp_path
):
    ports = free_ports(PROCESSES)
    with ExitStack() as servers:
        started = [servers.enter_context(Server(database_url, port, tmp_path / f"server-{port}.log").launch()) for port in ports]
        for server in started:
            server.wait_until_healthy()
        tokens = [token for port in ports for token in tokens_for(world, port)]
        with Clients(ports, tokens, decision_payload(world), PROCESSES * CLIENTS_PER_PROCESS) as running:
            running.wait_for(RECORDS)
    recording = running.recording
    result = audit(world, recording)
    recorded_by = {record["decided_by"] for record in recording.acknowledged.values()}

    assert recording.unanswered == 0 and recording.refused == []
    assert set(recording.by_port) == set(ports)  # every process recorded
    assert len(recorded_by) == 2  # both recorders, each signed in at every process
    assert result.acknowledged >= RECORDS
    # Nothing was cut off, so every entry is an acknowledged record: the numbers are exactly 1..N.
    assert sorted(recording.acknowledged) == list(range(1, result.entries + 1))
    assert result.present == result.acknowledged
    assert result.duplicates == () and result.gaps == ()
    assert result.verification == ()
