from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, update

from safeshare.domain.break_glass import BreakGlassGrant, BreakGlassReview, BreakGlassReviewInput
from safeshare.domain.paging import Page, PageRequest
from safeshare.store.exchange_tables import break_glass_grants

BREAK_GLASS_LOG = "break-glass"

b = break_glass_grants.c


def _grant(row) -> BreakGlassGrant:
    review = None
    if row.reviewed_at is not None:
        review = BreakGlassReview(
            outcome=row.review_outcome, note=row.review_note, reviewed_at=row.reviewed_at, reviewed_by=row.reviewed_by
        )
    return BreakGlassGrant(
        id=row.id,
        person_id=row.person_id,
        agency_id=row.agency_id,
        subject_id=row.subject_id,
        reason=row.reason,
        opened_at=row.opened_at,
        expires_at=row.expires_at,
        review=review,
    )


class BreakGlassRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    @property
    def _ledger(self):
        from safeshare.store.ledger_repository import LedgerRepository

        return LedgerRepository(self._db)

    def add(self, grant: BreakGlassGrant) -> None:
        self._ledger.append(BREAK_GLASS_LOG, "break_glass.opened", {**grant.model_dump(mode="json"), "subject_ids": [grant.subject_id]})
        self._db.execute(
            insert(break_glass_grants).values(
                id=grant.id,
                person_id=grant.person_id,
                agency_id=grant.agency_id,
                subject_id=grant.subject_id,
                reason=grant.reason,
                opened_at=grant.opened_at,
                expires_at=grant.expires_at,
            )
        )

    def get(self, grant_id: str) -> BreakGlassGrant | None:
        row = self._db.execute(select(break_glass_grants).where(b.id == grant_id)).first()
        return _grant(row) if row else None

    def latest(self, person_id: str, agency_id: str, subject_id: str) -> BreakGlassGrant | None:
        """The person's most recent emergency access to the subject opened at this agency, active or not.

        A grant counts only at the agency it was opened at: a person moved to another agency leaves it behind.
        """
        row = self._db.execute(
            select(break_glass_grants)
            .where(b.person_id == person_id, b.agency_id == agency_id, b.subject_id == subject_id)
            .order_by(b.expires_at.desc())
            .limit(1)
        ).first()
        return _grant(row) if row else None

    def of_person(self, person_id: str, agency_id: str, page: PageRequest) -> Page[BreakGlassGrant]:
        """The person's grants opened at this agency (not those from an agency they have left)."""
        where = (b.person_id == person_id, b.agency_id == agency_id)
        total = self._db.execute(select(func.count()).select_from(break_glass_grants).where(*where)).scalar_one()
        rows = self._db.execute(
            select(break_glass_grants).where(*where).order_by(b.opened_at.desc(), b.id).offset(page.offset).limit(page.limit)
        )
        return Page(items=[_grant(r) for r in rows], total=total, offset=page.offset, limit=page.limit)

    def for_review(self, agency_id: str, page: PageRequest, include_reviewed: bool = False) -> Page[BreakGlassGrant]:
        where = [b.agency_id == agency_id]
        if not include_reviewed:
            where.append(b.reviewed_at.is_(None))
        total = self._db.execute(select(func.count()).select_from(break_glass_grants).where(*where)).scalar_one()
        rows = self._db.execute(
            select(break_glass_grants).where(*where).order_by(b.opened_at, b.id).offset(page.offset).limit(page.limit)
        )
        return Page(items=[_grant(r) for r in rows], total=total, offset=page.offset, limit=page.limit)

    def review(self, grant: BreakGlassGrant, review: BreakGlassReviewInput, by: str, at: dt.datetime) -> bool:
        """Record the review of a grant nobody has reviewed yet, and seal it; False (nothing written) otherwise."""
        grant_id = grant.id
        changed = self._db.execute(
            update(break_glass_grants)
            .where(b.id == grant_id, b.reviewed_at.is_(None))
            .values(reviewed_at=at, reviewed_by=by, review_outcome=review.outcome.value, review_note=review.note)
        ).rowcount
        if not changed:
            return False
        self._ledger.append(
            BREAK_GLASS_LOG,
            "break_glass.reviewed",
            {"grant_id": grant_id, "subject_ids": [grant.subject_id], "by": by, "at": at.isoformat(), **review.model_dump(mode="json")},
        )
        return True
