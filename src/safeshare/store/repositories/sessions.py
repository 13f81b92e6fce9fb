from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from safeshare.store.tables import sessions


@dataclass(frozen=True)
class StoredSession:
    token_hash: str
    person_id: str
    kind: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    reauthenticated_at: dt.datetime | None
    csrf_token: str | None
    stage: str = "complete"


class SessionRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def add(self, session: StoredSession) -> None:
        self._db.execute(insert(sessions).values(**session.__dict__))

    def get(self, token_hash: str) -> StoredSession | None:
        row = self._db.execute(select(sessions).where(sessions.c.token_hash == token_hash)).first()
        return StoredSession(**row._mapping) if row else None

    def touch(self, token_hash: str, now: dt.datetime) -> None:
        self._db.execute(update(sessions).where(sessions.c.token_hash == token_hash).values(last_seen_at=now))

    def mark_reauthenticated(self, token_hash: str, now: dt.datetime) -> None:
        self._db.execute(update(sessions).where(sessions.c.token_hash == token_hash).values(reauthenticated_at=now))

    def remove(self, token_hash: str) -> None:
        self._db.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def remove_all_for(self, person_id: str) -> None:
        self._db.execute(delete(sessions).where(sessions.c.person_id == person_id))

    def keep_newest(self, person_id: str, count: int) -> None:
        """End the person's oldest sessions beyond the newest `count`."""
        newest = (
            select(sessions.c.token_hash).where(sessions.c.person_id == person_id)
            .order_by(sessions.c.created_at.desc(), sessions.c.token_hash).limit(count)
        )
        self._db.execute(delete(sessions).where(sessions.c.person_id == person_id, sessions.c.token_hash.not_in(newest.scalar_subquery())))

    def of_person(self, person_id: str) -> list[StoredSession]:
        rows = self._db.execute(
            select(sessions).where(sessions.c.person_id == person_id).order_by(sessions.c.created_at.desc(), sessions.c.token_hash)
        )
        return [StoredSession(**row._mapping) for row in rows]

    def remove_others(self, person_id: str, keep_token_hash: str | None) -> int:
        """End every session of the person but `keep_token_hash`; how many ended."""
        query = delete(sessions).where(sessions.c.person_id == person_id)
        if keep_token_hash is not None:
            query = query.where(sessions.c.token_hash != keep_token_hash)
        return self._db.execute(query).rowcount

    def replace_token(self, token_hash: str, new_token_hash: str, new_csrf_token: str | None, now: dt.datetime) -> bool:
        """Give a session a new token (and CSRF token), its lifetime unchanged, so the old token no longer works."""
        changed = self._db.execute(
            update(sessions).where(sessions.c.token_hash == token_hash)
            .values(token_hash=new_token_hash, csrf_token=new_csrf_token, last_seen_at=now, reauthenticated_at=now)
        )
        return changed.rowcount == 1
