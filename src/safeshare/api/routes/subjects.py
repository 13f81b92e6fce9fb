from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from safeshare.domain.model import DomainModel

from safeshare.api.dependencies import CurrentActor, Paging, Services
from safeshare.domain.paging import Page
from safeshare.domain.subjects import Relationship, RelationshipDetails, Subject, SubjectDetails, SubjectHolders
from safeshare.services.subjects import SubjectSearch, SubjectView

router = APIRouter(tags=["subjects"])


@router.post("/subjects", response_model=Subject, status_code=201)
def add_subject(details: SubjectDetails, actor: CurrentActor, services: Services):
    return services.subjects.add_subject(actor, details)


@router.post("/subjects/search", response_model=Page[Subject])
def search_subjects(terms: SubjectSearch, actor: CurrentActor, services: Services, page: Paging):
    """Search terms are personal data, so they go in the body, not the URL."""
    return services.subjects.search(actor, terms, page)


@router.get("/subjects/{subject_id}", response_model=SubjectView)
def view_subject(subject_id: str, actor: CurrentActor, services: Services):
    return services.subjects.view_subject(actor, subject_id)


@router.put("/subjects/{subject_id}", response_model=Subject)
def change_subject(subject_id: str, details: SubjectDetails, actor: CurrentActor, services: Services):
    return services.subjects.change_subject(actor, subject_id, details)


class NewHolder(DomainModel):
    agency_id: str = Field(description="The agency that also knows the subject.")


@router.post("/subjects/{subject_id}/holders", response_model=SubjectHolders, status_code=201)
def link_agency(subject_id: str, holder: NewHolder, actor: CurrentActor, services: Services):
    """Record that another agency also knows this subject, making it a holder (information governance leads)."""
    return services.subjects.link_agency(actor, subject_id, holder.agency_id)


@router.post("/relationships", response_model=Relationship, status_code=201)
def relate(details: RelationshipDetails, actor: CurrentActor, services: Services):
    return services.subjects.relate(actor, details)
