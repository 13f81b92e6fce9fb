from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from safeshare.domain.model import DomainModel

from safeshare.api.dependencies import CurrentActor, IdempotencyKey, Paging, Services
from safeshare.domain.advice import Advice, CaseFacts
from safeshare.domain.decisions import DecisionInput, DecisionRecord
from safeshare.domain.paging import Page

router = APIRouter(tags=["decisions"])


class AdviceRequest(DomainModel):
    facts: CaseFacts
    guidance_version: str | None = None
    consent_id: str | None = Field(default=None, description="Take the consent answers from this consent's register.")
    recipient_agency_id: str | None = Field(default=None, description="The agency that would receive it, to check consent covers it.")


@router.get("/advice/schema")
def facts_schema() -> dict:
    """The JSON Schema of the case facts the decision aid reads."""
    return CaseFacts.model_json_schema()


@router.post("/advice", response_model=Advice)
def advise(request: AdviceRequest, actor: CurrentActor, services: Services):
    return services.decisions.advise(actor, request.facts, request.guidance_version, request.consent_id, request.recipient_agency_id)


@router.post("/decisions", response_model=DecisionRecord, status_code=201)
def record_decision(
    decision: DecisionInput,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey,
    guidance_version: Annotated[
        str | None, Query(description="The installed guidance version to advise under (the partnership's default if not given).")
    ] = None,
):
    return services.decisions.record(actor, decision, guidance_version, idempotency_key=idempotency_key)


@router.get("/decisions", response_model=Page[DecisionRecord])
def my_decisions(actor: CurrentActor, services: Services, page: Paging):
    return services.decisions.mine(actor, page)


@router.get("/decisions/{decision_id}", response_model=DecisionRecord)
def get_decision(decision_id: int, actor: CurrentActor, services: Services):
    return services.decisions.get(actor, decision_id)


@router.get("/subjects/{subject_id}/decisions", response_model=Page[DecisionRecord])
def subject_decisions(subject_id: str, actor: CurrentActor, services: Services, page: Paging):
    return services.decisions.for_subject(actor, subject_id, page)
