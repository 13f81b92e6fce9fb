from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, exists, func, insert, or_, select, union, update

from safeshare.domain.decisions import Recipient, SharedItem
from safeshare.domain.disclosures import FamilyInformed, RecipientStatus
from safeshare.domain.paging import Page, PageRequest
from safeshare.store.exchange_tables import disclosure_recipients, disclosures
from safeshare.store.tables import agencies

DISCLOSURES_LOG = "disclosures"

d = disclosures.c
rc = disclosure_recipients.c


@dataclass(frozen=True)
class StoredDisclosure:
    id: str
    decision_id: int
    subject_id: str
    sender_agency_id: str
    sender_person_id: str
    sent_at: dt.datetime
    purpose: str
    purpose_category: str
    items: tuple[SharedItem, ...]
    lawful_bases: tuple[str, ...]
    onward_sharing_allowed: bool
    limits_on_use: str | None
    secure_method: str | None
    urgent: bool
    request_id: str | None
    forwarded_from: tuple[str, ...]
    consent_id: str | None
    family: FamilyInformed
    ledger_seq: int | None = None


def _stored(row) -> StoredDisclosure:
    return StoredDisclosure(
        id=row.id,
        decision_id=row.decision_id,
        subject_id=row.subject_id,
        sender_agency_id=row.sender_agency_id,
        sender_person_id=row.sender_person_id,
        sent_at=row.sent_at,
        purpose=row.purpose,
        purpose_category=row.purpose_category,
        items=tuple(SharedItem.model_validate(i) for i in row.items),
        lawful_bases=tuple(row.lawful_bases),
        onward_sharing_allowed=row.onward_sharing_allowed,
        limits_on_use=row.limits_on_use,
        secure_method=row.secure_method,
        urgent=row.urgent,
        request_id=row.request_id,
        forwarded_from=tuple(row.forwarded_from),
        consent_id=row.consent_id,
        family=FamilyInformed.model_validate(row.family),
        ledger_seq=row.ledger_seq,
    )


def addressed_to(person_id: str, agency_id: str, roles: frozenset[str]):
    """Recipient rows sent to the person's current agency, addressed to the person or to one of their roles there.

    Access follows the person's current agency: what was sent to them at another agency stays with that agency.
    """
    to_person = and_(rc.agency_id == agency_id, rc.person_id == person_id)
    if not roles:
        return to_person
    to_role = and_(rc.agency_id == agency_id, rc.person_id.is_(None), rc.role.in_(sorted(roles)))
    return or_(to_person, to_role)


# Built once: the need-to-know check rides in the same statement as the read, at no extra round trip.
_GET_FOR = select(
    disclosures,
    exists()
    .where(
        rc.disclosure_id == d.id,
        rc.agency_id == bindparam("agency"),
        or_(
            rc.person_id == bindparam("person"),
            and_(rc.person_id.is_(None), rc.role.in_(bindparam("roles", expanding=True))),
        ),
    )
    .label("addressed"),
).where(d.id == bindparam("id"))


class DisclosureRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    @property
    def _ledger(self):
        from safeshare.store.ledger_repository import LedgerRepository

        return LedgerRepository(self._db)

    def add(self, stored: StoredDisclosure, recipients: tuple[Recipient, ...]) -> StoredDisclosure:
        payload = {
            **{k: v for k, v in stored.__dict__.items() if k not in ("items", "family", "sent_at", "ledger_seq", "lawful_bases", "forwarded_from")},
            "lawful_bases": list(stored.lawful_bases),
            "forwarded_from": list(stored.forwarded_from),
            "sent_at": stored.sent_at.isoformat(),
            "items": [i.model_dump(mode="json") for i in stored.items],
            "family": stored.family.model_dump(mode="json"),
            "recipients": [x.model_dump(mode="json") for x in recipients],
            "subject_ids": [stored.subject_id],
        }
        entry = self._ledger.append(DISCLOSURES_LOG, "disclosure.sent", payload)
        self._db.execute(
            insert(disclosures).values(
                id=stored.id,
                decision_id=stored.decision_id,
                subject_id=stored.subject_id,
                sender_agency_id=stored.sender_agency_id,
                sender_person_id=stored.sender_person_id,
                sent_at=stored.sent_at,
                purpose=stored.purpose,
                purpose_category=stored.purpose_category,
                items=[i.model_dump(mode="json") for i in stored.items],
                lawful_bases=list(stored.lawful_bases),
                onward_sharing_allowed=stored.onward_sharing_allowed,
                limits_on_use=stored.limits_on_use,
                secure_method=stored.secure_method,
                urgent=stored.urgent,
                request_id=stored.request_id,
                forwarded_from=list(stored.forwarded_from),
                consent_id=stored.consent_id,
                family=stored.family.model_dump(mode="json"),
                ledger_seq=entry.seq,
            )
        )
        self._db.execute(
            insert(disclosure_recipients),
            [
                {
                    "id": str(uuid.uuid4()),
                    "disclosure_id": stored.id,
                    "position": position,
                    "agency_id": x.agency_id,
                    "person_id": x.person_id,
                    "role": None if x.person_id else x.role,
                    "sent_at": stored.sent_at,
                    "urgent": stored.urgent,
                }
                for position, x in enumerate(recipients)
            ],
        )
        return StoredDisclosure(**{**stored.__dict__, "ledger_seq": entry.seq})

    def get(self, disclosure_id: str) -> StoredDisclosure | None:
        row = self._db.execute(select(disclosures).where(d.id == disclosure_id)).first()
        return _stored(row) if row else None

    def get_for(self, disclosure_id: str, person_id: str, agency_id: str, roles: frozenset[str]) -> tuple[StoredDisclosure, bool] | None:
        """The disclosure, and whether it is addressed to this person or their role, in one query."""
        params = {"id": disclosure_id, "person": person_id, "agency": agency_id, "roles": sorted(roles)}
        row = self._db.execute(_GET_FOR, params).first()
        return (_stored(row), bool(row.addressed)) if row else None

    def get_many(self, ids: list[str]) -> dict[str, StoredDisclosure]:
        if not ids:
            return {}
        return {row.id: _stored(row) for row in self._db.execute(select(disclosures).where(d.id.in_(ids)))}

    def recipients(self, disclosure_ids: list[str]) -> dict[str, list[RecipientStatus]]:
        found: dict[str, list[RecipientStatus]] = {i: [] for i in disclosure_ids}
        if not disclosure_ids:
            return found
        rows = self._db.execute(
            select(disclosure_recipients).where(rc.disclosure_id.in_(disclosure_ids)).order_by(rc.disclosure_id, rc.position)
        )
        for row in rows:
            found[row.disclosure_id].append(
                RecipientStatus(
                    recipient=Recipient(agency_id=row.agency_id, person_id=row.person_id, role=row.role),
                    acknowledged_at=row.acknowledged_at,
                    acknowledged_by=row.acknowledged_by,
                )
            )
        return found

    def agency_names(self, agency_ids: list[str]) -> dict[str, str]:
        if not agency_ids:
            return {}
        rows = self._db.execute(select(agencies.c.id, agencies.c.name).where(agencies.c.id.in_(sorted(set(agency_ids)))))
        return dict(rows.all())

    def is_addressed_to(self, disclosure_id: str, person_id: str, agency_id: str, roles: frozenset[str]) -> bool:
        query = select(rc.id).where(rc.disclosure_id == disclosure_id, addressed_to(person_id, agency_id, roles)).limit(1)
        return self._db.execute(query).first() is not None

    def subject_disclosed_to(self, subject_id: str, person_id: str, agency_id: str, roles: frozenset[str]) -> bool:
        query = (
            select(rc.id)
            .join(disclosures, d.id == rc.disclosure_id)
            .where(d.subject_id == subject_id, addressed_to(person_id, agency_id, roles))
            .limit(1)
        )
        return self._db.execute(query).first() is not None

    def incoming(
        self,
        person_id: str,
        agency_id: str,
        roles: frozenset[str],
        page: PageRequest,
        unacknowledged_only: bool = False,
        urgent_only: bool = False,
    ) -> Page[StoredDisclosure]:
        """Disclosures sent to the person's current agency, to them or their role there, newest first, answered
        from the recipients' indexes."""
        parts = [
            select(rc.disclosure_id.label("id"), rc.sent_at.label("sent_at")).where(rc.person_id == person_id, rc.agency_id == agency_id)
        ]
        if roles:
            parts.append(
                select(rc.disclosure_id.label("id"), rc.sent_at.label("sent_at")).where(
                    rc.agency_id == agency_id, rc.person_id.is_(None), rc.role.in_(sorted(roles))
                )
            )
        if unacknowledged_only:
            parts = [p.where(rc.acknowledged_at.is_(None)) for p in parts]
        if urgent_only:
            parts = [p.where(rc.urgent.is_(True)) for p in parts]
        matched = (union(*parts) if len(parts) > 1 else parts[0]).subquery()
        total = self._db.execute(select(func.count()).select_from(matched)).scalar_one()
        ids = self._db.execute(
            select(matched.c.id).order_by(matched.c.sent_at.desc(), matched.c.id).offset(page.offset).limit(page.limit)
        ).scalars().all()
        found = self.get_many(list(ids))
        return Page(items=[found[i] for i in ids], total=total, offset=page.offset, limit=page.limit)

    def sent(
        self,
        agency_id: str,
        page: PageRequest,
        person_id: str | None = None,
        subject_id: str | None = None,
        urgent_unacknowledged: bool = False,
    ) -> Page[StoredDisclosure]:
        where = [d.sender_agency_id == agency_id]
        if person_id:
            where.append(d.sender_person_id == person_id)
        if subject_id:
            where.append(d.subject_id == subject_id)
        if urgent_unacknowledged:
            where.append(d.urgent.is_(True))
            where.append(exists().where(rc.disclosure_id == d.id, rc.acknowledged_at.is_(None)))
        total = self._db.execute(select(func.count()).select_from(disclosures).where(*where)).scalar_one()
        rows = self._db.execute(
            select(disclosures).where(*where).order_by(d.sent_at.desc(), d.id).offset(page.offset).limit(page.limit)
        )
        return Page(items=[_stored(x) for x in rows], total=total, offset=page.offset, limit=page.limit)

    def acknowledge(
        self, disclosure_id: str, subject_id: str, person_id: str, agency_id: str, roles: frozenset[str], at: dt.datetime
    ) -> int:
        """Mark the person's own (or their role's) unacknowledged rows; returns how many were marked."""
        where = (
            rc.disclosure_id == disclosure_id,
            rc.acknowledged_at.is_(None),
            addressed_to(person_id, agency_id, roles),
        )
        marked = self._db.execute(update(disclosure_recipients).where(*where).values(acknowledged_at=at, acknowledged_by=person_id)).rowcount
        if marked:
            self._ledger.append(
                DISCLOSURES_LOG,
                "disclosure.acknowledged",
                {"disclosure_id": disclosure_id, "subject_ids": [subject_id], "by": person_id, "at": at.isoformat()},
            )
        return marked

    def set_family(self, disclosure_id: str, subject_id: str, family: FamilyInformed) -> None:
        self._ledger.append(
            DISCLOSURES_LOG,
            "disclosure.family_informed",
            {"disclosure_id": disclosure_id, "subject_ids": [subject_id], **family.model_dump(mode="json")},
        )
        self._db.execute(update(disclosures).where(d.id == disclosure_id).values(family=family.model_dump(mode="json")))

    def received_items(self, agency_id: str, subject_id: str) -> list[StoredDisclosure]:
        """Everything disclosed to anyone at the agency about the subject (to stop unmarked re-sharing)."""
        query = (
            select(disclosures)
            .where(d.subject_id == subject_id, d.id.in_(select(rc.disclosure_id).where(rc.agency_id == agency_id)))
            .order_by(d.sent_at)
        )
        return [_stored(x) for x in self._db.execute(query)]

    def under_consent(self, consent_id: str) -> list[str]:
        return list(self._db.execute(select(d.id).where(d.consent_id == consent_id)).scalars())
