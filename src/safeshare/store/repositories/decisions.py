from __future__ import annotations

from sqlalchemy import Connection, func, insert, select

from safeshare.domain.decisions import DecisionRecord
from safeshare.domain.paging import Page, PageRequest
from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.tables import decision_subjects, decisions

DECISIONS_LOG = "decisions"


class DecisionRepository:
    """Decision records live in the decisions ledger; the `decisions` table only indexes them."""

    def __init__(self, connection: Connection):
        self._db = connection
        self._ledger = LedgerRepository(connection)

    def append(self, record: DecisionRecord) -> DecisionRecord:
        kind = "decision.corrected" if record.input.corrects is not None else "decision.recorded"
        payload = record.model_dump(mode="json", exclude={"id"})
        entry = self._ledger.append(DECISIONS_LOG, kind, payload, corrects=record.input.corrects)
        sealed = record.model_copy(update={"id": entry.seq})
        self._db.execute(
            insert(decisions).values(
                id=entry.seq,
                agency_id=record.decided_by_agency,
                decided_by=record.decided_by,
                decided_at=record.decided_at,
                decision=record.input.decision.value,
                outcome=record.advice.outcome.value,
                follows_advice=record.follows_advice,
                guidance_version=record.advice.guidance.version,
                request_id=record.input.request_id,
                corrects=record.input.corrects,
            )
        )
        self._db.execute(
            insert(decision_subjects), [{"decision_id": entry.seq, "subject_id": s} for s in record.input.subject_ids]
        )
        return sealed

    def get(self, decision_id: int) -> DecisionRecord | None:
        entry = self._ledger.get(DECISIONS_LOG, decision_id)
        if entry is None:
            return None
        return DecisionRecord.model_validate({**entry.payload, "id": entry.seq})

    def agency_of(self, decision_id: int) -> str | None:
        return self._db.execute(select(decisions.c.agency_id).where(decisions.c.id == decision_id)).scalar_one_or_none()

    def list(self, page: PageRequest, agency_id: str, subject_id: str | None = None, decided_by: str | None = None) -> Page[DecisionRecord]:
        conditions = [decisions.c.agency_id == agency_id]
        if subject_id:
            conditions.append(decisions.c.id.in_(select(decision_subjects.c.decision_id).where(decision_subjects.c.subject_id == subject_id)))
        if decided_by:
            conditions.append(decisions.c.decided_by == decided_by)
        total = self._db.execute(select(func.count()).select_from(decisions).where(*conditions)).scalar_one()
        ids = self._db.execute(
            select(decisions.c.id).where(*conditions).order_by(decisions.c.id.desc()).offset(page.offset).limit(page.limit)
        ).scalars().all()
        return Page(items=[self.get(i) for i in ids], total=total, offset=page.offset, limit=page.limit)
