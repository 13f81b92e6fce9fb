"""The access log's vocabulary: every read of personal data says who, what, when, how and under which grant."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from safeshare.domain.model import DomainModel


class Grant(StrEnum):
    HOLDER = "holder"  # the reader's agency holds the subject
    DISCLOSURE = "disclosure"  # the items were disclosed to the reader or their role
    BREAK_GLASS = "break_glass"  # emergency access, reviewed afterwards
    ROLE = "role"  # governance oversight, e.g. reading the access history itself


class AccessEntry(DomainModel):
    person_id: str
    agency_id: str
    channel: str
    action: str
    subject_ids: tuple[str, ...]
    records: tuple[str, ...] = ()
    grant: Grant
    grant_ref: str | None = None
    at: dt.datetime
