"""Requests for information from another agency (R11), including statutory requests that must say why."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from safeshare.domain.advice import PurposeCategory, StatutoryGateway
from safeshare.domain.decisions import DecisionInput
from safeshare.domain.disclosures import ItemRef, SubjectIdentity
from safeshare.domain.model import DomainModel, InformationItem, Instant


class Urgency(StrEnum):
    IMMEDIATE = "immediate"  # a child may be at immediate risk
    URGENT = "urgent"
    ROUTINE = "routine"


class RequestStatus(StrEnum):
    OPEN = "open"
    SHARED = "shared"
    REFUSED = "refused"
    NOT_HELD = "not_held"
    CANCELLED = "cancelled"


ANSWERED = frozenset({RequestStatus.SHARED, RequestStatus.REFUSED, RequestStatus.NOT_HELD})


class RequestInput(DomainModel):
    subject_id: str = Field(description="A subject your agency holds.")
    target_agency_id: str = Field(description="The agency asked; whether it holds the subject is not revealed until it answers.")
    target_person_id: str | None = Field(default=None, description="A named person there, if known.")
    purpose: str = Field(min_length=1, max_length=2000)
    purpose_category: PurposeCategory
    gateway: StatutoryGateway | None = Field(default=None, description="The statutory gateway claimed, if any.")
    why_needed: str = Field(min_length=1, max_length=4000, description="Why the requester needs to know (000, s16H).")
    information_sought: tuple[InformationItem, ...] = Field(min_length=1, max_length=50)
    urgency: Urgency
    respond_by: Instant | None = Field(default=None, description="Defaults to the partnership's time for the urgency.")


class RequestAnswer(DomainModel):
    """An answer through the decision aid: share (a decision and a disclosure) or refuse (a decision whose reasons go back)."""

    decision: DecisionInput
    forwarded_items: tuple[ItemRef, ...] = ()
    limits_on_use: str | None = Field(default=None, max_length=2000)


class NotHeld(DomainModel):
    note: str = Field(default="This agency holds no record of this person.", min_length=1, max_length=2000)


class InformationRequest(DomainModel):
    id: str
    subject: SubjectIdentity
    requester_agency_id: str
    requester_person_id: str
    target_agency_id: str
    target_person_id: str | None
    purpose: str
    purpose_category: PurposeCategory
    gateway: StatutoryGateway | None
    why_needed: str
    information_sought: tuple[str, ...]
    urgency: Urgency
    respond_by: dt.datetime
    created_at: dt.datetime
    status: RequestStatus
    overdue: bool = False
    answered_at: dt.datetime | None = None
    answered_by: str | None = None
    answer_reasons: str | None = Field(default=None, description="Why the agency declined to share, or its note.")
    decision_id: int | None = None
    disclosure_id: str | None = None
    target_holds_subject: bool | None = Field(
        default=None, description="Shown to the agency asked only; the requester learns the answer, not this."
    )
