"""The tamper campaign: an attacker with full write access to the database (append-only triggers dropped)
changes the decisions ledger every way there is, and `ledger verify` names the first bad entry each time,
on the suite's backend (SQLite and PostgreSQL).

Entries 1..6 were checkpointed into the witness store outside the database; 7 and 8 were recorded after,
so they are covered only by their tags (ledger/tags.py). The attacker has the database, not SafeShare's key
nor the witness store.
"""

import pytest
from sqlalchemy import text

from safeshare.ledger.entry import seal_entries
from safeshare.services.ledger import Log
from safeshare.store.ledger_repository import TAG_KEY_INFO, LedgerRepository
from tests.ledger.builders import reseal
from tests.witnessing import record_some, tamper, witnessed_world

WITNESSED, RECORDED = 6, 8
ENTRY = "log = 'decisions' AND seq = :seq"


@pytest.fixture
def world(engine, database_url, tmp_path, clock):
    world = witnessed_world(engine, database_url, tmp_path / "witness", clock, checkpoint_every_entries=100, checkpoint_every_minutes=60)
    record_some(world, WITNESSED)
    assert world.services.ledger.checkpointer.run_once()[0].tree_size == WITNESSED
    record_some(world, RECORDED - WITNESSED)
    assert world.services.ledger.checkpointer.run_once() == []  # not due yet: 7 and 8 are not witnessed
    return world


def entries(engine) -> list:
    with engine.connect() as connection:
        return list(LedgerRepository(connection).iter_entries("decisions"))


def remove(seq_condition: str) -> list[str]:
    """Delete entries with their index rows, as an attacker covering their tracks would."""
    return [
        f"DELETE FROM decision_subjects WHERE decision_id IN (SELECT seq FROM ledger_entries WHERE log = 'decisions' AND {seq_condition})",
        f"DELETE FROM decisions WHERE id IN (SELECT seq FROM ledger_entries WHERE log = 'decisions' AND {seq_condition})",
        f"DELETE FROM ledger_entries WHERE log = 'decisions' AND {seq_condition}",
    ]


def rewrite(engine, seq: int) -> list:
    """Change entry `seq` and recompute every hash after it (its tag and later ones are left as they were)."""
    edited = entries(engine)
    edited[seq - 1] = edited[seq - 1]._replace(payload_json=edited[seq - 1].payload_json.replace("scared", "happy"))
    return [
        ("UPDATE ledger_entries SET payload = :payload, content_hash = :content, leaf_hash = :leaf, chain_hash = :chain"
         " WHERE " + ENTRY,
         {"payload": e.payload_json, "content": e.content_hash, "leaf": e.leaf_hash, "chain": e.chain_hash, "seq": e.seq})
        for e in reseal(edited, seq - 1)[seq - 1 :]
    ] + ["DELETE FROM ledger_checkpoints"]


def forge_append(engine, copies_of: int, count: int = 1) -> None:
    """Append entries with valid hashes and matching index rows: copies of a genuine decision, sealed after the head."""
    head = entries(engine)
    source = next(e for e in head if e.seq == copies_of)
    forged = seal_entries(
        "decisions", [(source.kind, source.payload)] * count, after_seq=head[-1].seq, after_chain=head[-1].chain_hash,
        recorded_at=source.recorded_at_datetime,
    )
    with engine.begin() as connection:
        connection.info[TAG_KEY_INFO] = None
        for entry in forged:
            connection.execute(text(
                "INSERT INTO ledger_entries (log, seq, kind, recorded_at, payload, content_hash, corrects, leaf_hash, chain_hash, tag)"
                " VALUES ('decisions', :seq, :kind, :at, :payload, :content, NULL, :leaf, :chain, :tag)"
            ), {"seq": entry.seq, "kind": entry.kind, "at": entry.recorded_at, "payload": entry.payload_json,
                "content": entry.content_hash,
                "leaf": entry.leaf_hash, "chain": entry.chain_hash, "tag": bytes(32)})
            columns = "agency_id, decided_by, decided_at, decision, outcome, follows_advice, guidance_version, request_id, corrects"
            connection.execute(text(f"INSERT INTO decisions (id, {columns}) SELECT :seq, {columns} FROM decisions WHERE id = :source"),
                               {"seq": entry.seq, "source": copies_of})
            connection.execute(text("INSERT INTO decision_subjects (decision_id, subject_id) SELECT :seq, subject_id"
                                    " FROM decision_subjects WHERE decision_id = :source"), {"seq": entry.seq, "source": copies_of})


def mutate(engine):
    tamper(engine, ("UPDATE ledger_entries SET payload = replace(payload, 'scared', 'happy') WHERE " + ENTRY, {"seq": 3}))
    return 3


def delete(engine):
    tamper(engine, *remove("seq = 3"))
    return 3


def insert(engine):
    tamper(
        engine,
        "UPDATE ledger_entries SET seq = seq + 1000 WHERE log = 'decisions' AND seq >= 3",
        "UPDATE ledger_entries SET seq = seq - 999 WHERE log = 'decisions' AND seq > 1000",
        "INSERT INTO ledger_entries (log, seq, kind, recorded_at, payload, content_hash, corrects, leaf_hash, chain_hash, tag)"
        " SELECT log, 3, kind, recorded_at, payload, content_hash, corrects, leaf_hash, chain_hash, tag"
        " FROM ledger_entries WHERE log = 'decisions' AND seq = 2",
    )
    return 3


def reorder(engine):
    swap = "UPDATE ledger_entries SET seq = :to WHERE log = 'decisions' AND seq = :seq"
    tamper(engine, (swap, {"to": 1002, "seq": 2}), (swap, {"to": 2, "seq": 4}), (swap, {"to": 4, "seq": 1002}))
    return 2


def truncate(engine):
    tamper(engine, *remove("seq >= 5"))
    return 5


def rewrite_witnessed(engine):
    tamper(engine, *rewrite(engine, 3))
    return 3


def rewrite_after_the_checkpoint(engine):
    tamper(engine, *rewrite(engine, 7))
    return 7


def forged_append(engine):
    forge_append(engine, copies_of=RECORDED)
    return RECORDED + 1


def truncate_and_forge(engine):
    tamper(engine, *remove("seq >= 5"))
    forge_append(engine, copies_of=4, count=2)
    return 5


@pytest.mark.parametrize(
    "attack",
    [mutate, delete, insert, reorder, truncate, rewrite_witnessed, rewrite_after_the_checkpoint, forged_append, truncate_and_forge],
)
def test_every_tampering_is_found_at_the_first_bad_entry(world, engine, attack):
    genuine = entries(engine)
    expected = attack(engine)
    assert entries(engine) != genuine  # the attack did something
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok, report.summary()
    assert report.first_bad_seq == expected and report.bad_range is None, report.summary()
    assert f"first bad seq {expected}" in report.summary()


def test_the_untouched_ledger_verifies(world, engine):
    tamper(engine)  # triggers dropped and put back, nothing changed
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert report.ok and report.tree_size == RECORDED, report.summary()
