"""Decision records from concurrent callers are appended in shared transactions (group commit).

Each caller still gets its own record, only after the COMMIT holding it; numbers stay contiguous and the ledger
verifies; one record failing to append fails alone.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from safeshare.domain.advice import CaseFacts
from safeshare.domain.decisions import Decision
from safeshare.domain.errors import InvalidInput, NotFound
from safeshare.ledger.encoding import canonical_json
from safeshare.services.ledger import Log
from safeshare.store.ledger_tables import ledger_entries
from safeshare.store.repositories.decisions import DecisionRepository
from safeshare.store.tables import decision_subjects, decisions
from tests.services.test_decisions import NO_CONCERN, complete_input, facts
from tests.threads import run_threads, wait_until

WRITERS = 8


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        entries = connection.execute(select(func.count()).select_from(ledger_entries).where(ledger_entries.c.log == "decisions"))
        indexed = connection.execute(select(func.count()).select_from(decisions))
        subjects = connection.execute(select(func.count()).select_from(decision_subjects))
        return entries.scalar_one(), indexed.scalar_one(), subjects.scalar_one()


def test_concurrent_writers_get_distinct_contiguous_numbers_and_the_ledger_verifies(world, engine):
    submitted = complete_input(world, facts(), Decision.SHARE)
    actor, reader = world.actor("practitioner_a"), world.actor("dsl_a")
    per_writer = 12

    def write(_index: int) -> list:
        records = []
        for _ in range(per_writer):
            record = world.services.decisions.record(actor, submitted)
            # Returned only once committed: another transaction can read it at once.
            assert world.services.decisions.get(reader, record.id) == record
            records.append(record)
        return records

    outcomes = run_threads(WRITERS, write)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    ids = sorted(r.id for records in outcomes for r in records)
    assert ids == list(range(1, WRITERS * per_writer + 1))
    for records in outcomes:  # each writer's records in the order it made them
        assert [r.id for r in records] == sorted(r.id for r in records)
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert report.ok and report.tree_size == WRITERS * per_writer
    assert _counts(engine) == (WRITERS * per_writer,) * 3


def test_the_sealed_payload_is_the_canonical_json_of_the_record(world, engine):
    actor = world.actor("practitioner_a")
    records = [
        world.services.decisions.record(actor, complete_input(world, facts(), Decision.SHARE)),
        world.services.decisions.record(actor, complete_input(world, facts(), Decision.DO_NOT_SHARE)),
        world.services.decisions.record(actor, complete_input(world, CaseFacts.model_validate(NO_CONCERN), Decision.DO_NOT_SHARE)),
    ]
    records.append(world.services.decisions.record(
        actor, complete_input(world, facts(), Decision.SHARE, corrects=records[0].id, correction_reason="Wrong date")
    ))
    with engine.connect() as connection:
        stored = dict(connection.execute(select(ledger_entries.c.seq, ledger_entries.c.payload).where(ledger_entries.c.log == "decisions")).all())
    for record in records:
        assert stored[record.id] == canonical_json(record.model_dump(mode="json", exclude={"id"}))


def test_records_failing_in_a_batch_fail_alone_and_the_others_are_committed_once(world, engine, monkeypatch):
    actor = world.actor("practitioner_a")
    good = complete_input(world, facts(), Decision.SHARE)
    breaks_append = complete_input(world, facts(), Decision.SHARE, question="Will this one fail to append?")
    not_held = complete_input(world, facts(), Decision.SHARE, subject_ids=(world.subjects["child_b"].id,))
    incomplete = good.model_copy(update={"family_told": None})
    real_append = DecisionRepository.append_prepared
    first_batch_entered, release_first_batch = threading.Event(), threading.Event()

    def append_prepared(self, prepared):
        if not first_batch_entered.is_set():  # hold the first batch open so the others queue behind it
            first_batch_entered.set()
            assert release_first_batch.wait(60)
        sealed = real_append(self, prepared)  # written, then the transaction fails: nothing may be left of it
        if any(p.record.input.question == breaks_append.question for p in prepared):
            raise RuntimeError("the database refused the batch")
        return sealed

    monkeypatch.setattr(DecisionRepository, "append_prepared", append_prepared)
    first = threading.Thread(target=world.services.decisions.record, args=(actor, good))
    first.start()
    assert first_batch_entered.wait(60)

    inputs = [good, breaks_append, good, not_held, incomplete, good]
    outcomes: list = [None] * len(inputs)

    def write(index: int) -> None:
        try:
            outcomes[index] = world.services.decisions.record(actor, inputs[index])
        except Exception as error:
            outcomes[index] = error

    others = [threading.Thread(target=write, args=(i,)) for i in range(len(inputs))]
    for thread in others:
        thread.start()
    wait_until(lambda: world.services.decisions._sealing.queued == len(inputs))
    release_first_batch.set()
    for thread in [first, *others]:
        thread.join(120)

    assert isinstance(outcomes[1], RuntimeError)
    assert isinstance(outcomes[3], NotFound)
    assert isinstance(outcomes[4], InvalidInput) and "family_told" in str(outcomes[4])
    committed = [outcomes[i] for i in (0, 2, 5)]
    assert sorted(r.id for r in committed) == [2, 3, 4]
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert report.ok and report.tree_size == 4
    assert _counts(engine) == (4, 4, 4)
    for record in committed:
        assert world.services.decisions.get(actor, record.id) == record


def test_records_refused_by_the_checks_write_nothing_and_do_not_disturb_the_others(world, engine):
    actor = world.actor("practitioner_a")
    good = complete_input(world, facts(), Decision.SHARE)
    incomplete = good.model_copy(update={"family_told": None})
    not_held = complete_input(world, facts(), Decision.SHARE, subject_ids=(world.subjects["child_b"].id,))

    def write(index: int):
        submitted = (good, incomplete, not_held)[index % 3]
        return [world.services.decisions.record(actor, submitted) for _ in range(3)]

    outcomes = run_threads(9, write)
    assert all(isinstance(outcomes[i], InvalidInput) for i in (1, 4, 7))
    assert all(isinstance(outcomes[i], NotFound) for i in (2, 5, 8))
    ids = sorted(r.id for i in (0, 3, 6) for r in outcomes[i])
    assert ids == list(range(1, 10))
    assert _counts(engine) == (9, 9, 9)
    assert world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS).ok


def test_recording_still_needs_the_permission(world):
    from safeshare.domain.errors import Forbidden
    from safeshare.domain.permissions import Permission
    from safeshare.services.decisions import DecisionService

    assert DecisionService.record.required_permission is Permission.DECISIONS_RECORD
    with pytest.raises(Forbidden):
        world.services.decisions.record(world.admin, complete_input(world, facts(), Decision.SHARE))
