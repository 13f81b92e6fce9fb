"""Checkpoints made without anyone asking, into a witness store outside the database."""

import logging
import os
import io
import tarfile

import pytest
from safeshare.domain.errors import Forbidden
from safeshare.ledger import parse_checkpoint, verify_consistency
from safeshare.ledger.cosignature import parse_add_checkpoint_request
from safeshare.services.ledger import Log
from safeshare.store.ledger_repository import LedgerRepository
from tests.witnessing import record_some, tamper, witnessed_world


@pytest.fixture
def world(engine, database_url, tmp_path, clock):
    return witnessed_world(engine, database_url, tmp_path / "witness", clock, checkpoint_every_entries=3, checkpoint_every_minutes=5)


def checkpointed(world):
    return {cp.log: cp for cp in world.services.ledger.checkpointer.run_once()}


def test_a_log_is_checkpointed_every_n_entries_or_m_minutes(world, clock, tmp_path):
    record_some(world, 2)
    assert checkpointed(world)["decisions"].tree_size == 2  # a log never checkpointed is due at once
    record_some(world, 2)
    assert "decisions" not in checkpointed(world)  # 2 new entries, 3 needed, and no time has passed
    record_some(world, 1)
    assert checkpointed(world)["decisions"].tree_size == 5
    record_some(world, 1)
    clock.advance(minutes=4)
    assert "decisions" not in checkpointed(world)
    clock.advance(minutes=1)
    assert checkpointed(world)["decisions"].tree_size == 6
    files = sorted(os.listdir(tmp_path / "witness" / "decisions" / "checkpoints"))
    assert files == [f"{size:020d}.checkpoint" for size in (2, 5, 6)]


def test_checkpoints_are_signed_and_each_proves_consistency_with_the_one_before(world, tmp_path):
    record_some(world, 2)
    checkpointed(world)
    record_some(world, 3)
    checkpointed(world)
    folder = tmp_path / "witness" / "decisions"
    first = parse_checkpoint((folder / "checkpoints" / f"{2:020d}.checkpoint").read_bytes())
    old_size, proof, second = parse_add_checkpoint_request((folder / "proofs" / f"{5:020d}.proof").read_text())
    assert old_size == 2 and second.tree_size == 5
    assert verify_consistency(2, first.root_hash, 5, second.root_hash, proof)
    assert not verify_consistency(2, bytes(32), 5, second.root_hash, proof)
    assert world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS).ok


def test_witness_files_are_never_rewritten(world, tmp_path):
    record_some(world, 2)
    checkpointed(world)
    path = tmp_path / "witness" / "decisions" / "checkpoints" / f"{2:020d}.checkpoint"
    assert path.stat().st_mode & 0o222 == 0  # read-only from the start
    before = path.read_bytes()
    world.services.ledger.checkpoint(world.actor("ig_lead_a"), Log.DECISIONS)  # asked for again: nothing new to sign
    assert path.read_bytes() == before


def _forge_append(engine, log: str, clock) -> int:
    """Append an entry with valid hashes, as anyone who can write the database can (but without SafeShare's key)."""
    with engine.begin() as connection:
        connection.info.pop("safeshare.ledger_tag_key", None)
        entry = LedgerRepository(connection, clock=clock).append(log, "decision.recorded", {"forged": True})
    return entry.seq


def test_an_entry_forged_in_the_database_is_never_signed(world, engine, clock, caplog):
    record_some(world, 2)
    first = checkpointed(world)["decisions"]
    forged = _forge_append(engine, "decisions", clock)
    clock.advance(minutes=5)  # due
    with caplog.at_level(logging.ERROR, logger="safeshare.services.checkpoints"):
        assert "decisions" not in checkpointed(world)
    assert f"seq {forged}" in caplog.text and "tag" in caplog.text
    assert world.services.ledger.witness_store.latest("decisions") == first
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok and report.first_bad_seq == forged and "tag" in report.problem


def test_the_partnership_auditor_downloads_the_witness_store(world):
    record_some(world, 2)
    checkpointed(world)
    archive = world.services.ledger.witness_store_archive(world.actor("auditor"), Log.DECISIONS)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        names = tar.getnames()
    assert f"decisions/checkpoints/{2:020d}.checkpoint" in names and f"decisions/leaves/{0:020d}-{2:020d}.leaves" in names
    for key in ("ig_lead_a", "practitioner_a"):
        with pytest.raises(Forbidden, match="ledger:witness-store"):
            world.services.ledger.witness_store_archive(world.actor(key), Log.DECISIONS)


def test_deleting_the_last_entry_with_its_index_rows_is_found_once_it_was_checkpointed(world, engine):
    records = record_some(world, 3)
    checkpointed(world)
    last = records[-1].id
    tamper(engine, f"DELETE FROM decision_subjects WHERE decision_id = {last}", f"DELETE FROM decisions WHERE id = {last}",
           f"DELETE FROM ledger_entries WHERE log = 'decisions' AND seq = {last}")
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok and report.first_bad_seq == last and "missing" in report.problem
    assert "decisions" not in checkpointed(world)  # nor is the shortened log ever signed


def test_erasing_an_entrys_content_leaves_the_ledger_and_its_checkpoints_verifying(world, engine):
    """Under a retention schedule personal content can be erased: the entry keeps its place, kind, time and content
    hash, so verification passes (naming the erased entries) and the checkpoints witnessed before still hold."""
    records = record_some(world, 3)
    witnessed = checkpointed(world)["decisions"]
    tamper(engine, f"UPDATE ledger_entries SET payload = NULL WHERE log = 'decisions' AND seq = {records[1].id}")
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert report.ok and report.erased == (records[1].id,), report.summary()
    assert f"content erased (first seq {records[1].id})" in report.summary()
    assert world.services.ledger.witness_store.latest("decisions") == witnessed
    record_some(world, 3)
    assert checkpointed(world)["decisions"].tree_size == 6  # the log goes on growing over the erased entry
