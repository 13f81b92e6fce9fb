"""The need-to-know rule as a query, so listings filter in the database rather than after loading."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, or_, select

from safeshare.store.exchange_tables import break_glass_grants, disclosure_recipients, disclosures
from safeshare.store.tables import subject_holders, subjects


def visible_subject_ids(agency_id: str) -> Select:
    """Subjects a person at this agency may see because the agency holds them."""
    return select(subject_holders.c.subject_id).where(subject_holders.c.agency_id == agency_id)


def held_among(agency_id: str, subject_ids: list[str]) -> Select:
    """Which of these subjects the agency holds (one query for a whole page)."""
    return select(subject_holders.c.subject_id).where(
        subject_holders.c.agency_id == agency_id, subject_holders.c.subject_id.in_(subject_ids)
    )


def disclosed_subject_ids(person_id: str, agency_id: str, roles: frozenset[str]) -> Select:
    """Subjects about whom items were disclosed to this person, or to one of their roles at their agency.

    Only the disclosed items and the subject's minimal identity are visible under this grant.
    """
    r = disclosure_recipients.c
    addressed = r.person_id == person_id
    if roles:
        addressed = or_(addressed, and_(r.agency_id == agency_id, r.person_id.is_(None), r.role.in_(sorted(roles))))
    return select(disclosures.c.subject_id).join(disclosure_recipients, r.disclosure_id == disclosures.c.id).where(addressed)


def break_glass_subject_ids(person_id: str, at: dt.datetime) -> Select:
    """Subjects the person has emergency access to at this moment."""
    g = break_glass_grants.c
    return select(g.subject_id).where(g.person_id == person_id, g.opened_at <= at, g.expires_at > at)


def identities(subject_ids: list[str]) -> Select:
    """The minimal identity (id, names, date of birth) of these subjects, and nothing else of their record."""
    return select(subjects.c.id, subjects.c.given_name, subjects.c.family_name, subjects.c.date_of_birth).where(
        subjects.c.id.in_(subject_ids)
    )
