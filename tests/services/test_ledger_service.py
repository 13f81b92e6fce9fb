import pytest
from sqlalchemy import text

from safeshare.domain.decisions import Decision
from safeshare.domain.errors import Forbidden, InvalidInput
from safeshare.ledger import verify_export
from safeshare.services.ledger import Log
from safeshare.store.ledger_tables import drop_ledger_protection_ddl, ledger_protection_ddl
from tests.services.test_decisions import complete_input, facts


def record_some(world, count=3):
    actor = world.actor("practitioner_a")
    return [world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE)) for _ in range(count)]


def tamper(engine, sql: str) -> None:
    """An attacker with database access: lift the append-only triggers, change a row, put them back."""
    with engine.begin() as connection:
        for statement in drop_ledger_protection_ddl(engine.dialect.name):
            connection.execute(text(statement))
        connection.execute(text(sql))
        for statement in ledger_protection_ddl(engine.dialect.name):
            connection.execute(text(statement))


def test_the_ledger_verifies_and_checkpoints_are_signed(world):
    record_some(world)
    ig = world.actor("ig_lead_a")
    signed = world.services.ledger.checkpoint(ig, Log.DECISIONS)
    assert signed.tree_size == 3
    report = world.services.ledger.verify(ig, Log.DECISIONS)
    assert report.ok and report.checkpoints_checked == 1


def test_a_changed_decision_is_found_and_named(world, engine):
    records = record_some(world)
    tamper(engine, f"UPDATE ledger_entries SET payload = replace(payload, 'scared', 'happy') WHERE log = 'decisions' AND seq = {records[1].id}")
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok
    assert report.first_bad_seq == records[1].id


def test_a_deleted_decision_is_found(world, engine):
    records = record_some(world)
    tamper(engine, f"DELETE FROM ledger_entries WHERE log = 'decisions' AND seq = {records[0].id}")
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok and report.first_bad_seq == records[0].id


def test_a_damaged_ledger_is_neither_signed_nor_exported(world, engine, tmp_path):
    records = record_some(world)
    tamper(engine, f"UPDATE ledger_entries SET kind = 'decision.forged' WHERE log = 'decisions' AND seq = {records[2].id}")
    ig = world.actor("ig_lead_a")
    with pytest.raises(InvalidInput, match="does not verify"):
        world.services.ledger.checkpoint(ig, Log.DECISIONS)
    with pytest.raises(InvalidInput, match="does not verify"):
        world.services.ledger.export(world.actor("auditor"), Log.DECISIONS, tmp_path / "out.jsonl", tmp_path / "cp.txt")
    assert not (tmp_path / "out.jsonl").exists()


def test_an_export_verifies_offline_and_its_reading_is_logged(world, tmp_path):
    records = record_some(world, 2)
    report = world.services.ledger.export(world.actor("auditor"), Log.DECISIONS, tmp_path / "out.jsonl", tmp_path / "cp.txt")
    assert report.ok and report.tree_size == 2
    assert verify_export(tmp_path / "out.jsonl", tmp_path / "cp.txt").ok
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines()
    lines[0] = lines[0].replace(b"scared", b"happy")
    (tmp_path / "tampered.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    tampered = verify_export(tmp_path / "tampered.jsonl", tmp_path / "cp.txt")
    assert not tampered.ok and tampered.first_bad_seq == records[0].id
    from safeshare.domain.paging import PageRequest

    with world.services.context.uow_factory() as uow:
        history = uow.access_log.history(world.subjects["child_a"].id, PageRequest())
    assert any(e.action == "ledger.export.decisions" for e in history.items)


def test_practitioners_do_not_verify_or_export_ledgers(world):
    with pytest.raises(Forbidden):
        world.services.ledger.verify(world.actor("practitioner_a"), Log.DECISIONS)


def test_only_the_partnership_auditor_exports_a_whole_log(world, tmp_path):
    """An export holds every agency's records; an agency's governance roles verify the log but do not take it away."""
    record_some(world)
    assert world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS).ok
    for key in ("ig_lead_a", "practitioner_a"):
        with pytest.raises(Forbidden, match="ledger:export"):
            world.services.ledger.export(world.actor(key), Log.DECISIONS, tmp_path / "out.jsonl", tmp_path / "cp.txt")
    assert not (tmp_path / "out.jsonl").exists()
    assert world.services.ledger.export(world.actor("auditor"), Log.DECISIONS, tmp_path / "out.jsonl", tmp_path / "cp.txt").ok


def _other_agency_id(world) -> str:
    return world.people["practitioner_b"].agency_id


