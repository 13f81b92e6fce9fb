"""Base for the domain's value objects: immutable, validated, and strict about unknown fields."""

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

NUL = "\x00"
_SEQUENCES = (tuple, list, frozenset)


def refuse_nul_characters(value):
    """U+0000 is no part of any text a person types, PostgreSQL cannot store it, and it cuts strings short in C."""
    kind = type(value)
    if (kind is str and NUL in value) or (kind in _SEQUENCES and any(type(v) is str and NUL in v for v in value)):
        raise ValueError("text may not contain the NUL character (U+0000)")
    return value


#: Text without U+0000, as a JSON Schema pattern, so the published schema says what refuse_nul_characters refuses.
NO_NUL_PATTERN = "^[^\\u0000]*$"


def declare_no_nul_characters(schema: dict[str, Any]) -> None:
    """In a model's JSON Schema, give each free-text property (and each text item of a list) the no-NUL pattern."""
    for property_schema in schema.get("properties", {}).values():
        _no_nul(property_schema)


def _no_nul(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and not {"enum", "const", "format", "pattern"} & schema.keys():
        schema["pattern"] = NO_NUL_PATTERN
    for alternative in schema.get("anyOf", ()):
        _no_nul(alternative)
    if isinstance(schema.get("items"), dict):
        _no_nul(schema["items"])


class DomainModel(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, json_schema_extra=declare_no_nul_characters
    )

    _no_nul_characters = field_validator("*")(refuse_nul_characters)


def _in_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-11-01T10:00:00Z")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before the first representable instant
        raise ValueError("is too far in the past or future") from None


#: The largest integer every JSON parser keeps exactly (RFC 7493, I-JSON, 2.2): the offsets a client sends stay
#: within it, below the database's 64-bit limit.
LARGEST_SENT_NUMBER = 2**53 - 1
#: Ledger numbers are kept in INTEGER columns, 32 bits on PostgreSQL: a larger one names no record, and must not
#: reach the database, which would refuse to compare it.
LARGEST_LEDGER_NUMBER = 2**31 - 1
#: A record's number in a ledger.
LedgerNumber = Annotated[int, Field(ge=1, le=LARGEST_LEDGER_NUMBER)]

#: A moment given by a person or a system: it must say its time zone, and is kept in UTC.
Instant = Annotated[dt.datetime, AfterValidator(_in_utc)]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _written_as_a_date(value):
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("give a date as YYYY-MM-DD")
    return value


#: A day, written YYYY-MM-DD wherever it arrives as text (a query string): never a number of seconds since 1970.
IsoDate = Annotated[dt.date, BeforeValidator(_written_as_a_date)]

#: One item in a list of the information asked for, shared or covered: a short phrase.
InformationItem = Annotated[str, Field(min_length=1, max_length=200)]


def distinct_entries(**field) -> Any:
    """A list whose entries may each appear once, said in the schema (uniqueItems) as well as checked."""
    return Field(json_schema_extra={"uniqueItems": True}, **field)
