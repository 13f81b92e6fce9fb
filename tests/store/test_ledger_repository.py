"""The ledger's storage adapter on SQLite and PostgreSQL: appends, reads, the database's
refusal to UPDATE or DELETE ledger rows, and concurrent writers."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from safeshare.ledger import NewEntry, sign_checkpoint, verify_entries
from safeshare.store.engine import make_engine
from safeshare.store.ledger_repository import LedgerRepository, advisory_lock_key
from safeshare.store.ledger_tables import (
    drop_ledger_protection_ddl,
    ledger_checkpoints,
    ledger_entries,
    ledger_protection_ddl,
)
from safeshare.store.metadata import metadata
from tests.databases import POSTGRES_ADMIN_URL, skip_or_fail
from tests.ledger.builders import SIGNING_KEY

LEDGER_TABLES = [ledger_entries, ledger_checkpoints]
LEDGER_TABLE_NAMES = tuple(t.name for t in LEDGER_TABLES)


class TickingClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1500)
        return self.now


def _sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    metadata.create_all(engine, tables=LEDGER_TABLES)
    yield engine
    engine.dispose()


def _postgres_engine():
    """A fresh schema in the test database, dropped afterwards."""
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        metadata.create_all(engine, tables=LEDGER_TABLES)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_engine(request, tmp_path):
    yield from (_sqlite_engine(tmp_path) if request.param == "sqlite" else _postgres_engine())


@pytest.fixture
def postgres_engine():
    yield from _postgres_engine()


def test_appended_entries_read_back_exactly(ledger_engine):
    clock = TickingClock()
    with ledger_engine.begin() as connection:
        ledger = LedgerRepository(connection, clock=clock)
        first = ledger.append("decisions", "decision.recorded", {"case": "C-1", "note": "ü €"})
        batch = ledger.append_many(
            "decisions",
            [("decision.recorded", {"case": "C-2"}), NewEntry("decision.corrected", {"case": "C-1", "fix": 1}, 1)],
        )
        access = ledger.append("access", "subject.view", {"by": "p-1"})
    assert [first.seq, *(e.seq for e in batch), access.seq] == [1, 2, 3, 1]
    assert batch[1].corrects == 1 and batch[1].payload == {"case": "C-1", "fix": 1}
    assert first.recorded_at == "2025-06-01T09:00:00.001500Z"
    with ledger_engine.connect() as connection:
        ledger = LedgerRepository(connection)
        assert list(ledger.iter_entries("decisions")) == [first, *batch]
        assert ledger.get("decisions", 3) == batch[1]
        assert ledger.get("decisions", 4) is None
        assert ledger.latest("decisions") == batch[1] and ledger.latest("nothing") is None
        assert (ledger.count("decisions"), ledger.count("access"), ledger.count("nothing")) == (3, 1, 0)
        assert verify_entries(ledger.iter_entries("decisions")).ok
        assert verify_entries(ledger.iter_entries("access")).ok


@pytest.mark.parametrize("batch_size", [1, 2, 7, 10, 11])
def test_iteration_streams_in_seq_order_in_batches(ledger_engine, batch_size):
    with ledger_engine.begin() as connection:
        written = LedgerRepository(connection).append_many("access", [("subject.view", {"n": n}) for n in range(10)])
    with ledger_engine.connect() as connection:
        ledger = LedgerRepository(connection)
        assert list(ledger.iter_entries("access", batch_size=batch_size)) == written
        assert list(ledger.iter_entries("access", batch_size=batch_size, start_seq=4, stop_seq=8)) == written[3:8]
        assert list(ledger.iter_entries("nothing", batch_size=batch_size)) == []


def test_the_callers_rollback_takes_the_entries_with_it(ledger_engine):
    with ledger_engine.connect() as connection:
        LedgerRepository(connection).append("decisions", "decision.recorded", {"case": "C-1"})
        connection.rollback()
        assert LedgerRepository(connection).count("decisions") == 0
        connection.rollback()


@pytest.mark.parametrize("corrects", [0, 1, 5, True, "1"])
def test_corrections_must_refer_to_an_earlier_entry(ledger_engine, corrects):
    with ledger_engine.begin() as connection:
        ledger = LedgerRepository(connection)
        with pytest.raises(ValueError, match="corrects"):
            ledger.append("decisions", "decision.corrected", {}, corrects=corrects)
        assert ledger.count("decisions") == 0


@pytest.mark.parametrize(("kind", "payload"), [("Bad Kind", {}), ("ok", {"when": datetime.now(UTC)})])
def test_invalid_entries_are_refused_before_touching_the_database(ledger_engine, kind, payload):
    with ledger_engine.begin() as connection:
        with pytest.raises((ValueError, TypeError)):
            LedgerRepository(connection).append("decisions", kind, payload)
        assert LedgerRepository(connection).count("decisions") == 0


REFUSED = {
    "sqlite": ["UPDATE {t} SET log = log", "DELETE FROM {t}"],
    "postgresql": ["UPDATE {t} SET log = log", "DELETE FROM {t}", "TRUNCATE {t}"],
}


def _one_of_each(ledger_engine):
    with ledger_engine.begin() as connection:
        ledger = LedgerRepository(connection)
        entry = ledger.append("decisions", "decision.recorded", {"case": "C-1"})
        ledger.save_checkpoint(sign_checkpoint("decisions", 1, entry.leaf_hash, SIGNING_KEY))


@pytest.mark.parametrize("table", ["ledger_entries", "ledger_checkpoints"])
def test_the_database_refuses_to_change_or_remove_ledger_rows(ledger_engine, table):
    _one_of_each(ledger_engine)
    for statement in REFUSED[ledger_engine.dialect.name]:
        with ledger_engine.connect() as connection:
            with pytest.raises(IntegrityError, match=f"{table} is append-only"):
                connection.execute(text(statement.format(t=table)))
            connection.rollback()
    with ledger_engine.connect() as connection:
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 1


def test_protection_ddl_survives_text_and_can_be_dropped_and_restored(ledger_engine):
    dialect = ledger_engine.dialect.name
    _one_of_each(ledger_engine)
    with ledger_engine.begin() as connection:
        for statement in drop_ledger_protection_ddl(dialect, LEDGER_TABLE_NAMES):
            connection.execute(text(statement))
        connection.execute(text("UPDATE ledger_entries SET kind = 'changed'"))  # unprotected now
        for statement in ledger_protection_ddl(dialect, LEDGER_TABLE_NAMES):  # what a migration would run
            connection.execute(text(statement))
    with ledger_engine.connect() as connection:
        with pytest.raises(IntegrityError, match="append-only"):
            connection.execute(text("DELETE FROM ledger_entries"))
        connection.rollback()


def test_protection_ddl_is_plain_sql_for_each_dialect():
    for dialect in ("sqlite", "postgresql"):
        statements = ledger_protection_ddl(dialect)
        assert statements and all("%" not in s for s in statements)
        assert len(drop_ledger_protection_ddl(dialect)) >= 4
    assert ledger_protection_ddl("mysql") == [] == drop_ledger_protection_ddl("mysql")


def test_checkpoints_are_stored_and_verify_the_stored_log(ledger_engine):
    with ledger_engine.begin() as connection:
        ledger = LedgerRepository(connection)
        ledger.append_many("decisions", [("decision.recorded", {"n": n}) for n in range(5)])
        size, root = ledger.tree_head("decisions")
        early = sign_checkpoint("decisions", size, root, SIGNING_KEY)
        ledger.save_checkpoint(early)
        ledger.append("decisions", "decision.recorded", {"n": 5})
        later = sign_checkpoint("decisions", *ledger.tree_head("decisions"), SIGNING_KEY)
        ledger.save_checkpoint(later)
    with ledger_engine.connect() as connection:
        ledger = LedgerRepository(connection)
        assert ledger.checkpoints("decisions") == [early, later]
        assert ledger.checkpoints("access") == []
        report = ledger.verify("decisions", SIGNING_KEY.public_key())
        assert report.ok and report.checkpoints_checked == 2 and report.root_hash == later.root_hash
        assert report == verify_entries(list(ledger.iter_entries("decisions")), [early, later], SIGNING_KEY.public_key())
        empty = ledger.verify("access", SIGNING_KEY.public_key())
        assert empty.ok and empty.log == "access" and empty.tree_size == 0
        assert len(ledger.leaf_hashes("decisions", tree_size=5)) == 5


def _append_concurrently(ledger_engine, writers: int, appends: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(appends):
                with ledger_engine.begin() as connection:
                    ledger = LedgerRepository(connection)
                    if n % 3:
                        ledger.append("decisions", "decision.recorded", {"writer": writer, "n": n})
                    else:
                        ledger.append_many("decisions", [("decision.recorded", {"writer": writer, "n": n, "i": i}) for i in range(3)])
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_writers_never_share_a_seq_or_fork_the_chain(ledger_engine):
    writers, appends = 4, 12
    assert _append_concurrently(ledger_engine, writers, appends) == []
    with ledger_engine.connect() as connection:
        entries = list(LedgerRepository(connection).iter_entries("decisions"))
    per_writer = appends + 2 * ((appends + 2) // 3)
    assert [e.seq for e in entries] == list(range(1, writers * per_writer + 1))
    assert verify_entries(entries).ok
    assert {e.payload["writer"] for e in entries} == set(range(writers))


@pytest.mark.postgres
def test_postgres_appends_hold_a_per_log_lock_until_the_transaction_ends(postgres_engine):
    probe_sql = text("SELECT pg_try_advisory_xact_lock(:key)")
    with postgres_engine.connect() as writer, postgres_engine.connect() as probe:
        LedgerRepository(writer).append("decisions", "decision.recorded", {"n": 1})
        assert probe.execute(probe_sql, {"key": advisory_lock_key("decisions")}).scalar_one() is False
        assert probe.execute(probe_sql, {"key": advisory_lock_key("access")}).scalar_one() is True
        probe.rollback()
        writer.commit()
        assert probe.execute(probe_sql, {"key": advisory_lock_key("decisions")}).scalar_one() is True
        probe.rollback()


def test_advisory_lock_keys_are_stable_signed_64_bit_integers():
    assert advisory_lock_key("decisions") == advisory_lock_key("decisions") != advisory_lock_key("access")
    assert -(2**63) <= advisory_lock_key("decisions") < 2**63
