"""The children and adults information is about, and how they are related."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from safeshare.domain.identifiers import NHS_NUMBER_SCHEMA, UPN_SCHEMA, normalise_nhs_number, normalise_upn
from safeshare.domain.model import DomainModel


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_KNOWN = "not_known"


class Address(DomainModel):
    lines: tuple[str, ...] = Field(min_length=1, max_length=5)
    postcode: str = Field(default="", max_length=10)
    current: bool = True


class SubjectDetails(DomainModel):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    other_names: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = Field(
        default=(), max_length=20, description="Previous names, aliases, other spellings."
    )
    date_of_birth: dt.date | None = None
    sex: Sex = Sex.NOT_KNOWN
    nhs_number: str | None = Field(
        default=None, description="Ten digits; the check digit is validated.", json_schema_extra=NHS_NUMBER_SCHEMA
    )
    unique_pupil_number: str | None = Field(
        default=None, description="Thirteen characters; the check letter is validated.", json_schema_extra=UPN_SCHEMA
    )
    addresses: tuple[Address, ...] = ()

    @field_validator("nhs_number")
    @classmethod
    def _nhs_number(cls, value: str | None) -> str | None:
        return normalise_nhs_number(value) if value else None

    @field_validator("unique_pupil_number")
    @classmethod
    def _upn(cls, value: str | None) -> str | None:
        return normalise_upn(value) if value else None

    @field_validator("date_of_birth")
    @classmethod
    def _not_in_future(cls, value: dt.date | None) -> dt.date | None:
        if value and value > dt.date.today():
            raise ValueError("the date of birth cannot be in the future")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Subject(DomainModel):
    id: str
    details: SubjectDetails
    held_by: frozenset[str] = Field(description="Ids of the agencies that know this subject.")


class SubjectHolders(DomainModel):
    """Which agencies know a subject, without the subject's details: what linking another agency returns."""

    id: str
    held_by: frozenset[str] = Field(description="Ids of the agencies that know this subject.")


class RelationshipKind(StrEnum):
    PARENT = "parent"
    CARER = "carer"
    SIBLING = "sibling"
    PARTNER_OF_PARENT = "partner_of_parent"
    OTHER_HOUSEHOLD_MEMBER = "other_household_member"


# A sibling who cares for a child under an order is recorded as a carer, so siblings never hold it here.
KINDS_THAT_CAN_HOLD_PARENTAL_RESPONSIBILITY = frozenset(
    {
        RelationshipKind.PARENT,
        RelationshipKind.CARER,
        RelationshipKind.PARTNER_OF_PARENT,
        RelationshipKind.OTHER_HOUSEHOLD_MEMBER,
    }
)


class RelationshipDetails(DomainModel):
    """`person_id` is the `kind` of `child_id`: e.g. the person is the parent of the child."""

    person_id: str
    child_id: str
    kind: RelationshipKind
    parental_responsibility: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> RelationshipDetails:
        if self.person_id == self.child_id:
            raise ValueError("a person cannot be related to themselves")
        if self.parental_responsibility and self.kind not in KINDS_THAT_CAN_HOLD_PARENTAL_RESPONSIBILITY:
            raise ValueError(f"a {self.kind.value.replace('_', ' ')} is not recorded as holding parental responsibility")
        return self


class Relationship(DomainModel):
    id: str
    details: RelationshipDetails


def holders_of_parental_responsibility(child_id: str, relationships: list[Relationship]) -> list[str]:
    """People who may consent for a child who cannot consent themselves (004 Appendix 1 q4)."""
    return [
        r.details.person_id
        for r in relationships
        if r.details.child_id == child_id and r.details.parental_responsibility
    ]
