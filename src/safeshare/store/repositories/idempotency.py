"""Idempotency keys: which sealed record a person's request with a key produced."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from safeshare.store.tables import idempotency_keys


@dataclass(frozen=True)
class StoredKey:
    person_id: str
    operation: str
    key: str
    request_digest: str
    result_ref: str
    created_at: dt.datetime


class KeyTaken(Exception):
    """A concurrent transaction recorded the same key first; this one is rolled back and may look again."""


class IdempotencyRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def find(self, person_id: str, operation: str, key: str) -> StoredKey | None:
        row = self._db.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.person_id == person_id,
                idempotency_keys.c.operation == operation,
                idempotency_keys.c.key == key,
            )
        ).first()
        return StoredKey(**row._mapping) if row else None

    def add(self, stored: StoredKey) -> None:
        """On PostgreSQL a second transaction inserting the same key waits for the first, then fails here."""
        try:
            self._db.execute(insert(idempotency_keys).values(**asdict(stored)))
        except IntegrityError as error:
            raise KeyTaken(stored.key) from error

    def forget(self, person_id: str, operation: str, key: str) -> None:
        self._db.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.person_id == person_id,
                idempotency_keys.c.operation == operation,
                idempotency_keys.c.key == key,
            )
        )

    def forget_made_by(self, cutoff: dt.datetime) -> int:
        """Delete the keys recorded at or before `cutoff`; returns how many."""
        return self._db.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at <= cutoff)).rowcount
