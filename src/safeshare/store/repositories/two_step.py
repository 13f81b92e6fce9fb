from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from safeshare.store.tables import recovery_codes, two_step_secrets


@dataclass(frozen=True)
class StoredTwoStep:
    person_id: str
    secret: str  # encrypted
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    last_used_step: int | None


class TwoStepRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def get(self, person_id: str) -> StoredTwoStep | None:
        row = self._db.execute(select(two_step_secrets).where(two_step_secrets.c.person_id == person_id)).first()
        return StoredTwoStep(**row._mapping) if row else None

    def start(self, person_id: str, encrypted_secret: str, now: dt.datetime) -> None:
        """A new, unconfirmed secret in place of any unconfirmed one; a confirmed one is never replaced here."""
        self._db.execute(
            delete(two_step_secrets).where(two_step_secrets.c.person_id == person_id, two_step_secrets.c.confirmed_at.is_(None))
        )
        self._db.execute(insert(two_step_secrets).values(person_id=person_id, secret=encrypted_secret, created_at=now))

    def use_step(self, person_id: str, step: int) -> bool:
        """Record a code's time step as used, unless it or a later one already was: one statement, so two
        requests racing with the same code cannot both succeed."""
        result = self._db.execute(
            update(two_step_secrets)
            .where(
                two_step_secrets.c.person_id == person_id,
                or_(two_step_secrets.c.last_used_step.is_(None), two_step_secrets.c.last_used_step < step),
            )
            .values(last_used_step=step)
        )
        return result.rowcount == 1

    def confirm(self, person_id: str, now: dt.datetime) -> bool:
        result = self._db.execute(
            update(two_step_secrets)
            .where(two_step_secrets.c.person_id == person_id, two_step_secrets.c.confirmed_at.is_(None))
            .values(confirmed_at=now)
        )
        return result.rowcount == 1

    def replace_recovery_codes(self, person_id: str, code_hashes: list[str]) -> None:
        self._db.execute(delete(recovery_codes).where(recovery_codes.c.person_id == person_id))
        self._db.execute(insert(recovery_codes), [{"code_hash": h, "person_id": person_id} for h in code_hashes])

    def use_recovery_code(self, person_id: str, code_hash: str, now: dt.datetime) -> bool:
        result = self._db.execute(
            update(recovery_codes)
            .where(recovery_codes.c.person_id == person_id, recovery_codes.c.code_hash == code_hash, recovery_codes.c.used_at.is_(None))
            .values(used_at=now)
        )
        return result.rowcount == 1

    def recovery_codes_left(self, person_id: str) -> int:
        return self._db.execute(
            select(func.count()).select_from(recovery_codes)
            .where(recovery_codes.c.person_id == person_id, recovery_codes.c.used_at.is_(None))
        ).scalar_one()
