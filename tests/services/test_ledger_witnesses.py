"""Agencies as witnesses: each agency's governance lead checks every new checkpoint against the last one they
cosigned and countersigns it, so that even the operator of SafeShare's host, who has the signing key, cannot
rewrite history without the witnesses disagreeing."""

import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.domain.errors import Conflict, Forbidden, InvalidInput
from safeshare.domain.witnesses import WitnessRegistration
from safeshare.ledger.cosignature import cosign, cosigner_vkey, with_cosignatures
from safeshare.ledger.keys import public_key_base64
from safeshare.ledger.tags import entry_tag, entry_tag_key
from safeshare.ledger.witness import WitnessRefusal, check_offered, next_state
from safeshare.services.ledger import Log, signing_key
from tests.ledger.builders import reseal
from tests.services.test_ledger_tamper_campaign import ENTRY, entries
from tests.witnessing import record_some, tamper, witnessed_world


@pytest.fixture
def world(engine, database_url, tmp_path, clock):
    return witnessed_world(engine, database_url, tmp_path / "witness", clock, checkpoint_every_entries=1)


class Lead:
    """An agency's governance lead with their witness key and the state file they keep, on their own machine."""

    def __init__(self, world, key: str, name: str) -> None:
        self.world, self.actor, self.name = world, world.actor(key), name
        self.private_key = Ed25519PrivateKey.generate()
        self.state = None
        self.log_key = public_key_base64(signing_key(world.services.context.settings))

    def register(self):
        return self.world.services.witnesses.register(self.actor, WitnessRegistration(verifier_key=cosigner_vkey(self.name, self.private_key)))

    def cosign_latest(self, log=Log.DECISIONS):
        request = self.world.services.witnesses.offer(self.actor, log, self.state.tree_size if self.state else 0)
        checkpoint = check_offered(request, log.value, self.state, self.log_key)
        line = cosign(checkpoint, self.name, self.private_key, now(self.world)).line
        result = self.world.services.witnesses.cosign(self.actor, log, with_cosignatures(checkpoint, [line]).text)
        self.state = next_state(log.value, checkpoint, self.state, self.log_key)
        return result


def now(world) -> int:
    return int(world.services.context.clock().timestamp())


def grow(world, count):
    record_some(world, count)
    world.services.ledger.checkpointer.run_once()


def test_a_governance_lead_witnesses_the_ledger_and_verify_reports_it(world):
    lead = Lead(world, "ig_lead_a", "agency-a.example/witness")
    lead.register()
    grow(world, 2)
    assert lead.cosign_latest().tree_size == 2
    grow(world, 3)
    assert lead.cosign_latest().tree_size == 5  # proved consistent with size 2 first
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert report.ok, report.summary()
    (status,) = report.witnesses
    assert (status.witness, status.tree_size, status.consistent) == ("agency-a.example/witness", 5, True)
    assert "witness agency-a.example/witness: newest cosigned checkpoint size 5" in report.summary()


def test_only_governance_leads_register_witness_keys_and_each_key_is_its_own(world):
    lead = Lead(world, "ig_lead_a", "agency-a.example/witness")
    with pytest.raises(Forbidden, match="ledger:witness"):
        Lead(world, "practitioner_a", "practitioner").register()
    lead.register()
    with pytest.raises(Conflict, match="verifier_key"):
        lead.register()
    with pytest.raises(InvalidInput, match="verifier_key"):
        world.services.witnesses.register(lead.actor, WitnessRegistration(verifier_key="not+a+verifier+key"))
    own = signing_key(world.services.context.settings)
    with pytest.raises(InvalidInput, match="key of its own"):
        world.services.witnesses.register(lead.actor, WitnessRegistration(verifier_key=cosigner_vkey("sneaky", own)))


