"""Base for the domain's value objects: immutable, validated, and strict about unknown fields."""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

NUL = "\x00"
_SEQUENCES = (tuple, list, frozenset)


def refuse_nul_characters(value):
    """U+0000 is no part of any text a person types, PostgreSQL cannot store it, and it cuts strings short in C."""
    kind = type(value)
    if (kind is str and NUL in value) or (kind in _SEQUENCES and any(type(v) is str and NUL in v for v in value)):
        raise ValueError("text may not contain the NUL character (U+0000)")
    return value


class DomainModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    _no_nul_characters = field_validator("*")(refuse_nul_characters)


def _in_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-11-01T10:00:00Z")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before the first representable instant
        raise ValueError("is too far in the past or future") from None


#: The largest number a database keeps in a 64-bit integer column: ledger numbers and offsets stay below it.
LARGEST_NUMBER = 2**63 - 1
#: A record's number in a ledger.
LedgerNumber = Annotated[int, Field(ge=1, le=LARGEST_NUMBER)]

#: A moment given by a person or a system: it must say its time zone, and is kept in UTC.
Instant = Annotated[dt.datetime, AfterValidator(_in_utc)]
