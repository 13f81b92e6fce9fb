"""The need-to-know rule as a query, so listings filter in the database rather than after loading."""

from __future__ import annotations

from sqlalchemy import Select, select

from safeshare.store.tables import subject_holders


def visible_subject_ids(agency_id: str) -> Select:
    """Subjects a person at this agency may see because the agency holds them."""
    return select(subject_holders.c.subject_id).where(subject_holders.c.agency_id == agency_id)
