"""The agencies' witness keys and the checkpoints they cosigned (append-only, like the ledger)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, or_, select

from safeshare.domain.witnesses import LedgerWitness
from safeshare.ledger.cosignature import cosigner_vkey
from safeshare.store.conditional import insert_unless_taken
from safeshare.store.ledger_tables import ledger_cosignatures, ledger_witnesses

w = ledger_witnesses.c
c = ledger_cosignatures.c


def _witness(row) -> LedgerWitness:
    return LedgerWitness(
        id=row.id, agency_id=row.agency_id, name=row.name, verifier_key=cosigner_vkey(row.name, bytes(row.public_key)),
        registered_by=row.registered_by, registered_at=row.registered_at,
    )


class WitnessRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def add(self, witness: LedgerWitness, public_key: bytes) -> bool:
        """Register the witness; False (and nothing written) if its name or key is taken, even by a concurrent caller."""
        if self._db.execute(select(w.id).where(or_(w.name == witness.name, w.public_key == public_key)).limit(1)).first():
            return False
        return insert_unless_taken(self._db, ledger_witnesses, dict(
            id=witness.id, agency_id=witness.agency_id, name=witness.name, public_key=public_key,
            registered_by=witness.registered_by, registered_at=witness.registered_at,
        ))

    def current_for(self, agency_id: str) -> LedgerWitness | None:
        """The agency's witness: the key it registered last (earlier keys still vouch for what they cosigned)."""
        row = self._db.execute(
            select(ledger_witnesses).where(w.agency_id == agency_id).order_by(w.registered_at.desc(), w.id).limit(1)
        ).first()
        return _witness(row) if row else None

    def all(self) -> list[LedgerWitness]:
        rows = self._db.execute(select(ledger_witnesses).order_by(w.registered_at, w.id))
        return [_witness(row) for row in rows]

    def add_cosignature(
        self, log: str, witness_id: str, tree_size: int, root_hash: bytes, cosigned_at: int, note: str,
        submitted_by: str, submitted_at: dt.datetime,
    ) -> bool:
        """Keep the cosignature; False if the witness already cosigned this tree size."""
        return insert_unless_taken(self._db, ledger_cosignatures, dict(
            log=log, witness_id=witness_id, tree_size=tree_size, root_hash=root_hash, cosigned_at=cosigned_at,
            note=note, submitted_by=submitted_by, submitted_at=submitted_at,
        ))

    def largest_cosigned(self, log: str, witness_id: str) -> int:
        query = select(func.coalesce(func.max(c.tree_size), 0)).where(c.log == log, c.witness_id == witness_id)
        return self._db.execute(query).scalar_one()

    def cosigned_notes(self, log: str, witness_id: str) -> list[str]:
        """The witness's cosigned checkpoints of the log, largest tree first."""
        query = select(c.note).where(c.log == log, c.witness_id == witness_id).order_by(c.tree_size.desc())
        return list(self._db.execute(query).scalars())
