"""Requests for information between agencies (R11)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from safeshare.domain.model import DomainModel

from safeshare.api.dependencies import CurrentActor, IdempotencyKey, Paging, Services
from safeshare.domain.paging import Page
from safeshare.domain.requests import InformationRequest, NotHeld, RequestAnswer, RequestInput, RequestStatus

router = APIRouter(prefix="/requests", tags=["requests"])


class Cancellation(DomainModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.post("", response_model=InformationRequest, status_code=201)
def send_request(submitted: RequestInput, actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey):
    return services.requests.send(actor, submitted, idempotency_key=idempotency_key)


@router.get("/sent", response_model=Page[InformationRequest])
def sent_requests(
    actor: CurrentActor, services: Services, page: Paging, status: RequestStatus | None = None, whole_agency: bool = False
):
    return services.requests.sent(actor, page, status, whole_agency)


@router.get("/to-answer", response_model=Page[InformationRequest])
def requests_to_answer(actor: CurrentActor, services: Services, page: Paging):
    return services.requests.to_answer(actor, page)


@router.get("/overdue", response_model=Page[InformationRequest])
def overdue_requests(actor: CurrentActor, services: Services, page: Paging):
    return services.requests.overdue(actor, page)


@router.get("/{request_id}", response_model=InformationRequest)
def get_request(request_id: str, actor: CurrentActor, services: Services):
    return services.requests.get(actor, request_id)


@router.post("/{request_id}/answer", response_model=InformationRequest)
def answer_request(
    request_id: str, answer: RequestAnswer, actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey
):
    """Share (a decision and a disclosure to the requester) or refuse (a decision whose reasons go back)."""
    return services.requests.answer(actor, request_id, answer, idempotency_key=idempotency_key)


@router.post("/{request_id}/not-held", response_model=InformationRequest)
def answer_not_held(request_id: str, answer: NotHeld, actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey):
    return services.requests.answer_not_held(actor, request_id, answer, idempotency_key=idempotency_key)


@router.post("/{request_id}/cancel", response_model=InformationRequest)
def cancel_request(request_id: str, cancellation: Cancellation, actor: CurrentActor, services: Services):
    return services.requests.cancel(actor, request_id, cancellation.reason)