def test_a_cosignature_is_kept_only_for_the_checkpoint_signed_by_the_agencys_own_key(world):
    lead = Lead(world, "ig_lead_a", "agency-a.example/witness")
    lead.register()
    grow(world, 2)
    request = world.services.witnesses.offer(lead.actor, Log.DECISIONS, 0)
    checkpoint = check_offered(request, "decisions", None, lead.log_key)
    stranger = cosign(checkpoint, lead.name, Ed25519PrivateKey.generate(), now(world)).line
    with pytest.raises(InvalidInput, match="no valid cosignature"):
        world.services.witnesses.cosign(lead.actor, Log.DECISIONS, with_cosignatures(checkpoint, [stranger]).text)
    altered = checkpoint.text.replace("\n2\n", "\n3\n", 1)
    with pytest.raises(InvalidInput, match="no checkpoint"):
        world.services.witnesses.cosign(lead.actor, Log.DECISIONS, altered)
    lead.cosign_latest()
    with pytest.raises(Conflict, match="already cosigned"):
        line = cosign(checkpoint, lead.name, lead.private_key, now(world)).line
        world.services.witnesses.cosign(lead.actor, Log.DECISIONS, with_cosignatures(checkpoint, [line]).text)
    with pytest.raises(InvalidInput, match="rolled back"):
        world.services.witnesses.offer(lead.actor, Log.DECISIONS, 99)


def _operator_rewrites_history(world, engine, witness_dir, seq):
    """The host's operator has the signing key: rewrite an entry, recompute every hash and tag after it, replace
    the witness store and the database's checkpoints with ones made afresh from the rewritten log."""
    tag_key = entry_tag_key(signing_key(world.services.context.settings))
    edited = entries(engine)
    edited[seq - 1] = edited[seq - 1]._replace(payload_json=edited[seq - 1].payload_json.replace("scared", "happy"))
    statements = [
        ("UPDATE ledger_entries SET payload = :payload, content_hash = :content, leaf_hash = :leaf, chain_hash = :chain,"
         " tag = :tag WHERE " + ENTRY,
         {"payload": e.payload_json, "content": e.content_hash, "leaf": e.leaf_hash, "chain": e.chain_hash, "seq": e.seq,
          "tag": entry_tag(tag_key, e.log, e.seq, e.chain_hash)})
        for e in reseal(edited, seq - 1)[seq - 1 :]
    ]
    cosigned = {}
    for log_dir in witness_dir.iterdir():
        for path in log_dir.glob("cosignatures/*/*") if log_dir.is_dir() else ():
            cosigned[path] = path.read_bytes()
    shutil.rmtree(witness_dir / "decisions")
    tamper(engine, *statements, "DELETE FROM ledger_checkpoints WHERE log = 'decisions'")
    world.services.ledger.checkpointer._ranges.clear()
    world.services.ledger.checkpointer.run_once()


def test_the_operator_cannot_rewrite_history_without_the_witnesses_disagreeing(world, engine, tmp_path):
    lead = Lead(world, "ig_lead_a", "agency-a.example/witness")
    lead.register()
    grow(world, 4)
    lead.cosign_latest()
    _operator_rewrites_history(world, engine, tmp_path / "witness", 2)
    grow(world, 1)

    with pytest.raises(WitnessRefusal, match="FORK"):  # the lead's own check, against the state file they keep
        lead.cosign_latest()
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok, report.summary()
    (status,) = report.witnesses
    assert status.tree_size == 4 and status.consistent is False
    assert "disagrees with witness agency-a.example/witness" in report.problem


def test_a_witness_added_in_the_database_alone_is_reported_not_trusted(world, engine):
    """Someone with the database could add a witness of their own to vouch for a rewritten log: its key is not in
    the witness store, which only SafeShare writes, so verify says so and fails."""
    grow(world, 1)
    forged = Ed25519PrivateKey.generate()
    tamper(engine, (
        "INSERT INTO ledger_witnesses (id, agency_id, name, public_key, registered_by, registered_at)"
        " VALUES ('00000000-0000-4000-8000-000000000001', :agency, 'friendly-witness', :key, :person, :at)",
        {"agency": world.people["ig_lead_a"].agency_id, "key": forged.public_key().public_bytes_raw(),
         "person": world.people["ig_lead_a"].id, "at": world.services.context.clock()},
    ))
    report = world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)
    assert not report.ok and "friendly-witness" in report.problem and "witness store" in report.problem
