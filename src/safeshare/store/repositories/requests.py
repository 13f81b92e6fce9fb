from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, or_, select, update

from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.requests import RequestStatus
from safeshare.store.exchange_tables import information_requests
from safeshare.store.visibility import visible_subject_ids

REQUESTS_LOG = "requests"

r = information_requests.c


@dataclass(frozen=True)
class StoredRequest:
    """A request as stored; the service turns it into the view each end may see."""

    id: str
    subject_id: str
    requester_agency_id: str
    requester_person_id: str
    target_agency_id: str
    target_person_id: str | None
    purpose: str
    purpose_category: str
    gateway: str | None
    why_needed: str
    information_sought: list[str]
    urgency: str
    respond_by: dt.datetime
    created_at: dt.datetime
    status: str
    answered_at: dt.datetime | None
    answered_by: str | None
    answer_reasons: str | None
    decision_id: int | None
    disclosure_id: str | None


def _stored(row) -> StoredRequest:
    return StoredRequest(**{name: getattr(row, name) for name in StoredRequest.__dataclass_fields__})


class RequestRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    @property
    def _ledger(self):
        from safeshare.store.ledger_repository import LedgerRepository

        return LedgerRepository(self._db)

    def add(self, stored: StoredRequest) -> int:
        payload = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in stored.__dict__.items()}
        payload["subject_ids"] = [stored.subject_id]
        entry = self._ledger.append(REQUESTS_LOG, "request.sent", payload)
        self._db.execute(insert(information_requests).values(**stored.__dict__))
        return entry.seq

    def get(self, request_id: str) -> StoredRequest | None:
        row = self._db.execute(select(information_requests).where(r.id == request_id)).first()
        return _stored(row) if row else None

    def answer(
        self,
        request_id: str,
        subject_id: str,
        status: RequestStatus,
        by: str,
        at: dt.datetime,
        reasons: str | None,
        decision_id: int | None = None,
        disclosure_id: str | None = None,
    ) -> bool:
        """Close an open request (answered, refused, not held or withdrawn) and seal that; False (nothing
        written) if it is no longer open: the UPDATE checks the status, so two answers at once cannot both land."""
        changed = self._db.execute(
            update(information_requests)
            .where(r.id == request_id, r.status == RequestStatus.OPEN.value)
            .values(
                status=status.value,
                answered_at=at,
                answered_by=by,
                answer_reasons=reasons,
                decision_id=decision_id,
                disclosure_id=disclosure_id,
            )
        ).rowcount
        if not changed:
            return False
        self._ledger.append(
            REQUESTS_LOG,
            f"request.{status.value}",
            {
                "request_id": request_id,
                "subject_ids": [subject_id],
                "status": status.value,
                "by": by,
                "at": at.isoformat(),
                "reasons": reasons,
                "decision_id": decision_id,
                "disclosure_id": disclosure_id,
            },
        )
        return True

    def _page(self, where, order, page: PageRequest) -> Page[StoredRequest]:
        total = self._db.execute(select(func.count()).select_from(information_requests).where(*where)).scalar_one()
        rows = self._db.execute(
            select(information_requests).where(*where).order_by(*order).offset(page.offset).limit(page.limit)
        )
        return Page(items=[_stored(x) for x in rows], total=total, offset=page.offset, limit=page.limit)

    def to_answer(
        self,
        agency_id: str,
        person_id: str,
        page: PageRequest,
        whole_agency: bool = False,
        due_before: dt.datetime | None = None,
    ) -> Page[StoredRequest]:
        """Open requests to the agency: those to the person or to nobody in particular (or all, for oversight)."""
        where = [r.target_agency_id == agency_id, r.status == RequestStatus.OPEN.value]
        if not whole_agency:
            where.append(or_(r.target_person_id.is_(None), r.target_person_id == person_id))
        if due_before is not None:
            where.append(r.respond_by < due_before)
        return self._page(where, (r.respond_by, r.id), page)

    def sent_by(
        self, agency_id: str, person_id: str | None, page: PageRequest, status: RequestStatus | None = None
    ) -> Page[StoredRequest]:
        """Requests the agency (or the person) sent about subjects the agency still holds: filtered here, so
        the page and its total agree."""
        where = [r.requester_agency_id == agency_id, r.subject_id.in_(visible_subject_ids(agency_id))]
        if person_id is not None:
            where.append(r.requester_person_id == person_id)
        if status is not None:
            where.append(r.status == status.value)
        order = (r.created_at.desc(), r.id)
        return self._page(where, order, page)
