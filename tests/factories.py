"""A small partnership every test can start from: two agencies, their staff, and subjects held by each."""

from __future__ import annotations

from dataclasses import dataclass, field

from safeshare.domain.agencies import AgencyDetails, AgencyKind
from safeshare.domain.people import Person, PersonDetails, Role
from safeshare.domain.subjects import Sex, Subject, SubjectDetails
from safeshare.services import SafeShare
from safeshare.services.context import Actor, Channel

PASSWORD = "correct horse battery staple"
# The suite's settings name their secret key: there is no default one.
TEST_SECRET_KEY = "the test suite's own secret key, used nowhere else"


@dataclass
class World:
    services: SafeShare
    admin: Actor
    agency_a: str
    agency_b: str
    people: dict[str, Person] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)

    def actor(self, key: str, channel: Channel = Channel.API) -> Actor:
        return Actor.of(self.people[key], channel)


def add_person(services: SafeShare, admin: Actor, agency_id: str, key: str, *roles: Role) -> Person:
    details = PersonDetails(
        agency_id=agency_id, name=key.replace("_", " ").title(), email=f"{key}@agency.example", roles=frozenset(roles)
    )
    return services.directory.add_person(admin, details, PASSWORD)


def child_details(given: str = "Ada", family: str = "Lovelace", **extra) -> SubjectDetails:
    return SubjectDetails(given_name=given, family_name=family, sex=Sex.FEMALE, **extra)


def build_world(services: SafeShare) -> World:
    admin_person = services.bootstrap.first_administrator(
        AgencyDetails(name="Agency A Children's Services", kind=AgencyKind.LOCAL_AUTHORITY_CHILDRENS_SOCIAL_CARE, section_11_duty=True),
        "Admin", "admin@agency.example", PASSWORD,
    )
    admin = Actor.of(admin_person, Channel.API)
    agency_b = services.directory.add_agency(
        admin, AgencyDetails(name="Agency B School", kind=AgencyKind.SCHOOL, section_11_duty=True)
    ).id
    world = World(services, admin, admin_person.agency_id, agency_b)
    world.people["admin"] = admin_person
    for key, agency, roles in [
        ("practitioner_a", world.agency_a, (Role.PRACTITIONER,)),
        ("dsl_a", world.agency_a, (Role.DESIGNATED_SAFEGUARDING_LEAD,)),
        ("ig_lead_a", world.agency_a, (Role.INFORMATION_GOVERNANCE_LEAD,)),
        ("practitioner_b", agency_b, (Role.PRACTITIONER,)),
        ("auditor", world.agency_a, (Role.PARTNERSHIP_AUDITOR,)),
    ]:
        world.people[key] = add_person(services, admin, agency, key, *roles)
    world.subjects["child_a"] = services.subjects.add_subject(
        world.actor("practitioner_a"), child_details("Ada", "Lovelace", nhs_number="9434765919")
    )
    world.subjects["parent_a"] = services.subjects.add_subject(world.actor("practitioner_a"), child_details("Anne", "Lovelace"))
    world.subjects["child_b"] = services.subjects.add_subject(world.actor("practitioner_b"), child_details("Bea", "Brown"))
    return world
