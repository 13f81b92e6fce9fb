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
from safeshare.store.exchange_tables import consent_conflicts, consents

CONSENTS_LOG = "consents"


def _record(row) -> ConsentRecord:
    return ConsentRecord(
        id=row.id,
        input=ConsentInput.model_validate(row.details),
        status=ConsentStatus(row.status),
        agency_id=row.agency_id,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        withdrawal=Withdrawal.model_validate(row.withdrawal) if row.withdrawal else None,
        review_by=row.review_by,
        reviews=tuple(ConsentReview.model_validate(r) for r in row.reviews or ()),
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

    def add(self, record: ConsentRecord) -> ConsentRecord:
        record = record.model_copy(update={"review_by": record.input.review_by})
        payload = {**record.model_dump(mode="json", exclude={"ledger_seq"}), "subject_ids": [record.input.subject_id]}
        entry = self._ledger.append(CONSENTS_LOG, "consent.recorded", payload)
        sealed = record.model_copy(update={"ledger_seq": entry.seq})
        self._db.execute(
            insert(consents).values(
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
                reviews=None,
                source_identifier=record.source_identifier,
                ledger_seq=entry.seq,
            )
        )
        return sealed

    def withdraw(self, consent_id: str, subject_id: str, withdrawal: Withdrawal) -> None:
        self._ledger.append(
            CONSENTS_LOG,
            "consent.withdrawn",
            {"consent_id": consent_id, "subject_ids": [subject_id], **withdrawal.model_dump(mode="json")},
        )
        self._db.execute(
            update(consents)
            .where(consents.c.id == consent_id)
            .values(status=ConsentStatus.WITHDRAWN.value, withdrawal=withdrawal.model_dump(mode="json"))
        )

    def review(self, consent: ConsentRecord, review: ConsentReview) -> None:
        """Record a review; if the consent still stands, its next review date is the one the review set."""
        self._ledger.append(
            CONSENTS_LOG,
            "consent.reviewed",
            {"consent_id": consent.id, "subject_ids": [consent.input.subject_id], **review.model_dump(mode="json")},
        )
        reviews = [r.model_dump(mode="json") for r in consent.reviews] + [review.model_dump(mode="json")]
        values: dict = {"reviews": reviews}
        if review.next_review_by is not None:
            values["review_by"] = review.next_review_by
        self._db.execute(update(consents).where(consents.c.id == consent.id).values(**values))

    def imported(self, agency_id: str, identifiers: list[str]) -> ConsentRecord | None:
        """A consent this agency already imported under one of these identifiers."""
        if not identifiers:
            return None
        row = self._db.execute(
            select(consents).where(consents.c.agency_id == agency_id, consents.c.source_identifier.in_(identifiers))
        ).first()
        return _record(row) if row else None

    def get(self, consent_id: str) -> ConsentRecord | None:
        row = self._db.execute(select(consents).where(consents.c.id == consent_id)).first()
        return _record(row) if row else None

    def all_for_subject(self, agency_id: str, subject_id: str) -> list[ConsentRecord]:
        rows = self._db.execute(
            select(consents)
            .where(consents.c.agency_id == agency_id, consents.c.subject_id == subject_id)
            .order_by(consents.c.obtained_at, consents.c.recorded_at, consents.c.id)
        )
        return [_record(r) for r in rows]

    def list_for_subject(self, agency_id: str, subject_id: str, page: PageRequest) -> Page[ConsentRecord]:
        where = (consents.c.agency_id == agency_id, consents.c.subject_id == subject_id)
        total = self._db.execute(select(func.count()).select_from(consents).where(*where)).scalar_one()
        rows = self._db.execute(
            select(consents).where(*where).order_by(consents.c.obtained_at.desc(), consents.c.id).offset(page.offset).limit(page.limit)
        )
        return Page(items=[_record(r) for r in rows], total=total, offset=page.offset, limit=page.limit)

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
        return Page(items=[_record(r) for r in rows], total=total, offset=page.offset, limit=page.limit)

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

    def resolve_conflict(self, conflict: ConsentConflict, resolution: ConflictResolution, by: str, at: dt.datetime) -> None:
        conflict_id = conflict.id
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
        self._db.execute(
            update(consent_conflicts)
            .where(consent_conflicts.c.id == conflict_id)
            .values(
                resolved_at=at,
                resolved_by=by,
                resolution=resolution.note,
                prevailing_consent_id=resolution.prevailing_consent_id,
            )
        )
