"""Agencies as witnesses of the ledger (C2SP tlog-witness, tlog-cosignature).

Each agency's information governance lead registers a witness key (SafeShare holds only its public half),
then from time to time fetches the latest checkpoint with a consistency proof from the last one they
cosigned, checks it on their own machine against the state file they keep (``safeshare ledger witness
cosign``), and sends back their cosignature. The operator of SafeShare's host can rewrite the database and
the witness store, but not what the agencies remember: a rewritten history no longer matches the
checkpoints they cosigned, their tools refuse to cosign it, and ``ledger verify`` reports, witness by
witness, whether the ledger still agrees with the newest checkpoint each one cosigned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from safeshare.domain.errors import Conflict, InvalidInput
from safeshare.domain.ledgers import Log
from safeshare.domain.permissions import Permission
from safeshare.domain.witnesses import Cosigned, LedgerWitness, WitnessRegistration
from safeshare.ledger import Checkpoint, CheckpointFormatError, format_timestamp, parse_checkpoint
from safeshare.ledger.cosignature import (
    add_checkpoint_request,
    cosigner_vkey,
    parse_cosigner_vkey,
    verify_cosignature,
    with_cosignatures,
)
from safeshare.ledger.merkle import MerkleTree, tree_root
from safeshare.ledger.verify import WitnessStatus
from safeshare.services.context import Actor
from safeshare.services.use_case import Service, ServiceContext, new_id, use_case
from safeshare.store.unit_of_work import UnitOfWork
from safeshare.store.witness_store import WitnessStore, WitnessStoreDamaged

#: How far ahead of SafeShare's clock a cosignature's own timestamp may be.
CLOCK_SKEW = dt.timedelta(minutes=5)


class WitnessService(Service):
    def __init__(self, context: ServiceContext, store: WitnessStore | None, signing_public_key: bytes):
        super().__init__(context)
        self._store = store
        self._signing_public_key = signing_public_key

    def _witness_store(self) -> WitnessStore:
        if self._store is None:
            raise InvalidInput.of("log", "no witness store is configured (SAFESHARE_WITNESS_DIR)")
        return self._store

    @use_case(Permission.LEDGER_WITNESS)
    def register(self, uow: UnitOfWork, actor: Actor, registration: WitnessRegistration) -> LedgerWitness:
        """Register the public key of the actor's agency's witness. A later key replaces it for new cosignatures;
        what earlier keys cosigned still counts."""
        store = self._witness_store()
        try:
            name, key = parse_cosigner_vkey(registration.verifier_key)
        except ValueError as error:
            raise InvalidInput.of("verifier_key", str(error)) from None
        if key == self._signing_public_key:
            raise InvalidInput.of("verifier_key", "a witness needs a key of its own, not SafeShare's signing key")
        witness = LedgerWitness(
            id=new_id(), agency_id=actor.agency_id, name=name, verifier_key=cosigner_vkey(name, key),
            registered_by=actor.person_id, registered_at=self.now(),
        )
        if not uow.witnesses.add(witness, key):
            raise Conflict.of("verifier_key", "another witness already has this name or key")
        store.add_witness(witness.id, witness.verifier_key)
        return witness

    @use_case(Permission.LEDGER_WITNESS)
    def offer(self, uow: UnitOfWork, actor: Actor, log: Log, seen_size: int) -> str:
        """The latest checkpoint as a tlog-witness add-checkpoint request: ``old <seen_size>``, the RFC 9162
        consistency proof from that size, and the checkpoint."""
        store, log = self._witness_store(), log.value
        latest = store.latest(log)
        if latest is None:
            raise InvalidInput.of("log", f"the {log} log has no checkpoint yet")
        if not 0 <= seen_size <= latest.tree_size:
            raise InvalidInput.of(
                "seen_size", f"the latest checkpoint is of {latest.tree_size} entries; you saw {seen_size}: the log was rolled back"
            )
        proof: list[bytes] = []
        if 0 < seen_size < latest.tree_size:
            proof = MerkleTree([leaf for leaf, _ in store.records(log)]).consistency_proof(seen_size)
        return add_checkpoint_request(seen_size, proof, latest)

    @use_case(Permission.LEDGER_WITNESS)
    def cosign(self, uow: UnitOfWork, actor: Actor, log: Log, note: str) -> Cosigned:
        """Keep the actor's agency's cosignature of a checkpoint SafeShare signed, in the database and the witness store."""
        store, log = self._witness_store(), log.value
        witness = uow.witnesses.current_for(actor.agency_id)
        if witness is None:
            raise InvalidInput.of("note", "your agency has registered no witness key")
        try:
            offered = parse_checkpoint(note)
        except CheckpointFormatError as error:
            raise InvalidInput.of("note", f"not a cosigned checkpoint: {error}") from None
        if offered.log != log or offered.tree_size not in store.sizes(log):
            raise InvalidInput.of("note", f"SafeShare signed no checkpoint of the {log} log at size {offered.tree_size}")
        ours = store.checkpoint(log, offered.tree_size)
        if offered.body != ours.body:
            raise InvalidInput.of("note", "the checkpoint cosigned is not the one SafeShare signed at that size")
        _, key = parse_cosigner_vkey(witness.verifier_key)
        cosignature = next(
            (found for line in _signature_lines(offered) if (found := verify_cosignature(ours, line, witness.name, key))),
            None,
        )
        if cosignature is None:
            raise InvalidInput.of("note", f"it carries no valid cosignature by your agency's witness key {witness.name}")
        now = self.now()
        if dt.datetime.fromtimestamp(cosignature.timestamp, dt.UTC) > now + CLOCK_SKEW:
            raise InvalidInput.of("note", "the cosignature is dated in the future")
        if offered.tree_size < uow.witnesses.largest_cosigned(log, witness.id):
            raise InvalidInput.of("note", "your witness has already cosigned a larger tree of this log")
        cosigned = with_cosignatures(ours, [cosignature.line])
        if not uow.witnesses.add_cosignature(
            log, witness.id, ours.tree_size, ours.root_hash, cosignature.timestamp, cosigned.text, actor.person_id, now
        ):
            raise Conflict.of("note", "your witness has already cosigned this checkpoint")
        store.add_cosigned(log, witness.id, cosigned)
        return Cosigned(
            log=log, witness_id=witness.id, tree_size=ours.tree_size,
            cosigned_at=dt.datetime.fromtimestamp(cosignature.timestamp, dt.UTC),
        )


def _signature_lines(checkpoint: Checkpoint) -> list[str]:
    return checkpoint.text[checkpoint.text.rindex("\n\n") + 2 :].splitlines()


def witness_statuses(
    uow: UnitOfWork, store: WitnessStore | None, log: str, stored_leaves: Callable[[], list[bytes]]
) -> list[WitnessStatus]:
    """For each registered witness, the newest checkpoint of the log it validly cosigned (from the database and the
    witness store), and whether the ledger's stored leaves still make that checkpoint's root."""
    statuses = []
    leaves: list[bytes] | None = None
    for witness in uow.witnesses.all():
        name, key = parse_cosigner_vkey(witness.verifier_key)
        kept_key = store.witness_key(witness.id) if store else None
        if store is not None and kept_key != witness.verifier_key:
            statuses.append(WitnessStatus(name, witness.agency_id, None, None, False, (
                "its key in the database is not the one registered in the witness store: the database was changed"
            )))
            continue
        try:
            notes = [parse_checkpoint(n) for n in uow.witnesses.cosigned_notes(log, witness.id)]
            notes += store.cosigned(log, witness.id) if store else []
        except (CheckpointFormatError, WitnessStoreDamaged):
            notes = []
        newest = None
        for checkpoint in sorted(notes, key=lambda cp: cp.tree_size, reverse=True):
            valid = [c for line in _signature_lines(checkpoint) if (c := verify_cosignature(checkpoint, line, name, key))]
            if valid:
                newest = (checkpoint, valid[0])
                break
        if newest is None:
            statuses.append(WitnessStatus(name, witness.agency_id, None, None, None, "no cosignature"))
            continue
        checkpoint, cosignature = newest
        leaves = stored_leaves() if leaves is None else leaves  # read once, and only if some witness cosigned
        at = format_timestamp(dt.datetime.fromtimestamp(cosignature.timestamp, dt.UTC))
        if checkpoint.tree_size > len(leaves):
            consistent, detail = False, f"the ledger has only {len(leaves)} entries"
        elif tree_root(leaves[: checkpoint.tree_size]) != checkpoint.root_hash:
            consistent, detail = False, f"the ledger's first {checkpoint.tree_size} entries no longer make the root it cosigned"
        else:
            consistent, detail = True, "the ledger's entries make the root it cosigned"
        statuses.append(WitnessStatus(name, witness.agency_id, checkpoint.tree_size, at, consistent, detail))
    return statuses



