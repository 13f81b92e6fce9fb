"""The ledger's witnesses: agencies fetch checkpoints and send back cosignatures; the auditor takes the witness store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from safeshare.api.dependencies import CurrentActor, Services
from safeshare.domain.ledgers import Log
from safeshare.domain.witnesses import Cosigned, LedgerWitness, WitnessRegistration

router = APIRouter(prefix="/ledger", tags=["ledger"])


class CosignatureSubmission(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    note: str = Field(min_length=1, max_length=20_000, description="The checkpoint with your witness's cosignature line.")


@router.post("/witnesses", response_model=LedgerWitness, status_code=201)
def register_witness(registration: WitnessRegistration, actor: CurrentActor, services: Services):
    """Register your agency's witness key (its verifier key; SafeShare never holds the private half)."""
    return services.witnesses.register(actor, registration)


@router.get("/{log}/checkpoint")
def latest_checkpoint(
    log: Log, actor: CurrentActor, services: Services, seen_size: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0
) -> Response:
    """The latest checkpoint as a C2SP tlog-witness add-checkpoint request, with the consistency proof from `seen_size`."""
    return Response(services.witnesses.offer(actor, log, seen_size), media_type="text/plain; charset=utf-8")


@router.post("/{log}/cosignatures", response_model=Cosigned, status_code=201)
def submit_cosignature(log: Log, submission: CosignatureSubmission, actor: CurrentActor, services: Services):
    return services.witnesses.cosign(actor, log, submission.note)


@router.get("/{log}/witness-store")
def witness_store(log: Log, actor: CurrentActor, services: Services) -> Response:
    """The log's witness store as a tar file (partnership auditor)."""
    archive = services.ledger.witness_store_archive(actor, log)
    return Response(
        archive, media_type="application/x-tar",
        headers={"Content-Disposition": f'attachment; filename="safeshare-witness-{log.value}.tar"'},
    )
