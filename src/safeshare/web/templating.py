"""The Jinja2 environment: our templates first, then the GOV.UK Frontend macros."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from markupsafe import Markup, escape

from safeshare.domain.permissions import Permission
from safeshare.web import labels

TEMPLATES = Path(__file__).parent / "templates"

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


# Practitioners work in England: times are shown in UK time, whatever the server's zone.
UK_TIME = ZoneInfo("Europe/London")


def _local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(UK_TIME)
    return value


def long_date(value: dt.date | dt.datetime | None) -> str:
    """GOV.UK style: 4 June 2026."""
    if value is None:
        return ""
    value = _local(value)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def date_time(value: dt.datetime | None) -> str:
    """GOV.UK style: 4 June 2026 at 9:30am, in UK time."""
    if value is None:
        return ""
    value = _local(value)
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{long_date(value)} at {hour}{minutes}{suffix}"


def paragraphs(text: str | None) -> Markup:
    """Free text typed by a person, shown as paragraphs; always escaped."""
    if not text:
        return Markup("")
    blocks = [b.strip() for b in str(text).replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(
        Markup('<p class="govuk-body">{}</p>').format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
    )


def nhs_number(value: str | None) -> str:
    """NHS numbers are read in groups of 3, 3 and 4 digits."""
    if not value or len(value) != 10:
        return value or ""
    return f"{value[:3]} {value[3:6]} {value[6:]}"


def field_id(name: str) -> str:
    return name.replace(".", "-")


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(TEMPLATES), PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")})]
        ),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    env.filters["date_time"] = date_time
    env.filters["paragraphs"] = paragraphs
    env.filters["field_id"] = field_id
    env.filters["nhs_number"] = nhs_number
    env.filters["label"] = labels.label
    env.globals["labels"] = labels
    env.globals["Permission"] = Permission  # templates ask `page.may(Permission.X)`: a misspelt name fails, not hides
    return env


def context_defaults() -> dict[str, Any]:
    return {"service_name": "SafeShare"}
