"""A child's timeline: the records about one subject a person may see, merged and paged in the database.

Each kind of record is one SELECT of (kind, when, id) with the need-to-know rule in its WHERE clause; the
union is ordered and paged as a whole, so a page never loads more than it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, String, and_, cast, func, literal, or_, select, union_all

from safeshare.domain.paging import Page, PageRequest
from safeshare.store.exchange_tables import consents, disclosure_recipients, disclosures, information_requests
from safeshare.store.repositories.disclosures import addressed_to
from safeshare.store.tables import decision_subjects, decisions


@dataclass(frozen=True)
class TimelineScope:
    """Which kinds of record to include, and whose: decided by the service from the reader's grant and roles."""

    subject_id: str
    agency_id: str
    person_id: str
    receiving_roles: frozenset[str] = frozenset()
    decisions: bool = False
    consents: bool = False
    requests_sent: bool = False
    requests_received: bool = False
    requests_received_by_anyone: bool = False  # oversight: every request to the agency, not only the reader's
    disclosures_sent: bool = False
    disclosures_received: bool = False


@dataclass(frozen=True)
class TimelineRef:
    kind: str
    at: dt.datetime
    id: str


def _part(kind: str, at, record_id, table, *where):
    return select(literal(kind, String).label("kind"), at.label("at"), cast(record_id, String).label("id")).select_from(table).where(*where)


def _parts(scope: TimelineScope) -> list:
    s = scope.subject_id
    parts = []
    if scope.decisions:
        about = select(decision_subjects.c.decision_id).where(decision_subjects.c.subject_id == s)
        parts.append(
            _part("decision", decisions.c.decided_at, decisions.c.id, decisions,
                  decisions.c.agency_id == scope.agency_id, decisions.c.id.in_(about))
        )
    if scope.consents:
        c = consents.c
        parts.append(_part("consent", c.obtained_at, c.id, consents, c.agency_id == scope.agency_id, c.subject_id == s))
    r = information_requests.c
    if scope.requests_sent:
        parts.append(
            _part("request_sent", r.created_at, r.id, information_requests, r.requester_agency_id == scope.agency_id, r.subject_id == s)
        )
    if scope.requests_received:
        where = [r.target_agency_id == scope.agency_id, r.subject_id == s]
        if not scope.requests_received_by_anyone:
            where.append(or_(r.target_person_id.is_(None), r.target_person_id == scope.person_id))
        parts.append(_part("request_received", r.created_at, r.id, information_requests, *where))
    d = disclosures.c
    if scope.disclosures_sent:
        parts.append(_part("disclosure_sent", d.sent_at, d.id, disclosures, d.sender_agency_id == scope.agency_id, d.subject_id == s))
    if scope.disclosures_received:
        rc = disclosure_recipients.c
        mine = select(rc.disclosure_id).where(addressed_to(scope.person_id, scope.agency_id, scope.receiving_roles))
        where = [d.subject_id == s, d.id.in_(mine)]
        if scope.disclosures_sent:  # a colleague's disclosure to the reader is already there as sent
            where.append(d.sender_agency_id != scope.agency_id)
        parts.append(_part("disclosure_received", d.sent_at, d.id, disclosures, and_(*where)))
    return parts


def timeline_page(connection: Connection, scope: TimelineScope, page: PageRequest) -> Page[TimelineRef]:
    """The scope's records about the subject, newest first."""
    parts = _parts(scope)
    if not parts:
        return Page(items=[], total=0, offset=page.offset, limit=page.limit)
    merged = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    total = connection.execute(select(func.count()).select_from(merged)).scalar_one()
    rows = connection.execute(
        select(merged.c.kind, merged.c.at, merged.c.id)
        .order_by(merged.c.at.desc(), merged.c.kind, merged.c.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    )
    items = [TimelineRef(kind=row.kind, at=row.at, id=row.id) for row in rows]
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


def decisions_with_outcome(connection: Connection, agency_id: str, outcome: str, page: PageRequest) -> Page[int]:
    """The numbers of an agency's decisions whose advice had this outcome, newest first (from the index table)."""
    where = (decisions.c.agency_id == agency_id, decisions.c.outcome == outcome)
    total = connection.execute(select(func.count()).select_from(decisions).where(*where)).scalar_one()
    ids = connection.execute(
        select(decisions.c.id).where(*where).order_by(decisions.c.id.desc()).offset(page.offset).limit(page.limit)
    ).scalars().all()
    return Page(items=list(ids), total=total, offset=page.offset, limit=page.limit)
