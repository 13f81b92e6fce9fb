"""Property: an attacker with raw write access to the database (triggers dropped or bypassed, CHECK
and foreign keys off) cannot change, remove, add or reorder ledger rows without verification naming
the first seq at which the stored log differs from the genuine one.

On SQLite the attacker edits a copy of the file; on PostgreSQL a superuser edits the rows in a
transaction (replica role, CHECK constraints dropped) that is read back and then rolled back.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeshare.ledger import sign_checkpoint, verify_entries
from safeshare.store.engine import make_engine
from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.ledger_tables import drop_ledger_protection_ddl, ledger_checkpoints, ledger_entries
from safeshare.store.metadata import metadata
from tests import databases
from tests.ledger.builders import SIGNING_KEY, checkpoint_for, first_difference, flip_byte, reseal

SIZE = 12


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _write_genuine(engine) -> tuple[list, object]:
    """Entries written through the repository (two logs, some corrections), and a signed checkpoint."""
    clock = Clock()
    for seq in range(1, SIZE + 1):
        with engine.begin() as connection:
            ledger = LedgerRepository(connection, clock=clock)
            corrects = seq - 2 if seq % 4 == 0 else None
            ledger.append("decisions", "decision.recorded", {"case": f"C-{seq}", "n": seq}, corrects)
            ledger.append("access", "subject.view", {"n": seq})
    with engine.connect() as connection:
        ledger = LedgerRepository(connection)
        entries = list(ledger.iter_entries("decisions"))
        checkpoint = sign_checkpoint("decisions", *ledger.tree_head("decisions"), SIGNING_KEY)
    return entries, checkpoint


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A ledger file written through the repository, its entries and a signed checkpoint."""
    path = tmp_path_factory.mktemp("ledger") / "pristine.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        metadata.create_all(engine, tables=[ledger_entries, ledger_checkpoints])
        entries, checkpoint = _write_genuine(engine)
    finally:
        engine.dispose()  # closes the last connection, folding the WAL into the file
    return path, entries, checkpoint


def _attack(path, statements):
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute("BEGIN")
        for sql in drop_ledger_protection_ddl("sqlite"):
            db.execute(sql)
        for sql, params in statements:
            db.execute(sql.replace("{hash_as_text}", "hex(leaf_hash)"), params)
        db.execute("COMMIT")
    finally:
        db.close()


def _read(path):
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return list(LedgerRepository(connection).iter_entries("decisions", batch_size=5))
    finally:
        engine.dispose()


class SqliteFile:
    """Each attack on a fresh copy of the pristine file."""

    forbids_nul = False

    def __init__(self, pristine, scratch) -> None:
        self.path, self.genuine, self.checkpoint = pristine
        self.scratch = scratch

    def attacked(self, statements) -> list:
        copy = self.scratch / "attacked.db"
        for leftover in (self.scratch / "attacked.db-wal", self.scratch / "attacked.db-shm"):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.path, copy)
        _attack(copy, statements)
        return _read(copy)


class PostgresSuperuser:
    """Each attack in a transaction that lifts the protection, reads the damaged log back and rolls back."""

    forbids_nul = True  # PostgreSQL text cannot hold U+0000

    def __init__(self, engine) -> None:
        self.engine = engine
        self.genuine, self.checkpoint = _write_genuine(engine)

    def attacked(self, statements) -> list:
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no triggers, no foreign keys
                checks = connection.exec_driver_sql(
                    "SELECT conname FROM pg_constraint WHERE conrelid = 'ledger_entries'::regclass AND contype = 'c'"
                ).scalars().all()
                for name in checks:
                    connection.exec_driver_sql(f'ALTER TABLE ledger_entries DROP CONSTRAINT "{name}"')
                for sql, params in statements:
                    sql = sql.replace("{hash_as_text}", "convert_to(encode(leaf_hash, 'hex'), 'UTF8')")
                    connection.exec_driver_sql(sql.replace("?", "%s"), params)
                return list(LedgerRepository(connection).iter_entries("decisions", batch_size=5))
            finally:
                transaction.rollback()


@pytest.fixture
def target(request, tmp_path):
    """The suite's database, as an attacker with raw write access sees it."""
    if databases.backend() == "postgresql":
        return PostgresSuperuser(request.getfixturevalue("engine"))
    return SqliteFile(request.getfixturevalue("pristine"), tmp_path)


WHERE = " WHERE log = 'decisions' AND seq = ?"


