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
