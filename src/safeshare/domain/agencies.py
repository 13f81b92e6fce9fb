"""The partnership directory's agencies (R15)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from safeshare.domain.identifiers import ICO_REGISTRATION_SCHEMA, normalise_ico_registration
from safeshare.domain.model import DomainModel


class AgencyKind(StrEnum):
    LOCAL_AUTHORITY_CHILDRENS_SOCIAL_CARE = "local_authority_childrens_social_care"
    SCHOOL = "school"
    COLLEGE = "college"
    EARLY_YEARS = "early_years"
    GP_PRACTICE = "gp_practice"
    NHS_TRUST = "nhs_trust"
    HEALTH_VISITING = "health_visiting"
    MIDWIFERY = "midwifery"
    CAMHS = "camhs"
    POLICE = "police"
    PROBATION = "probation"
    YOUTH_OFFENDING_TEAM = "youth_offending_team"
    PRISON = "prison"
    VOLUNTARY_COMMUNITY = "voluntary_community"
    OTHER = "other"


class Sector(StrEnum):
    SOCIAL_CARE = "social_care"
    EDUCATION = "education"
    HEALTH = "health"
    JUSTICE = "justice"
    VOLUNTARY = "voluntary"
    OTHER = "other"


SECTOR_OF_KIND: dict[AgencyKind, Sector] = {
    AgencyKind.LOCAL_AUTHORITY_CHILDRENS_SOCIAL_CARE: Sector.SOCIAL_CARE,
    AgencyKind.SCHOOL: Sector.EDUCATION,
    AgencyKind.COLLEGE: Sector.EDUCATION,
    AgencyKind.EARLY_YEARS: Sector.EDUCATION,
    AgencyKind.GP_PRACTICE: Sector.HEALTH,
    AgencyKind.NHS_TRUST: Sector.HEALTH,
    AgencyKind.HEALTH_VISITING: Sector.HEALTH,
    AgencyKind.MIDWIFERY: Sector.HEALTH,
    AgencyKind.CAMHS: Sector.HEALTH,
    AgencyKind.POLICE: Sector.JUSTICE,
    AgencyKind.PROBATION: Sector.JUSTICE,
    AgencyKind.YOUTH_OFFENDING_TEAM: Sector.JUSTICE,
    AgencyKind.PRISON: Sector.JUSTICE,
    AgencyKind.VOLUNTARY_COMMUNITY: Sector.VOLUNTARY,
    AgencyKind.OTHER: Sector.OTHER,
}

# Caldicott guardians are an NHS and adult/children's social care role (003, "Caldicott guardians").
SECTORS_WITH_CALDICOTT_GUARDIAN = frozenset({Sector.HEALTH, Sector.SOCIAL_CARE})


class AgencyDetails(DomainModel):
    """What an administrator types to add or change an agency."""

    name: str = Field(min_length=2, max_length=200)
    kind: AgencyKind
    section_11_duty: bool = Field(
        description="Whether the agency is named in Children Act 2004 s11 (duty to safeguard and promote welfare)."
    )
    ico_registration: str | None = Field(
        default=None, description="ICO data protection fee registration number.", json_schema_extra=ICO_REGISTRATION_SCHEMA
    )

    @field_validator("ico_registration")
    @classmethod
    def _ico_format(cls, value: str | None) -> str | None:
        return normalise_ico_registration(value) if value else None


class GovernanceRoles(DomainModel):
    """Named holders of the agency's information governance roles (004 agency responsibilities, 003)."""

    lead_information_officer_id: str | None = None
    caldicott_guardian_id: str | None = None
    siro_id: str | None = None


class Agency(DomainModel):
    id: str
    details: AgencyDetails
    governance: GovernanceRoles = GovernanceRoles()

    @property
    def name(self) -> str:
        return self.details.name

    @property
    def kind(self) -> AgencyKind:
        return self.details.kind

    @property
    def sector(self) -> Sector:
        return SECTOR_OF_KIND[self.details.kind]

    @property
    def needs_caldicott_guardian(self) -> bool:
        return self.sector in SECTORS_WITH_CALDICOTT_GUARDIAN

    def governance_gaps(self) -> list[str]:
        """Roles the guidance expects this agency to have named but it has not (R15)."""
        gaps = []
        if not self.governance.lead_information_officer_id:
            gaps.append("lead information officer")
        if not self.governance.siro_id:
            gaps.append("senior information risk owner")
        if self.needs_caldicott_guardian and not self.governance.caldicott_guardian_id:
            gaps.append("Caldicott guardian")
        if not self.details.ico_registration:
            gaps.append("ICO registration number")
        return gaps
