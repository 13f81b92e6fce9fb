"""The consent register (R5): record, withdraw, review, conflicts for the safeguarding lead, FHIR exchange."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from safeshare.api.dependencies import CurrentActor, IdempotencyKey, Paging, Services
from safeshare.domain.advice import PurposeCategory
from safeshare.domain.consent import (
    ConflictResolution,
    ConsentConflict,
    ConsentInput,
    ConsentRecord,
    ConsentStanding,
    ReviewInput,
    WhoMayConsent,
    WithdrawalInput,
)
from safeshare.domain.model import IsoDate
from safeshare.domain.paging import Page
from safeshare.services.consents import ConsentRecorded

router = APIRouter(tags=["consent"])
FHIR_JSON = "application/fhir+json"


@router.post("/consents", response_model=ConsentRecorded, status_code=201)
def record_consent(submitted: ConsentInput, actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey):
    """Record consent given or refused. Refused (422, naming the field) if this person cannot consent for the child."""
    return services.consents.record(actor, submitted, idempotency_key=idempotency_key)


@router.get("/consents/due-for-review", response_model=Page[ConsentRecord])
def due_for_review(actor: CurrentActor, services: Services, page: Paging, on: IsoDate | None = None):
    return services.consents.due_for_review(actor, page, on)


@router.post("/consents/fhir", response_model=ConsentRecorded, status_code=201)
def import_fhir(
    resource: Annotated[dict[str, Any], Body()], actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey
):
    """Record a consent from a FHIR R5 Consent resource (as exported by GET /consents/{id}/fhir).

    409 if a resource with one of its identifiers was already imported into the agency's register; a resource
    without an identifier is recognised by what it says, apart from `meta` and `text`."""
    return services.consents.import_fhir(actor, resource, idempotency_key=idempotency_key)


@router.get("/consents/{consent_id}", response_model=ConsentRecord)
def get_consent(consent_id: str, actor: CurrentActor, services: Services):
    return services.consents.get(actor, consent_id)


@router.get("/consents/{consent_id}/fhir")
def export_fhir(consent_id: str, actor: CurrentActor, services: Services) -> JSONResponse:
    """The consent as a FHIR R5 Consent resource."""
    return JSONResponse(services.consents.export_fhir(actor, consent_id), media_type=FHIR_JSON)


@router.post("/consents/{consent_id}/withdraw", response_model=ConsentRecord)
def withdraw_consent(
    consent_id: str, withdrawal: WithdrawalInput, actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey
):
    """Takes effect at once for later shares; recipients of earlier shares see a withdrawal notice."""
    return services.consents.withdraw(actor, consent_id, withdrawal, idempotency_key=idempotency_key)


@router.post("/consents/{consent_id}/review", response_model=ConsentRecord)
def review_consent(consent_id: str, review: ReviewInput, actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey):
    """Record a review of given consent: still valid (with whom, and the next review date, in the future) or
    no longer valid, which withdraws it at once. 409 if the consent is not (or no longer) given."""
    return services.consents.review(actor, consent_id, review, idempotency_key=idempotency_key)


@router.get("/subjects/{subject_id}/consents", response_model=Page[ConsentRecord])
def subject_consents(subject_id: str, actor: CurrentActor, services: Services, page: Paging):
    return services.consents.for_subject(actor, subject_id, page)


@router.get("/subjects/{subject_id}/who-may-consent", response_model=WhoMayConsent)
def who_may_consent(subject_id: str, actor: CurrentActor, services: Services):
    return services.consents.who_may_consent(actor, subject_id)


@router.get("/subjects/{subject_id}/consent-standing", response_model=ConsentStanding)
def consent_standing(
    subject_id: str,
    purpose: Annotated[PurposeCategory, Query()],
    recipient_agency_id: Annotated[str, Query()],
    actor: CurrentActor,
    services: Services,
):
    """What the register says about sharing for this purpose with this agency, in the decision aid's terms."""
    return services.consents.standing(actor, subject_id, purpose, recipient_agency_id)


@router.get("/consent-conflicts", response_model=Page[ConsentConflict])
def consent_conflicts(actor: CurrentActor, services: Services, page: Paging, include_resolved: bool = False):
    """For the designated safeguarding lead: disagreements over consent and doubts about capacity."""
    return services.consents.conflicts(actor, page, include_resolved)


@router.post("/consent-conflicts/{conflict_id}/resolve", response_model=ConsentConflict)
def resolve_conflict(conflict_id: str, resolution: ConflictResolution, actor: CurrentActor, services: Services):
    return services.consents.resolve_conflict(actor, conflict_id, resolution)
