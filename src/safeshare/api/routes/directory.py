from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from safeshare.api.dependencies import CurrentActor, Paging, Services
from safeshare.domain.agencies import Agency, AgencyDetails, GovernanceRoles
from safeshare.domain.paging import Page
from safeshare.domain.people import Contact, Person, PersonDetails

router = APIRouter(tags=["directory"])


@router.get("/agencies", response_model=Page[Agency])
def list_agencies(actor: CurrentActor, services: Services, page: Paging):
    return services.directory.list_agencies(actor, page)


@router.post("/agencies", response_model=Agency, status_code=201)
def add_agency(details: AgencyDetails, actor: CurrentActor, services: Services):
    return services.directory.add_agency(actor, details)


@router.get("/agencies/{agency_id}", response_model=Agency)
def get_agency(agency_id: str, actor: CurrentActor, services: Services):
    return services.directory.get_agency(actor, agency_id)


@router.put("/agencies/{agency_id}", response_model=Agency)
def change_agency(agency_id: str, details: AgencyDetails, actor: CurrentActor, services: Services):
    return services.directory.change_agency(actor, agency_id, details)


@router.put("/agencies/{agency_id}/governance", response_model=Agency)
def name_governance_roles(agency_id: str, roles: GovernanceRoles, actor: CurrentActor, services: Services):
    return services.directory.name_governance_roles(actor, agency_id, roles)


class NewPerson(BaseModel):
    details: PersonDetails
    password: str | None = Field(default=None, max_length=1000)


class NewPassword(BaseModel):
    password: str = Field(max_length=1000)


@router.get("/people", response_model=Page[Person])
def list_people(actor: CurrentActor, services: Services, page: Paging, agency_id: str | None = None):
    return services.directory.list_people(actor, page, agency_id)


@router.get("/contacts", response_model=Page[Contact])
def list_contacts(actor: CurrentActor, services: Services, page: Paging, agency_id: str | None = None):
    return services.directory.list_contacts(actor, page, agency_id)


@router.get("/contacts/{person_id}", response_model=Contact)
def get_contact(person_id: str, actor: CurrentActor, services: Services):
    return services.directory.get_contact(actor, person_id)


@router.post("/people", response_model=Person, status_code=201)
def add_person(new: NewPerson, actor: CurrentActor, services: Services):
    return services.directory.add_person(actor, new.details, new.password)


@router.get("/people/{person_id}", response_model=Person)
def get_person(person_id: str, actor: CurrentActor, services: Services):
    return services.directory.get_person(actor, person_id)


@router.put("/people/{person_id}", response_model=Person)
def change_person(person_id: str, details: PersonDetails, actor: CurrentActor, services: Services):
    return services.directory.change_person(actor, person_id, details)


@router.post("/people/{person_id}/disable", response_model=Person)
def disable_person(person_id: str, actor: CurrentActor, services: Services):
    return services.directory.set_disabled(actor, person_id, True)


@router.post("/people/{person_id}/enable", response_model=Person)
def enable_person(person_id: str, actor: CurrentActor, services: Services):
    return services.directory.set_disabled(actor, person_id, False)


@router.put("/people/{person_id}/password", status_code=204)
def set_password(person_id: str, new: NewPassword, actor: CurrentActor, services: Services) -> None:
    services.directory.set_password(actor, person_id, new.password)
