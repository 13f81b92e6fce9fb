"""Disclosures: the items sent under a decision to share, and what recipients do with them (R9, R10, R12, R22)."""

from __future__ import annotations

from fastapi import APIRouter

from safeshare.api.dependencies import CurrentActor, IdempotencyKey, Paging, Services
from safeshare.domain.disclosures import Disclosure, DisclosureInput, FamilyUpdate
from safeshare.domain.paging import Page

router = APIRouter(prefix="/disclosures", tags=["disclosures"])


@router.post("", response_model=Disclosure, status_code=201)
def send_disclosure(submitted: DisclosureInput, actor: CurrentActor, services: Services, idempotency_key: IdempotencyKey):
    """Seal the decision to share and send the chosen items to the named recipients."""
    return services.disclosures.send(actor, submitted, idempotency_key=idempotency_key)


@router.get("/incoming", response_model=Page[Disclosure])
def incoming(
    actor: CurrentActor, services: Services, page: Paging, unacknowledged_only: bool = False, urgent_only: bool = False
):
    """Disclosures sent to me or to one of my roles at my agency."""
    return services.disclosures.incoming(actor, page, unacknowledged_only, urgent_only)


@router.get("/sent", response_model=Page[Disclosure])
def sent(
    actor: CurrentActor, services: Services, page: Paging, subject_id: str | None = None, urgent_unacknowledged: bool = False
):
    return services.disclosures.sent(actor, page, subject_id, urgent_unacknowledged)


@router.get("/{disclosure_id}", response_model=Disclosure)
def get_disclosure(disclosure_id: str, actor: CurrentActor, services: Services):
    return services.disclosures.get(actor, disclosure_id)


@router.post("/{disclosure_id}/acknowledge", response_model=Disclosure)
def acknowledge(disclosure_id: str, actor: CurrentActor, services: Services):
    return services.disclosures.acknowledge(actor, disclosure_id)


@router.put("/{disclosure_id}/family", response_model=Disclosure)
def update_family(disclosure_id: str, update: FamilyUpdate, actor: CurrentActor, services: Services):
    """Whether the child or family was told of the sharing, or why not; can be updated later."""
    return services.disclosures.update_family(actor, disclosure_id, update)
