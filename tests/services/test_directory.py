import pytest

from safeshare.domain.agencies import AgencyDetails, AgencyKind, GovernanceRoles
from safeshare.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safeshare.domain.paging import PageRequest
from safeshare.domain.people import PersonDetails, Role
from tests.factories import add_person


def test_administrator_adds_agencies_and_duplicate_names_conflict(world):
    details = AgencyDetails(name="Riverside GP", kind=AgencyKind.GP_PRACTICE, section_11_duty=True, ico_registration="za123456")
    agency = world.services.directory.add_agency(world.admin, details)
    assert agency.details.ico_registration == "ZA123456"
    with pytest.raises(Conflict, match="name"):
        world.services.directory.add_agency(world.admin, details.model_copy(update={"name": "riverside gp"}))


def test_practitioners_cannot_manage_the_directory(world):
    details = AgencyDetails(name="Another", kind=AgencyKind.OTHER, section_11_duty=False)
    with pytest.raises(Forbidden, match="agencies:manage"):
        world.services.directory.add_agency(world.actor("practitioner_a"), details)


def test_duplicate_person_email_conflicts(world):
    details = PersonDetails(agency_id=world.agency_a, name="Copy", email="PRACTITIONER_A@agency.example", roles={"practitioner"})
    with pytest.raises(Conflict, match="email"):
        world.services.directory.add_person(world.admin, details)


def test_person_must_belong_to_an_existing_agency(world):
    details = PersonDetails(agency_id="no-such-agency", name="Lost", email="lost@agency.example", roles={"practitioner"})
    with pytest.raises(NotFound, match="agency_id"):
        world.services.directory.add_person(world.admin, details)


def test_short_passwords_are_refused(world):
    details = PersonDetails(agency_id=world.agency_a, name="New", email="new@agency.example", roles={"practitioner"})
    with pytest.raises(InvalidInput, match="password"):
        world.services.directory.add_person(world.admin, details, "short")


def test_governance_roles_must_be_held_by_staff_of_the_agency(world):
    ig = world.people["ig_lead_a"]
    named = world.services.directory.name_governance_roles(
        world.admin, world.agency_a, GovernanceRoles(lead_information_officer_id=ig.id)
    )
    assert named.governance.lead_information_officer_id == ig.id
    with pytest.raises(InvalidInput, match="siro_id: this person does not hold the role siro"):
        world.services.directory.name_governance_roles(world.admin, world.agency_a, GovernanceRoles(siro_id=ig.id))
    outsider = world.people["practitioner_b"]
    with pytest.raises(InvalidInput, match="works at this agency"):
        world.services.directory.name_governance_roles(
            world.admin, world.agency_a, GovernanceRoles(lead_information_officer_id=outsider.id)
        )


def test_schools_do_not_name_a_caldicott_guardian(world):
    guardian = add_person(world.services, world.admin, world.agency_b, "guardian_b", Role.CALDICOTT_GUARDIAN)
    with pytest.raises(InvalidInput, match="Caldicott"):
        world.services.directory.name_governance_roles(
            world.admin, world.agency_b, GovernanceRoles(caldicott_guardian_id=guardian.id)
        )


def test_listings_are_paged(world):
    first = world.services.directory.list_people(world.admin, PageRequest(offset=0, limit=2))
    second = world.services.directory.list_people(world.admin, PageRequest(offset=2, limit=2))
    assert len(first.items) == 2 and first.total == len(world.people)
    assert first.next_offset == 2
    assert {p.id for p in first.items}.isdisjoint({p.id for p in second.items})


def test_administrators_cannot_disable_themselves(world):
    with pytest.raises(InvalidInput, match="your own account"):
        world.services.directory.set_disabled(world.admin, world.admin.person_id, True)


def test_email_addresses_roles_and_account_status_are_for_the_directory_administrator(world):
    """A colleague sees whom to address: name, job title, agency. The accounts behind them are people:manage."""
    for key in ("practitioner_a", "dsl_a", "ig_lead_a"):
        actor = world.actor(key)
        with pytest.raises(Forbidden, match="people:manage"):
            world.services.directory.list_people(actor, PageRequest())
        with pytest.raises(Forbidden, match="people:manage"):
            world.services.directory.get_person(actor, world.people["practitioner_b"].id)
    with pytest.raises(Forbidden, match="people:read"):
        world.services.directory.list_contacts(world.actor("auditor"), PageRequest())
    world.services.directory.set_disabled(world.admin, world.people["dsl_a"].id, True)

    contacts = world.services.directory.list_contacts(world.actor("practitioner_b"), PageRequest())
    assert contacts.total == len(contacts.items) == len(world.people) - 1  # a disabled account cannot be sent anything
    assert world.people["dsl_a"].id not in {c.id for c in contacts.items}
    teacher = next(c for c in contacts.items if c.id == world.people["practitioner_a"].id)
    assert teacher.model_dump() == {
        "id": teacher.id, "name": "Practitioner A", "job_title": "", "agency_id": world.agency_a, "receives_disclosures": True,
    }
    assert not next(c for c in contacts.items if c.id == world.people["ig_lead_a"].id).receives_disclosures
    at_b = world.services.directory.list_contacts(world.actor("practitioner_a"), PageRequest(), world.agency_b)
    assert [c.id for c in at_b.items] == [world.people["practitioner_b"].id]
    # Who someone was stays known on the records they touched, after their account is disabled.
    named = world.services.directory.get_contact(world.actor("ig_lead_a"), world.people["dsl_a"].id)
    assert named.name == "Dsl A"
    with pytest.raises(NotFound, match="person_id"):
        world.services.directory.get_contact(world.actor("ig_lead_a"), "no-such-person")
