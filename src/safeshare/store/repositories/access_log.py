from __future__ import annotations

from sqlalchemy import Connection, func, insert, select

from safeshare.domain.access import AccessEntry
from safeshare.domain.paging import Page, PageRequest

from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.tables import access_log_subjects

ACCESS_LOG = "access"


class AccessLogRepository:
    """The access log is a ledger of its own, so it is append-only and tamper-evident like decisions."""

    def __init__(self, connection: Connection):
        self._db = connection
        self._ledger = LedgerRepository(connection)

    def append(self, entry: AccessEntry) -> int:
        stored = self._ledger.append(ACCESS_LOG, entry.action, entry.model_dump(mode="json"))
        self._db.execute(
            insert(access_log_subjects),
            [{"subject_id": s, "seq": stored.seq, "person_id": entry.person_id, "at": entry.at} for s in entry.subject_ids],
        )
        return stored.seq

    def history(self, subject_id: str, page: PageRequest) -> Page[AccessEntry]:
        where = access_log_subjects.c.subject_id == subject_id
        total = self._db.execute(select(func.count()).select_from(access_log_subjects).where(where)).scalar_one()
        seqs = self._db.execute(
            select(access_log_subjects.c.seq).where(where).order_by(access_log_subjects.c.seq.desc()).offset(page.offset).limit(page.limit)
        ).scalars()
        items = [AccessEntry.model_validate(self._ledger.get(ACCESS_LOG, seq).payload) for seq in seqs]
        return Page(items=items, total=total, offset=page.offset, limit=page.limit)
