"""Break-glass emergency access and its review, and a subject's access history."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from safeshare.api.dependencies import CurrentActor, Paging, Services
from safeshare.domain.access import AccessEntry
from safeshare.domain.break_glass import BreakGlassGrant, BreakGlassInput, BreakGlassReviewInput
from safeshare.domain.paging import Page

router = APIRouter(tags=["access"])


class BreakGlassRequest(BreakGlassInput):
    password: str | None = Field(
        default=None, max_length=1000, description="Needed unless the password was confirmed in the last few minutes."
    )


@router.post("/break-glass", response_model=BreakGlassGrant, status_code=201)
def open_break_glass(request: BreakGlassRequest, actor: CurrentActor, services: Services):
    """Emergency, time-limited access to a subject your agency does not hold; reviewed afterwards."""
    submitted = BreakGlassInput(subject_id=request.subject_id, reason=request.reason)
    return services.break_glass.open(actor, submitted, request.password)


@router.get("/break-glass/mine", response_model=Page[BreakGlassGrant])
def my_break_glass(actor: CurrentActor, services: Services, page: Paging):
    return services.break_glass.mine(actor, page)


@router.get("/break-glass/reviews", response_model=Page[BreakGlassGrant])
def break_glass_reviews(actor: CurrentActor, services: Services, page: Paging, include_reviewed: bool = False):
    return services.break_glass.for_review(actor, page, include_reviewed)


@router.post("/break-glass/{grant_id}/review", response_model=BreakGlassGrant)
def review_break_glass(grant_id: str, review: BreakGlassReviewInput, actor: CurrentActor, services: Services):
    return services.break_glass.review(actor, grant_id, review)


@router.get("/subjects/{subject_id}/access-history", response_model=Page[AccessEntry])
def access_history(subject_id: str, actor: CurrentActor, services: Services, page: Paging):
    """Who read this subject's records, when, how and under which grant (information governance leads)."""
    return services.access_history.history(actor, subject_id, page)
