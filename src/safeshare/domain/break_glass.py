"""Break-glass: time-limited emergency access to a subject the reader's agency does not hold, reviewed afterwards."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from safeshare.domain.model import DomainModel


class BreakGlassInput(DomainModel):
    subject_id: str
    reason: str = Field(min_length=10, max_length=2000, description="The emergency, in enough detail to review later.")


class ReviewOutcome(StrEnum):
    JUSTIFIED = "justified"
    NOT_JUSTIFIED = "not_justified"  # handle as a possible breach (004 s5)
    FOLLOW_UP = "follow_up"


class BreakGlassReviewInput(DomainModel):
    outcome: ReviewOutcome
    note: str = Field(min_length=1, max_length=4000)


class BreakGlassReview(DomainModel):
    outcome: ReviewOutcome
    note: str
    reviewed_at: dt.datetime
    reviewed_by: str


class BreakGlassGrant(DomainModel):
    id: str
    person_id: str
    agency_id: str
    subject_id: str
    reason: str
    opened_at: dt.datetime
    expires_at: dt.datetime
    review: BreakGlassReview | None = None

    def active_at(self, at: dt.datetime) -> bool:
        return self.opened_at <= at < self.expires_at