def test_the_index_tables_match_an_untouched_ledger(world):
    record_some(world)
    world.services.subjects.view_subject(world.actor("practitioner_a"), world.subjects["child_a"].id)
    ig = world.actor("ig_lead_a")
    for log in (Log.DECISIONS, Log.ACCESS):
        report = world.services.ledger.verify(ig, log)
        assert report.ok, report.problem
        assert report.entries_checked >= 1


def test_a_decision_moved_to_another_agency_in_the_index_is_found_and_named(world, engine):
    records = record_some(world)
    tamper(engine, f"UPDATE decisions SET agency_id = '{_other_agency_id(world)}' WHERE id = {records[1].id}")
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok and report.first_bad_seq == records[1].id
    assert "agency_id" in report.problem and "FAILED" in report.summary()


@pytest.mark.parametrize(
    "sql, problem",
    [
        ("DELETE FROM decision_subjects WHERE decision_id = {id}", "subjects"),
        ("INSERT INTO decision_subjects (decision_id, subject_id) VALUES ({id}, '{other_subject}')", "subjects"),
        ("UPDATE decisions SET outcome = 'do_not_share', follows_advice = {false} WHERE id = {id}", "outcome"),
        ("UPDATE decisions SET decided_by = '{other_person}' WHERE id = {id}", "decided_by"),
    ],
)
def test_changed_decision_index_rows_are_found(world, engine, sql, problem):
    records = record_some(world)
    target = records[0].id
    tamper(engine, sql.format(
        id=target, other_subject=world.subjects["child_b"].id, other_person=world.people["practitioner_b"].id,
        false="false" if engine.dialect.name == "postgresql" else "0",
    ))
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok and report.first_bad_seq == target and problem in report.problem


def test_a_decision_entry_without_index_rows_is_found(world, engine):
    records = record_some(world)
    last = records[-1].id
    tamper(engine, f"DELETE FROM decision_subjects WHERE decision_id = {last}")
    tamper(engine, f"DELETE FROM decisions WHERE id = {last}")
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok and report.first_bad_seq == last and "no rows" in report.problem


def _access_seqs(engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT DISTINCT seq FROM access_log_subjects ORDER BY seq")).scalars())


def test_removed_or_changed_access_index_rows_are_found(world, engine):
    practitioner = world.actor("practitioner_a")
    for _ in range(3):
        world.services.subjects.view_subject(practitioner, world.subjects["child_a"].id)
    seqs = _access_seqs(engine)
    ig = world.actor("ig_lead_a")
    assert world.services.ledger.verify(ig, Log.ACCESS).ok

    tamper(engine, f"DELETE FROM access_log_subjects WHERE seq = {seqs[1]}")  # hides a read from the history
    report = world.services.ledger.verify(ig, Log.ACCESS)
    assert not report.ok and report.first_bad_seq == seqs[1] and "no rows in access_log_subjects" in report.problem


def test_an_access_index_row_pointing_at_another_reader_or_no_entry_is_found(world, engine):
    practitioner = world.actor("practitioner_a")
    world.services.subjects.view_subject(practitioner, world.subjects["child_a"].id)
    world.services.subjects.view_subject(practitioner, world.subjects["child_a"].id)
    seqs = _access_seqs(engine)
    ig = world.actor("ig_lead_a")
    tamper(engine, f"UPDATE access_log_subjects SET person_id = '{world.people['practitioner_b'].id}' WHERE seq = {seqs[0]}")
    report = world.services.ledger.verify(ig, Log.ACCESS)
    assert not report.ok and report.first_bad_seq == seqs[0] and "differ" in report.problem


def test_an_access_index_row_without_an_entry_is_found(world, engine):
    world.services.subjects.view_subject(world.actor("practitioner_a"), world.subjects["child_a"].id)
    forged = _access_seqs(engine)[-1] + 100
    tamper(engine, "INSERT INTO access_log_subjects (subject_id, seq, person_id, at) "
                   f"SELECT subject_id, {forged}, person_id, at FROM access_log_subjects LIMIT 1")
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.ACCESS)
    assert not report.ok and report.first_bad_seq == forged and "not in the ledger" in report.problem


def test_an_export_that_cannot_be_logged_leaves_no_file_behind(world, tmp_path, monkeypatch):
    from safeshare.services import ledger as ledger_service

    record_some(world)

    def failing(*_args, **_kwargs):
        raise RuntimeError("the access log is unavailable")

    monkeypatch.setattr(ledger_service, "log_read", failing)
    with pytest.raises(RuntimeError):
        world.services.ledger.export(world.actor("auditor"), Log.DECISIONS, tmp_path / "out.jsonl", tmp_path / "cp.txt")
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "cp.txt").exists()
