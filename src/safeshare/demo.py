"""A clearly fictional partnership for trying SafeShare: the borough of Fernhill does not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from safeshare.domain.agencies import AgencyDetails, AgencyKind, GovernanceRoles
from safeshare.domain.errors import Conflict
from safeshare.domain.people import Person, PersonDetails, Role
from safeshare.domain.subjects import Address, RelationshipDetails, RelationshipKind, Sex, SubjectDetails
from safeshare.services import SafeShare
from safeshare.services.context import Actor, Channel
from safeshare.settings import Environment

DEMO_PASSWORD = "heron-lantern-orchard"
DOMAIN = "fernhill.example"
ADMIN_EMAIL = f"admin@{DOMAIN}"

LA = "Fernhill Council Children's Social Care (demo)"
OAKBROOK = "Oakbrook Primary School (demo)"
ACADEMY = "Fernhill Academy (demo)"
GP = "Riverside Medical Practice (demo)"
HEALTH_VISITING = "Fernhill Health Visiting Service (demo)"
POLICE = "Fernhill Police Public Protection Unit (demo)"
CHARITY = "Harbour Family Support (demo charity)"

AGENCIES = [
    (LA, AgencyKind.LOCAL_AUTHORITY_CHILDRENS_SOCIAL_CARE, True, "ZA100001"),
    (OAKBROOK, AgencyKind.SCHOOL, True, "ZA100002"),
    (ACADEMY, AgencyKind.SCHOOL, True, "ZA100003"),
    (GP, AgencyKind.GP_PRACTICE, True, "ZA100004"),
    (HEALTH_VISITING, AgencyKind.HEALTH_VISITING, True, "ZA100005"),
    (POLICE, AgencyKind.POLICE, True, "ZA100006"),
    (CHARITY, AgencyKind.VOLUNTARY_COMMUNITY, False, "ZA100007"),
]

# (agency, local part of email, name, job title, roles)
PEOPLE = [
    (LA, "sam.social", "Sam Okafor", "Social worker", {Role.PRACTITIONER}),
    (LA, "morgan.manager", "Morgan Reid", "Team manager", {Role.MANAGER, Role.DESIGNATED_SAFEGUARDING_LEAD}),
    (LA, "ivy.ig", "Ivy Gallagher", "Information governance lead", {Role.INFORMATION_GOVERNANCE_LEAD}),
    (LA, "cal.guardian", "Callum Price", "Caldicott guardian", {Role.CALDICOTT_GUARDIAN}),
    (LA, "sara.siro", "Sara Lindqvist", "Senior information risk owner", {Role.SIRO}),
    (LA, "pat.auditor", "Pat Mensah", "Partnership business manager", {Role.PARTNERSHIP_AUDITOR}),
    (OAKBROOK, "tara.teacher", "Tara Bell", "Class teacher", {Role.PRACTITIONER}),
    (OAKBROOK, "dan.dsl", "Dan Hughes", "Designated safeguarding lead", {Role.DESIGNATED_SAFEGUARDING_LEAD, Role.PRACTITIONER}),
    (ACADEMY, "yusuf.year-lead", "Yusuf Khan", "Head of year", {Role.PRACTITIONER}),
    (ACADEMY, "ruth.dsl", "Ruth Adeyemi", "Designated safeguarding lead", {Role.DESIGNATED_SAFEGUARDING_LEAD, Role.PRACTITIONER}),
    (GP, "gina.gp", "Dr Gina Moreau", "General practitioner", {Role.PRACTITIONER}),
    (GP, "carl.caldicott", "Dr Carl Whitby", "Caldicott guardian", {Role.CALDICOTT_GUARDIAN, Role.INFORMATION_GOVERNANCE_LEAD}),
    (HEALTH_VISITING, "hana.hv", "Hana Novak", "Health visitor", {Role.PRACTITIONER}),
    (POLICE, "pc.patel", "PC Ravi Patel", "Police officer", {Role.PRACTITIONER}),
    (CHARITY, "cora.charity", "Cora Flynn", "Family support worker", {Role.PRACTITIONER}),
]


def _years_ago(years: int, month: int, day: int) -> dt.date:
    return dt.date(dt.date.today().year - years, month, day)


# Each family: subjects as (key, details, holding agencies), relationships (person, child, kind, PR), home.
FAMILIES = [
    (
        [
            ("mia", dict(given_name="Mia", family_name="Ashworth", sex=Sex.FEMALE, date_of_birth=_years_ago(7, 3, 14),
                         nhs_number="9995260182", unique_pupil_number="T881200101001"), [LA, OAKBROOK, GP]),
            ("leo", dict(given_name="Leo", family_name="Ashworth", sex=Sex.MALE, date_of_birth=_years_ago(2, 9, 2),
                         nhs_number="9991590838"), [LA, HEALTH_VISITING, GP]),
            ("sarah", dict(given_name="Sarah", family_name="Ashworth", sex=Sex.FEMALE, date_of_birth=_years_ago(31, 1, 20),
                           nhs_number="9990166137"), [LA, GP, HEALTH_VISITING]),
            ("dean", dict(given_name="Dean", family_name="Cole", sex=Sex.MALE, date_of_birth=_years_ago(35, 6, 5),
                          other_names=("Deano Cole",)), [LA, POLICE]),
        ],
        [
            ("sarah", "mia", RelationshipKind.PARENT, True),
            ("sarah", "leo", RelationshipKind.PARENT, True),
            ("dean", "mia", RelationshipKind.PARTNER_OF_PARENT, False),
            ("dean", "leo", RelationshipKind.PARENT, True),
            ("mia", "leo", RelationshipKind.SIBLING, False),
        ],
        Address(lines=("14 Larch Close", "Fernhill"), postcode="FN1 4LC"),
    ),
    (
        [
            ("tyler", dict(given_name="Tyler", family_name="Brennan", sex=Sex.MALE, date_of_birth=_years_ago(15, 11, 30),
                           nhs_number="9991860916", unique_pupil_number="Y881400202001"), [GP, ACADEMY, CHARITY]),
            ("jade", dict(given_name="Jade", family_name="Brennan", sex=Sex.FEMALE, date_of_birth=_years_ago(16, 4, 8),
                          nhs_number="9993909963", unique_pupil_number="M881400202002"), [GP, ACADEMY]),
            ("lorna", dict(given_name="Lorna", family_name="Brennan", sex=Sex.FEMALE, date_of_birth=_years_ago(58, 2, 17),
                           nhs_number="9990308241"), [GP, CHARITY]),
        ],
        [
            ("lorna", "tyler", RelationshipKind.CARER, True),
            ("lorna", "jade", RelationshipKind.CARER, True),
            ("tyler", "jade", RelationshipKind.SIBLING, False),
        ],
        Address(lines=("3 Millrace Court", "Fernhill"), postcode="FN3 2MC"),
    ),
]

@dataclass(frozen=True)
class DemoAccount:
    email: str
    description: str


def demo_accounts(services: SafeShare) -> list[DemoAccount]:
    """The fictional accounts to offer on the sign-in page: none in production, none unless the demo is loaded."""
    if services.context.settings.environment is Environment.PRODUCTION or not services.bootstrap.has_account(ADMIN_EMAIL):
        return []
    accounts = [DemoAccount(ADMIN_EMAIL, f"Alex Admin, System administrator, {LA}")]
    accounts += [DemoAccount(f"{local}@{DOMAIN}", f"{name}, {title}, {agency}") for agency, local, name, title, _roles in PEOPLE]
    return accounts


def load_demo(services: SafeShare) -> bool:
    """Load the demo partnership into an empty database; return False if it is already there."""
    if services.context.settings.environment is Environment.PRODUCTION:
        raise Conflict.of("environment", "the demo partnership is never loaded into a production installation")
    if services.bootstrap.has_account(ADMIN_EMAIL):
        return False
    if not services.bootstrap.is_empty():
        raise Conflict.of("database", "this database already holds a partnership: the demo loads only into an empty one")
    la_name, la_kind, la_s11, la_ico = AGENCIES[0]
    admin = services.bootstrap.first_administrator(
        AgencyDetails(name=la_name, kind=la_kind, section_11_duty=la_s11, ico_registration=la_ico),
        "Alex Admin", ADMIN_EMAIL, DEMO_PASSWORD,
    )
    admin_actor = Actor.of(admin, Channel.CLI)
    agency_ids = {la_name: admin.agency_id}
    for name, kind, s11, ico in AGENCIES[1:]:
        details = AgencyDetails(name=name, kind=kind, section_11_duty=s11, ico_registration=ico)
        agency_ids[name] = services.directory.add_agency(admin_actor, details).id
    staff: dict[str, list[Person]] = {}
    for agency, local, name, title, roles in PEOPLE:
        details = PersonDetails(
            agency_id=agency_ids[agency], name=name, email=f"{local}@{DOMAIN}", job_title=title, roles=frozenset(roles)
        )
        staff.setdefault(agency, []).append(services.directory.add_person(admin_actor, details, DEMO_PASSWORD))
    _name_governance(services, admin_actor, agency_ids, staff)
    for subjects, relationships, home in FAMILIES:
        _load_family(services, agency_ids, staff, subjects, relationships, home)
    return True


def _name_governance(services: SafeShare, admin: Actor, agency_ids: dict, staff: dict[str, list[Person]]) -> None:
    def holder(agency: str, role: Role) -> str | None:
        return next((p.id for p in staff.get(agency, []) if role in p.roles), None)

    for agency in (LA, GP):
        roles = GovernanceRoles(
            lead_information_officer_id=holder(agency, Role.INFORMATION_GOVERNANCE_LEAD),
            caldicott_guardian_id=holder(agency, Role.CALDICOTT_GUARDIAN),
            siro_id=holder(agency, Role.SIRO),
        )
        services.directory.name_governance_roles(admin, agency_ids[agency], roles)


def _load_family(
    services: SafeShare, agency_ids: dict, staff: dict, subjects: list, relationships: list, home: Address
) -> None:
    ids: dict[str, str] = {}
    for key, fields, holders in subjects:
        details = SubjectDetails(addresses=(home,), **fields)
        first_actor = Actor.of(_with_role(staff, holders[0], Role.PRACTITIONER), Channel.CLI)
        ids[key] = services.subjects.add_subject(first_actor, details).id
        linker = Actor.of(_with_role(staff, holders[0], Role.INFORMATION_GOVERNANCE_LEAD), Channel.CLI)
        for other in holders[1:]:
            services.subjects.link_agency(linker, ids[key], agency_ids[other])
    holder_of_all = subjects[0][2][0]  # each family's first holder knows every member
    actor = Actor.of(_with_role(staff, holder_of_all, Role.PRACTITIONER), Channel.CLI)
    for person, child, kind, pr in relationships:
        details = RelationshipDetails(person_id=ids[person], child_id=ids[child], kind=kind, parental_responsibility=pr)
        services.subjects.relate(actor, details)


def _with_role(staff: dict[str, list[Person]], agency: str, role: Role) -> Person:
    return next(p for p in staff[agency] if role in p.roles)
