from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, insert, select, update

from safeshare.domain.consent import (
    ConflictResolution,
    ConsentConflict,
    ConsentInput,
    ConsentRecord,
    ConsentReview,
    ConsentStatus,
    Withdrawal,
)
from safeshare.domain.paging import Page, PageRequest
from safeshare.store.conditional import insert_unless_taken
from safeshare.store.exchange_tables import consent_conflicts, consent_reviews, consents

CONSENTS_LOG = "consents"
GIVEN = ConsentStatus.GIVEN.value

cr = consent_reviews.c


def _record(row, reviews: tuple[ConsentReview, ...] = ()) -> ConsentRecord:
    return ConsentRecord(
        id=row.id,
        input=ConsentInput.model_validate(row.details),
        status=ConsentStatus(row.status),
        agency_id=row.agency_id,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        withdrawal=Withdrawal.model_validate(row.withdrawal) if row.withdrawal else None,
        review_by=row.review_by,
        reviews=reviews,
        source_identifier=row.source_identifier,
        ledger_seq=row.ledger_seq,
    )


def _conflict(row) -> ConsentConflict:
    return ConsentConflict(
        id=row.id,
        agency_id=row.agency_id,
        subject_id=row.subject_id,
        kind=row.kind,
        consent_ids=tuple(row.consent_ids),
        raised_at=row.raised_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
        prevailing_consent_id=row.prevailing_consent_id,
    )


