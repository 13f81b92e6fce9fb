"""Plain-English names for the domain's closed vocabularies, as people read them on a page.

Words that belong to the guidance (questions, outcomes, purposes, record fields) come from the
guidance data instead; these are the directory's and the record's own words.
"""

from __future__ import annotations

from enum import Enum

from safeshare.domain.advice import InformDecision
from safeshare.domain.agencies import AgencyKind, Sector
from safeshare.domain.consent import CapacityBasis, ConflictKind, ConsentStatus, GiverKind, ObtainedBy
from safeshare.domain.decisions import Decision, ItemKind
from safeshare.domain.people import Role
from safeshare.domain.subjects import RelationshipKind, Sex

ROLE = {
    Role.PRACTITIONER: "Practitioner",
    Role.DESIGNATED_SAFEGUARDING_LEAD: "Designated safeguarding lead",
    Role.MANAGER: "Manager",
    Role.INFORMATION_GOVERNANCE_LEAD: "Information governance lead",
    Role.CALDICOTT_GUARDIAN: "Caldicott guardian",
    Role.SIRO: "Senior information risk owner (SIRO)",
    Role.PARTNERSHIP_AUDITOR: "Partnership auditor",
    Role.SYSTEM_ADMINISTRATOR: "System administrator",
}

ROLE_HINT = {
    Role.PRACTITIONER: "Works with children and families, and decides what to share.",
    Role.DESIGNATED_SAFEGUARDING_LEAD: "Advises colleagues and oversees sharing in their agency.",
    Role.MANAGER: "Manages practitioners and oversees sharing in their team.",
    Role.INFORMATION_GOVERNANCE_LEAD: "Advises on data protection; does not see case records because of this role.",
    Role.CALDICOTT_GUARDIAN: "Protects the confidentiality of health and care information.",
    Role.SIRO: "Owns the agency's information risk.",
    Role.PARTNERSHIP_AUDITOR: "Checks how sharing is going across the partnership, without seeing case records.",
    Role.SYSTEM_ADMINISTRATOR: "Manages agencies and accounts; does not see case records.",
}

AGENCY_KIND = {
    AgencyKind.LOCAL_AUTHORITY_CHILDRENS_SOCIAL_CARE: "Local authority children's social care",
    AgencyKind.SCHOOL: "School",
    AgencyKind.COLLEGE: "College",
    AgencyKind.EARLY_YEARS: "Early years setting",
    AgencyKind.GP_PRACTICE: "GP practice",
    AgencyKind.NHS_TRUST: "NHS trust",
    AgencyKind.HEALTH_VISITING: "Health visiting service",
    AgencyKind.MIDWIFERY: "Midwifery service",
    AgencyKind.CAMHS: "Children and young people's mental health service (CAMHS)",
    AgencyKind.POLICE: "Police",
    AgencyKind.PROBATION: "Probation",
    AgencyKind.YOUTH_OFFENDING_TEAM: "Youth offending team",
    AgencyKind.PRISON: "Prison",
    AgencyKind.VOLUNTARY_COMMUNITY: "Voluntary or community organisation",
    AgencyKind.OTHER: "Other",
}

SECTOR = {
    Sector.SOCIAL_CARE: "Social care",
    Sector.EDUCATION: "Education",
    Sector.HEALTH: "Health",
    Sector.JUSTICE: "Justice",
    Sector.VOLUNTARY: "Voluntary",
    Sector.OTHER: "Other",
}

SEX = {Sex.FEMALE: "Female", Sex.MALE: "Male", Sex.OTHER: "Other", Sex.NOT_KNOWN: "Not known"}

RELATIONSHIP = {
    RelationshipKind.PARENT: "Parent",
    RelationshipKind.CARER: "Carer",
    RelationshipKind.SIBLING: "Brother or sister",
    RelationshipKind.PARTNER_OF_PARENT: "Partner of a parent",
    RelationshipKind.OTHER_HOUSEHOLD_MEMBER: "Other member of the household",
}

DECISION = {Decision.SHARE: "Share", Decision.DO_NOT_SHARE: "Do not share"}

DECISION_PAST = {Decision.SHARE: "Shared", Decision.DO_NOT_SHARE: "Not shared"}

ITEM_KIND = {ItemKind.FACT: "Fact", ItemKind.OPINION: "Opinion"}

INFORM = {
    InformDecision.inform_before_sharing: "Tell them before sharing",
    InformDecision.inform_after_sharing: "Tell them after sharing",
    InformDecision.do_not_inform: "Do not tell them",
    InformDecision.not_applicable: "Does not apply",
}

GIVER = {
    GiverKind.CHILD: "The child, whose competence to decide was assessed",
    GiverKind.YOUNG_PERSON_16_17: "The young person (16 or 17)",
    GiverKind.PARENTAL_RESPONSIBILITY: "A person with parental responsibility",
    GiverKind.SOMEONE_ELSE: "Someone else",
}

CAPACITY = {
    CapacityBasis.COMPETENCE_ASSESSED: "Their competence to decide was assessed",
    CapacityBasis.AGE: "Their age: 16 or 17, or an adult presumed able to decide",
    CapacityBasis.MENTAL_CAPACITY_CONCERN: "There is a doubt about their mental capacity",
}

CONSENT_STATUS = {ConsentStatus.GIVEN: "Given", ConsentStatus.REFUSED: "Refused", ConsentStatus.WITHDRAWN: "Withdrawn"}

OBTAINED_BY = {ObtainedBy.IN_PERSON: "In person", ObtainedBy.WRITTEN: "In writing", ObtainedBy.PHONE: "By phone"}

CONFLICT = {
    ConflictKind.CHILD_AND_PARENT: "The child and a parent disagree",
    ConflictKind.PARENTS: "People with parental responsibility disagree",
    ConflictKind.CAPACITY_DOUBT: "A doubt about capacity",
}

_ALL: dict[type[Enum], dict] = {
    GiverKind: GIVER,
    CapacityBasis: CAPACITY,
    ConsentStatus: CONSENT_STATUS,
    ObtainedBy: OBTAINED_BY,
    ConflictKind: CONFLICT,
    Role: ROLE,
    AgencyKind: AGENCY_KIND,
    Sector: SECTOR,
    Sex: SEX,
    RelationshipKind: RELATIONSHIP,
    Decision: DECISION,
    ItemKind: ITEM_KIND,
    InformDecision: INFORM,
}


def label(value: object) -> str:
    """The plain-English name of a vocabulary value; unknown values fall back to readable words."""
    if isinstance(value, Enum):
        table = _ALL.get(type(value))
        if table and value in table:
            return table[value]
        value = value.value
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def roles_text(roles) -> str:
    return ", ".join(sorted(ROLE[r] for r in roles))
