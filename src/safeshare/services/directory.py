"""Use cases of the partnership directory: agencies and the people who work in them (R15)."""

from __future__ import annotations

from safeshare.domain.agencies import Agency, AgencyDetails, GovernanceRoles
from safeshare.domain.errors import Conflict, InvalidInput, NotFound
from safeshare.domain.paging import Page, PageRequest
from safeshare.domain.people import Contact, Person, PersonDetails, Role
from safeshare.domain.permissions import Permission, permissions_of
from safeshare.services.context import Actor
from safeshare.services.passwords import check_password_strength, hash_password, password_context
from safeshare.services.use_case import Service, new_id, use_case
from safeshare.store.unit_of_work import UnitOfWork

AGENCY_NAME_TAKEN = "an agency with this name already exists"
EMAIL_TAKEN = "a person with this email address already exists"

_GOVERNANCE_ROLE_NEEDED = {
    "lead_information_officer_id": Role.INFORMATION_GOVERNANCE_LEAD,
    "caldicott_guardian_id": Role.CALDICOTT_GUARDIAN,
    "siro_id": Role.SIRO,
}


class DirectoryService(Service):
    @use_case(Permission.AGENCIES_MANAGE)
    def add_agency(self, uow: UnitOfWork, actor: Actor, details: AgencyDetails) -> Agency:
        if uow.agencies.name_taken(details.name):
            raise Conflict.of("name", AGENCY_NAME_TAKEN)
        agency = Agency(id=new_id(), details=details)
        if not uow.agencies.add(agency, self.now()):
            raise Conflict.of("name", AGENCY_NAME_TAKEN)
        return agency

    @use_case(Permission.AGENCIES_MANAGE)
    def change_agency(self, uow: UnitOfWork, actor: Actor, agency_id: str, details: AgencyDetails) -> Agency:
        agency = _agency(uow, agency_id)
        if uow.agencies.name_taken(details.name, except_id=agency_id):
            raise Conflict.of("name", AGENCY_NAME_TAKEN)
        if not uow.agencies.save_details(agency_id, details):
            raise Conflict.of("name", AGENCY_NAME_TAKEN)
        return _agency(uow, agency_id)

    @use_case(Permission.AGENCIES_MANAGE)
    def name_governance_roles(self, uow: UnitOfWork, actor: Actor, agency_id: str, roles: GovernanceRoles) -> Agency:
        """Name the agency's lead information officer, Caldicott guardian and SIRO (R15)."""
        agency = _agency(uow, agency_id)
        for field, needed_role in _GOVERNANCE_ROLE_NEEDED.items():
            person_id = getattr(roles, field)
            if person_id is None:
                continue
            person = uow.people.get(person_id)
            if person is None or person.agency_id != agency_id:
                raise InvalidInput.of(field, "must be a person who works at this agency")
            if needed_role not in person.roles:
                raise InvalidInput.of(field, f"this person does not hold the role {needed_role.value}")
        if roles.caldicott_guardian_id and not agency.needs_caldicott_guardian:
            raise InvalidInput.of("caldicott_guardian_id", "only health and social care agencies name a Caldicott guardian")
        uow.agencies.save_governance(agency_id, roles)
        return _agency(uow, agency_id)

    @use_case(Permission.AGENCIES_READ)
    def get_agency(self, uow: UnitOfWork, actor: Actor, agency_id: str) -> Agency:
        return _agency(uow, agency_id)

    @use_case(Permission.AGENCIES_READ)
    def list_agencies(self, uow: UnitOfWork, actor: Actor, page: PageRequest) -> Page[Agency]:
        return uow.agencies.list(page)

    @use_case(Permission.PEOPLE_MANAGE)
    def add_person(self, uow: UnitOfWork, actor: Actor, details: PersonDetails, password: str | None = None) -> Person:
        _agency(uow, details.agency_id, field="agency_id")
        if uow.people.id_for_email(details.email):
            raise Conflict.of("email", EMAIL_TAKEN)
        password_hash = None
        if password is not None:
            check_password_strength(password, password_context(uow, details.name, details.email))
            password_hash = hash_password(password)
        person = Person(id=new_id(), details=details)
        if not uow.people.add(person, password_hash, self.now()):
            raise Conflict.of("email", EMAIL_TAKEN)
        return person

    @use_case(Permission.PEOPLE_MANAGE)
    def change_person(self, uow: UnitOfWork, actor: Actor, person_id: str, details: PersonDetails) -> Person:
        uow.people.lock(person_id)  # changes to one person are made in turn, so the roles compared below are current
        person = _person(uow, person_id)
        _agency(uow, details.agency_id, field="agency_id")
        owner = uow.people.id_for_email(details.email)
        if owner and owner != person_id:
            raise Conflict.of("email", EMAIL_TAKEN)
        if not uow.people.save_details(person_id, details):
            raise Conflict.of("email", EMAIL_TAKEN)
        changed = _person(uow, person_id)
        if changed.agency_id != person.agency_id or changed.roles != person.roles:
            uow.sessions.remove_all_for(person_id)  # access follows the agency and roles, so sign in again
        return changed

    @use_case(Permission.PEOPLE_MANAGE)
    def set_disabled(self, uow: UnitOfWork, actor: Actor, person_id: str, disabled: bool) -> Person:
        _person(uow, person_id)
        if disabled and person_id == actor.person_id:
            raise InvalidInput.of("person_id", "you cannot disable your own account")
        uow.people.set_disabled(person_id, disabled)
        if disabled:
            uow.sessions.remove_all_for(person_id)
        return _person(uow, person_id)

    @use_case(Permission.PEOPLE_MANAGE)
    def set_password(self, uow: UnitOfWork, actor: Actor, person_id: str, password: str) -> None:
        person = _person(uow, person_id)
        check_password_strength(password, password_context(uow, person.details.name, person.details.email))
        uow.people.set_password_hash(person_id, hash_password(password))
        uow.people.clear_failed_sign_ins(person_id)
        uow.sessions.remove_all_for(person_id)

    def whoami(self, actor: Actor) -> Person:
        with self.context.uow_factory() as uow:
            return _person(uow, actor.person_id)

    # A person's email address, roles and account status are the directory's to manage: colleagues see contacts.
    @use_case(Permission.PEOPLE_MANAGE)
    def get_person(self, uow: UnitOfWork, actor: Actor, person_id: str) -> Person:
        return _person(uow, person_id)

    @use_case(Permission.PEOPLE_MANAGE)
    def list_people(self, uow: UnitOfWork, actor: Actor, page: PageRequest, agency_id: str | None = None) -> Page[Person]:
        return uow.people.list(page, agency_id)

    @use_case(Permission.PEOPLE_READ)
    def get_contact(self, uow: UnitOfWork, actor: Actor, person_id: str) -> Contact:
        """Who someone is (named on a record, say), even once their account is disabled."""
        return _contact(_person(uow, person_id))

    @use_case(Permission.PEOPLE_READ)
    def list_contacts(self, uow: UnitOfWork, actor: Actor, page: PageRequest, agency_id: str | None = None) -> Page[Contact]:
        """The people of the partnership, or of one agency, who can sign in: whom information can be addressed to."""
        found = uow.people.list(page, agency_id, active_only=True)
        return Page(items=[_contact(p) for p in found.items], total=found.total, offset=found.offset, limit=found.limit)


def _agency(uow: UnitOfWork, agency_id: str, field: str = "agency_id") -> Agency:
    agency = uow.agencies.get(agency_id)
    if agency is None:
        raise NotFound(f"{field}: no agency with this id")
    return agency


def _contact(person: Person) -> Contact:
    details = person.details
    return Contact(
        id=person.id, name=details.name, job_title=details.job_title, agency_id=details.agency_id,
        receives_disclosures=Permission.DISCLOSURES_RECEIVE in permissions_of(details.roles),
    )


def _person(uow: UnitOfWork, person_id: str) -> Person:
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound("person_id: no person with this id")
    return person