class ConsentRepository:
    """The register's current state; every recording and withdrawal is also sealed in the consents ledger."""

    def __init__(self, connection: Connection):
        self._db = connection

    @property
    def _ledger(self):
        from safeshare.store.ledger_repository import LedgerRepository

        return LedgerRepository(self._db)

    def add(self, record: ConsentRecord) -> ConsentRecord | None:
        """Seal and store the consent; None if this agency already holds a consent imported under its source
        identifier (checked by the insert, so two imports of one Consent at the same moment cannot both land)."""
        record = record.model_copy(update={"review_by": record.input.review_by})
        payload = {**record.model_dump(mode="json", exclude={"ledger_seq"}), "subject_ids": [record.input.subject_id]}
        entry = self._ledger.append(CONSENTS_LOG, "consent.recorded", payload)
        sealed = record.model_copy(update={"ledger_seq": entry.seq})
        added = insert_unless_taken(
            self._db,
            consents,
            dict(
                id=record.id,
                agency_id=record.agency_id,
                subject_id=record.input.subject_id,
                giver_kind=record.input.given_by.kind.value,
                giver_subject_id=record.input.given_by.subject_id,
                status=record.status.value,
                obtained_at=record.input.obtained_at,
                review_by=record.input.review_by,
                details=record.input.model_dump(mode="json"),
                recorded_by=record.recorded_by,
                recorded_at=record.recorded_at,
                withdrawal=None,
                source_identifier=record.source_identifier,
                ledger_seq=entry.seq,
            ),
        )
        return sealed if added else None

    def withdraw(self, consent_id: str, subject_id: str, withdrawal: Withdrawal) -> bool:
        """Withdraw the consent if it is still given, and seal that; False (nothing written) if it no longer is.

        The status is checked by the UPDATE itself, so of two withdrawals at the same moment only one can
        match: on PostgreSQL the second waits for the first's row lock, then finds the row withdrawn."""
        changed = self._db.execute(
            update(consents)
            .where(consents.c.id == consent_id, consents.c.status == GIVEN)
            .values(status=ConsentStatus.WITHDRAWN.value, withdrawal=withdrawal.model_dump(mode="json"))
        ).rowcount
        if not changed:
            return False
        self._ledger.append(
            CONSENTS_LOG,
            "consent.withdrawn",
            {"consent_id": consent_id, "subject_ids": [subject_id], **withdrawal.model_dump(mode="json")},
        )
        return True

    def review(self, consent: ConsentRecord, review: ConsentReview) -> ConsentRecord | None:
        """Record a review of consent that is still given, as a row of its own (so concurrent reviews both stand),
        and seal it; if the consent still stands, its next review date is the one this review set. Returns the
        consent as it now is, or None (nothing written) if it is no longer given."""
        next_review_by = review.next_review_by if review.next_review_by is not None else consents.c.review_by
        changed = self._db.execute(
            update(consents).where(consents.c.id == consent.id, consents.c.status == GIVEN).values(review_by=next_review_by)
        ).rowcount
        if not changed:
            return None
        entry = self._ledger.append(
            CONSENTS_LOG,
            "consent.reviewed",
            {"consent_id": consent.id, "subject_ids": [consent.input.subject_id], **review.model_dump(mode="json")},
        )
        self._db.execute(insert(consent_reviews).values(consent_id=consent.id, ledger_seq=entry.seq, **review.model_dump()))
        return self.get(consent.id)

    def imported(self, agency_id: str, identifiers: list[str]) -> ConsentRecord | None:
        """A consent this agency already imported under one of these identifiers."""
        if not identifiers:
            return None
        row = self._db.execute(
            select(consents).where(consents.c.agency_id == agency_id, consents.c.source_identifier.in_(identifiers))
        ).first()
        return self._records([row])[0] if row else None

    def get(self, consent_id: str) -> ConsentRecord | None:
        row = self._db.execute(select(consents).where(consents.c.id == consent_id)).first()
        return self._records([row])[0] if row else None

    def _records(self, rows) -> list[ConsentRecord]:
        """The consents of these rows with their reviews, oldest first, in one more query."""
        rows = list(rows)
        reviews: dict[str, list[ConsentReview]] = {row.id: [] for row in rows}
        if rows:
            query = select(consent_reviews).where(cr.consent_id.in_(list(reviews))).order_by(cr.consent_id, cr.ledger_seq)
            for review in self._db.execute(query):
                reviews[review.consent_id].append(ConsentReview.model_validate(review, from_attributes=True))
        return [_record(row, tuple(reviews[row.id])) for row in rows]

    def all_for_subject(self, agency_id: str, subject_id: str) -> list[ConsentRecord]:
        rows = self._db.execute(
            select(consents)
            .where(consents.c.agency_id == agency_id, consents.c.subject_id == subject_id)
            .order_by(consents.c.obtained_at, consents.c.recorded_at, consents.c.id)
        )
        return self._records(rows)

    def list_for_subject(self, agency_id: str, subject_id: str, page: PageRequest) -> Page[ConsentRecord]:
        where = (consents.c.agency_id == agency_id, consents.c.subject_id == subject_id)
        total = self._db.execute(select(func.count()).select_from(consents).where(*where)).scalar_one()
        rows = self._db.execute(
            select(consents).where(*where).order_by(consents.c.obtained_at.desc(), consents.c.id).offset(page.offset).limit(page.limit)
        )
        return Page(items=self._records(rows), total=total, offset=page.offset, limit=page.limit)

    def due_for_review(self, agency_id: str, on_or_before: dt.date, page: PageRequest) -> Page[ConsentRecord]:
        where = (
            consents.c.agency_id == agency_id,
            consents.c.status == ConsentStatus.GIVEN.value,
            consents.c.review_by <= on_or_before,
        )
        total = self._db.execute(select(func.count()).select_from(consents).where(*where)).scalar_one()
        rows = self._db.execute(
            select(consents).where(*where).order_by(consents.c.review_by, consents.c.id).offset(page.offset).limit(page.limit)
        )
        return Page(items=self._records(rows), total=total, offset=page.offset, limit=page.limit)

    # Conflicts for the designated safeguarding lead ------------------------------------------------

    def add_conflict(self, conflict: ConsentConflict) -> None:
        self._ledger.append(
            CONSENTS_LOG, "consent.conflict_raised", {**conflict.model_dump(mode="json"), "subject_ids": [conflict.subject_id]}
        )
        self._db.execute(
            insert(consent_conflicts).values(
                id=conflict.id,
                agency_id=conflict.agency_id,
                subject_id=conflict.subject_id,
                kind=conflict.kind.value,
                consent_ids=list(conflict.consent_ids),
                raised_at=conflict.raised_at,
            )
        )

    def get_conflict(self, conflict_id: str) -> ConsentConflict | None:
        row = self._db.execute(select(consent_conflicts).where(consent_conflicts.c.id == conflict_id)).first()
        return _conflict(row) if row else None

    def conflicts_for_subject(self, agency_id: str, subject_id: str) -> list[ConsentConflict]:
        rows = self._db.execute(
            select(consent_conflicts)
            .where(consent_conflicts.c.agency_id == agency_id, consent_conflicts.c.subject_id == subject_id)
            .order_by(consent_conflicts.c.raised_at, consent_conflicts.c.id)
        )
        return [_conflict(r) for r in rows]

    def list_conflicts(self, agency_id: str, page: PageRequest, include_resolved: bool = False) -> Page[ConsentConflict]:
        where = [consent_conflicts.c.agency_id == agency_id]
        if not include_resolved:
            where.append(consent_conflicts.c.resolved_at.is_(None))
        total = self._db.execute(select(func.count()).select_from(consent_conflicts).where(*where)).scalar_one()
        rows = self._db.execute(
            select(consent_conflicts)
            .where(*where)
            .order_by(consent_conflicts.c.raised_at, consent_conflicts.c.id)
            .offset(page.offset)
            .limit(page.limit)
        )
        return Page(items=[_conflict(r) for r in rows], total=total, offset=page.offset, limit=page.limit)

    def resolve_conflict(self, conflict: ConsentConflict, resolution: ConflictResolution, by: str, at: dt.datetime) -> bool:
        """Resolve the conflict if nobody has yet, and seal that; False (nothing written) if someone has."""
        conflict_id = conflict.id
        changed = self._db.execute(
            update(consent_conflicts)
            .where(consent_conflicts.c.id == conflict_id, consent_conflicts.c.resolved_at.is_(None))
            .values(
                resolved_at=at,
                resolved_by=by,
                resolution=resolution.note,
                prevailing_consent_id=resolution.prevailing_consent_id,
            )
        ).rowcount
        if not changed:
            return False
        self._ledger.append(
            CONSENTS_LOG,
            "consent.conflict_resolved",
            {
                "conflict_id": conflict_id,
                "subject_ids": [conflict.subject_id],
                "resolved_by": by,
                "resolved_at": at.isoformat(),
                **resolution.model_dump(mode="json"),
            },
        )
        return True
