"""A small partnership every test can start from: two agencies, their staff, and subjects held by each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyotp

from safeshare.domain.agencies import AgencyDetails, AgencyKind
from safeshare.domain.people import Person, PersonDetails, Role, needs_two_step
from safeshare.domain.subjects import Sex, Subject, SubjectDetails
from safeshare.services import SafeShare
from safeshare.services.accounts import SecondStepRequired, SessionKind
from safeshare.services.context import Actor, Channel

PASSWORD = "correct horse battery staple"
# The suite's settings name their secret key: there is no default one.
TEST_SECRET_KEY = "the test suite's own secret key, used nowhere else"


@dataclass
class TwoStepKeys:
    """What a person's authenticator app and their sheet of recovery codes would give a test."""

    secret: str
    recovery_codes: list[str]
    last_step: int

    def next_code(self, now: dt.datetime) -> str:
        """A code not used before: the app's for now or the next time step, else a recovery code (the suite's
        clock stands still, and a code is never accepted twice)."""
        step = int(now.timestamp()) // 30
        if self.last_step <= step:
            self.last_step = max(step, self.last_step + 1)
            return pyotp.TOTP(self.secret).at(self.last_step * 30)
        return self.recovery_codes.pop()


# Everyone the suite has set two-step sign-in up for, by email (the latest world's).
TWO_STEP: dict[str, TwoStepKeys] = {}


def set_up_two_step(services: SafeShare, email: str, password: str = PASSWORD) -> TwoStepKeys:
    """Set two-step sign-in up as a person would on the web pages: sign in, take the secret, confirm a code."""
    try:
        services.accounts.sign_in(email, password, SessionKind.WEB)
    except SecondStepRequired as partial:
        token = partial.token
    else:
        raise AssertionError(f"{email} was not asked to set up two-step sign-in")
    set_up = services.accounts.start_two_step(token)
    now = services.context.clock()
    step = int(now.timestamp()) // 30
    _, codes = services.accounts.confirm_two_step(token, pyotp.TOTP(set_up.secret).at(step * 30), "local")
    TWO_STEP[email] = keys = TwoStepKeys(set_up.secret, codes, step)
    return keys


def code_for(services: SafeShare, email: str) -> str | None:
    """The second step for signing in as this person, if they have two-step sign-in."""
    keys = TWO_STEP.get(email)
    return keys.next_code(services.context.clock()) if keys else None


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
    person = services.directory.add_person(admin, details, PASSWORD)
    if needs_two_step(person.roles):
        set_up_two_step(services, details.email)
    return person


def child_details(given: str = "Ada", family: str = "Lovelace", **extra) -> SubjectDetails:
    return SubjectDetails(given_name=given, family_name=family, sex=Sex.FEMALE, **extra)


def build_world(services: SafeShare) -> World:
    admin_person = services.bootstrap.first_administrator(
        AgencyDetails(name="Agency A Children's Services", kind=AgencyKind.LOCAL_AUTHORITY_CHILDRENS_SOCIAL_CARE, section_11_duty=True),
        "Admin", "admin@agency.example", PASSWORD,
    )
    admin = Actor.of(admin_person, Channel.API)
    set_up_two_step(services, admin_person.details.email)
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
