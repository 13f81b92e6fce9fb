"""People who use SafeShare, and the closed vocabulary of their roles."""

from __future__ import annotations

from enum import StrEnum

from pydantic import EmailStr, Field, field_validator

from safeshare.domain.model import DomainModel


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    DESIGNATED_SAFEGUARDING_LEAD = "designated_safeguarding_lead"
    MANAGER = "manager"
    INFORMATION_GOVERNANCE_LEAD = "information_governance_lead"
    CALDICOTT_GUARDIAN = "caldicott_guardian"
    SIRO = "siro"
    PARTNERSHIP_AUDITOR = "partnership_auditor"
    SYSTEM_ADMINISTRATOR = "system_administrator"


# Roles that see the whole directory, governance or the partnership's audit: they sign in with a second step
# (a code from an authenticator app) and cannot use SafeShare until they have set it up. Anyone may.
TWO_STEP_ROLES = frozenset({
    Role.SYSTEM_ADMINISTRATOR,
    Role.INFORMATION_GOVERNANCE_LEAD,
    Role.CALDICOTT_GUARDIAN,
    Role.SIRO,
    Role.PARTNERSHIP_AUDITOR,
})


def needs_two_step(roles: frozenset[Role]) -> bool:
    return bool(roles & TWO_STEP_ROLES)


class PersonDetails(DomainModel):
    agency_id: str
    name: str = Field(min_length=2, max_length=200)
    email: EmailStr
    job_title: str = Field(default="", max_length=200)
    roles: frozenset[Role] = Field(min_length=1)

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str) -> str:
        return value.lower()


class Person(DomainModel):
    id: str
    details: PersonDetails
    disabled: bool = False

    @property
    def agency_id(self) -> str:
        return self.details.agency_id

    @property
    def roles(self) -> frozenset[Role]:
        return self.details.roles


class Contact(DomainModel):
    """A person as their colleagues across the partnership see them: enough to address information to them.

    Email addresses, roles and whether an account is disabled are for whoever manages the directory
    (`Person`, `people:manage`), not for everyone who can sign in.
    """

    id: str
    name: str
    job_title: str
    agency_id: str
    receives_disclosures: bool
