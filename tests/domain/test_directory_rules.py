import datetime as dt

import pytest
from pydantic import ValidationError

from safeshare.domain.agencies import SECTOR_OF_KIND, Agency, AgencyDetails, AgencyKind, GovernanceRoles
from safeshare.domain.permissions import ROLE_PERMISSIONS, Permission, permissions_of
from safeshare.domain.people import PersonDetails, Role
from safeshare.domain.subjects import (
    Relationship,
    RelationshipDetails,
    RelationshipKind,
    SubjectDetails,
    holders_of_parental_responsibility,
)


def test_every_agency_kind_has_a_sector_and_every_role_has_permissions():
    assert set(SECTOR_OF_KIND) == set(AgencyKind)
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_unknown_agency_kind_is_refused():
    with pytest.raises(ValidationError, match="kind"):
        AgencyDetails(name="Somewhere", kind="bakery", section_11_duty=False)


def test_health_and_social_care_agencies_are_expected_to_name_a_caldicott_guardian():
    gp = Agency(id="1", details=AgencyDetails(name="GP", kind=AgencyKind.GP_PRACTICE, section_11_duty=True))
    school = Agency(id="2", details=AgencyDetails(name="School", kind=AgencyKind.SCHOOL, section_11_duty=True))
    assert "Caldicott guardian" in gp.governance_gaps()
    assert "Caldicott guardian" not in school.governance_gaps()
    named = school.model_copy(
        update={
            "details": school.details.model_copy(update={"ico_registration": "ZA123456"}),
            "governance": GovernanceRoles(lead_information_officer_id="p1", siro_id="p2"),
        }
    )
    assert named.governance_gaps() == []


def test_a_person_holds_one_or_more_roles_from_the_closed_list():
    person = PersonDetails(agency_id="a", name="Jo", email="JO@Agency.example", roles={"practitioner", "manager"})
    assert person.roles == {Role.PRACTITIONER, Role.MANAGER}
    assert person.email == "jo@agency.example"
    with pytest.raises(ValidationError, match="roles"):
        PersonDetails(agency_id="a", name="Jo", email="jo@agency.example", roles=set())
    with pytest.raises(ValidationError, match="roles"):
        PersonDetails(agency_id="a", name="Jo", email="jo@agency.example", roles={"superuser"})


def test_administrators_and_governance_roles_do_not_read_case_records_by_role():
    for role in (Role.SYSTEM_ADMINISTRATOR, Role.INFORMATION_GOVERNANCE_LEAD, Role.SIRO, Role.PARTNERSHIP_AUDITOR):
        assert Permission.SUBJECTS_READ not in ROLE_PERMISSIONS[role], role
    assert Permission.SUBJECTS_READ in permissions_of({Role.PRACTITIONER})
    assert permissions_of({Role.SYSTEM_ADMINISTRATOR, Role.PRACTITIONER}) >= ROLE_PERMISSIONS[Role.PRACTITIONER]


def test_date_of_birth_cannot_be_in_the_future():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="date of birth cannot be in the future"):
        SubjectDetails(given_name="A", family_name="B", date_of_birth=tomorrow)


def test_subject_identifiers_are_checked():
    with pytest.raises(ValidationError, match="nhs_number"):
        SubjectDetails(given_name="A", family_name="B", nhs_number="9434765918")
    with pytest.raises(ValidationError, match="unique_pupil_number"):
        SubjectDetails(given_name="A", family_name="B", unique_pupil_number="A881200101001")


def test_age_counts_whole_years():
    child = SubjectDetails(given_name="A", family_name="B", date_of_birth=dt.date(2010, 6, 15))
    assert child.age_on(dt.date(2026, 6, 14)) == 15
    assert child.age_on(dt.date(2026, 6, 15)) == 16


def test_relationship_rules():
    with pytest.raises(ValidationError, match="themselves"):
        RelationshipDetails(person_id="x", child_id="x", kind=RelationshipKind.PARENT)
    with pytest.raises(ValidationError, match="sibling is not recorded as holding parental responsibility"):
        RelationshipDetails(person_id="x", child_id="y", kind=RelationshipKind.SIBLING, parental_responsibility=True)
    with pytest.raises(ValidationError, match="kind"):
        RelationshipDetails(person_id="x", child_id="y", kind="uncle")


def test_who_holds_parental_responsibility_for_a_child():
    relationships = [
        Relationship(id="1", details=RelationshipDetails(person_id="mum", child_id="c", kind="parent", parental_responsibility=True)),
        Relationship(id="2", details=RelationshipDetails(person_id="partner", child_id="c", kind="partner_of_parent")),
        Relationship(id="3", details=RelationshipDetails(person_id="sib", child_id="c", kind="sibling")),
        Relationship(id="4", details=RelationshipDetails(person_id="mum", child_id="other", kind="parent", parental_responsibility=True)),
    ]
    assert holders_of_parental_responsibility("c", relationships) == ["mum"]