@st.composite
def attacks(draw, entries, forbids_nul=False):
    """SQL an attacker might run, and the seq their change should be reported at."""
    seq = draw(st.integers(1, SIZE))
    entry = entries[seq - 1]
    action = draw(
        st.sampled_from(
            ["payload", "kind", "recorded_at", "corrects", "leaf_hash", "chain_hash", "hash_as_text",
             "move_to_other_log", "delete", "insert", "swap", "truncate"]
        )
    )
    if action == "payload":
        at = draw(st.integers(0, len(entry.payload_json) - 1))
        excluded = "\x00" if forbids_nul else ""
        char = draw(st.characters(codec="utf-8", exclude_characters=excluded).filter(lambda c: c != entry.payload_json[at]))
        changed = entry.payload_json[:at] + char + entry.payload_json[at + 1 :]
        return [("UPDATE ledger_entries SET payload = ?" + WHERE, (changed, seq))], seq
    if action == "kind":
        return [("UPDATE ledger_entries SET kind = 'decision.withdrawn'" + WHERE, (seq,))], seq
    if action == "recorded_at":
        moved = entry.recorded_at.replace("T09:", "T08:")
        return [("UPDATE ledger_entries SET recorded_at = ?" + WHERE, (moved, seq))], seq
    if action == "corrects":
        value = draw(st.sampled_from([None, 1, seq]).filter(lambda v: v != entry.corrects))
        return [("UPDATE ledger_entries SET corrects = ?" + WHERE, (value, seq))], seq
    if action in ("leaf_hash", "chain_hash"):
        flipped = flip_byte(getattr(entry, action), draw(st.integers(0, 31)))
        return [(f"UPDATE ledger_entries SET {action} = ?" + WHERE, (flipped, seq))], seq
    if action == "hash_as_text":
        return [("UPDATE ledger_entries SET leaf_hash = {hash_as_text}" + WHERE, (seq,))], seq
    if action == "move_to_other_log":
        return [("UPDATE ledger_entries SET log = 'other'" + WHERE, (seq,))], seq
    if action == "delete":
        return [("DELETE FROM ledger_entries" + WHERE, (seq,))], seq
    if action == "truncate":
        return [("DELETE FROM ledger_entries WHERE log = 'decisions' AND seq >= ?", (seq,))], seq
    if action == "insert":
        source = draw(st.integers(1, SIZE))
        shift = "UPDATE ledger_entries SET seq = seq + ? WHERE log = 'decisions' AND seq >= ?"
        copy = (
            "INSERT INTO ledger_entries (log, seq, kind, recorded_at, payload, content_hash, corrects, leaf_hash, chain_hash, tag)"
            " SELECT log, ?, kind, recorded_at, payload, content_hash, corrects, leaf_hash, chain_hash, tag"
            " FROM ledger_entries WHERE log = 'decisions' AND seq = ?"
        )
        # Shift out of the way and back, so the primary key never sees a duplicate.
        source_after_shift = source + 1 if source >= seq else source
        statements = [(shift, (1000, seq)), ("UPDATE ledger_entries SET seq = seq - 999 WHERE seq > 1000", ()),
                      (copy, (seq, source_after_shift))]
        return statements, (seq + 1 if source == seq else seq)
    other = draw(st.integers(1, SIZE).filter(lambda s: s != seq))
    low, high = sorted((seq, other))
    swap = "UPDATE ledger_entries SET seq = ? WHERE log = 'decisions' AND seq = ?"
    return [(swap, (-1, low)), (swap, (low, high)), (swap, (high, -1))], low


@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_raw_database_tampering_is_detected_at_the_first_bad_seq(target, data):
    attack, expected = data.draw(attacks(target.genuine, target.forbids_nul))
    stored = target.attacked(attack)
    assert first_difference(target.genuine, stored) == expected  # the attack did what it meant to
    report = verify_entries(stored, target.checkpoint, SIGNING_KEY.public_key())
    assert not report.ok
    assert report.first_bad_seq == expected, report.summary()


def test_the_untouched_log_verifies(target):
    stored = target.attacked([])  # protection lifted, nothing else changed
    assert stored == target.genuine
    assert verify_entries(stored, target.checkpoint, SIGNING_KEY.public_key()).ok


def test_a_rewrite_with_recomputed_hashes_is_caught_by_checkpoints_kept_elsewhere(target):
    genuine, latest = target.genuine, target.checkpoint
    earlier = checkpoint_for(genuine, 4)  # signed when the log had 4 entries, kept by an auditor
    edited = list(genuine)
    edited[6] = edited[6]._replace(payload_json=edited[6].payload_json.replace('"C-7"', '"C-0"'))
    forged = reseal(edited, 6)
    stored = target.attacked([
        ("UPDATE ledger_entries SET payload = ?, content_hash = ?, leaf_hash = ?, chain_hash = ?" + WHERE,
         (e.payload_json, e.content_hash, e.leaf_hash, e.chain_hash, e.seq))
        for e in forged[6:]
    ])
    assert verify_entries(stored).ok  # consistent with itself
    report = verify_entries(stored, [earlier, latest], SIGNING_KEY.public_key())
    assert not report.ok and report.first_bad_seq is None
    assert report.bad_range == (5, SIZE)
