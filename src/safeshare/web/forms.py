"""Reading submitted forms, and turning every kind of refusal into the GOV.UK error summary pattern.

Rules live in the domain and the services; this module only reads what was typed and explains what
came back, naming the field so the error summary can link to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from safeshare.domain.errors import SafeShareError
from safeshare.services.idempotency import HEADER as IDEMPOTENCY_KEY
from safeshare.web.templating import field_id

# Generous limits so a pasted answer is never silently cut, but no form can carry a book.
MAX_FIELD_CHARS = 20_000
# The form's hidden idempotency key was refused: the same form sent before with other answers, or altered in transit.
# The page is shown again with a new key, so sending it again is a new request.
FORM_ALREADY_SENT = "This form was already sent with different answers. Check what was recorded before you send it again"


class Form:
    """Submitted values, trimmed. Missing fields read as an empty string."""

    def __init__(self, data: FormData | Mapping[str, Any] | None = None):
        self._data = data if data is not None else {}

    def get(self, name: str) -> str:
        value = self._data.get(name)
        if value is None or not isinstance(value, str):
            return ""
        return value.strip()[:MAX_FIELD_CHARS]

    def raw(self, name: str) -> str:
        value = self._data.get(name)
        return value[:MAX_FIELD_CHARS] if isinstance(value, str) else ""

    def getlist(self, name: str) -> list[str]:
        getter = getattr(self._data, "getlist", None)
        values = getter(name) if getter else ([self._data[name]] if name in self._data else [])
        return [v.strip() for v in values if isinstance(v, str) and v.strip()]

    def optional(self, name: str) -> str | None:
        return self.get(name) or None

    def lines(self, name: str) -> list[str]:
        return [line.strip() for line in self.raw(name).splitlines() if line.strip()]

    def __contains__(self, name: str) -> bool:
        return name in self._data


class FormErrors:
    """Errors by field, in the order found; the first message for a field wins."""

    def __init__(self, labels: Mapping[str, str] | None = None, aliases: Mapping[str, str] | None = None):
        self.messages: dict[str, str] = {}
        self.anchors: dict[str, str] = {}
        self.labels = dict(labels or {})
        # A service may name a field differently from the form, e.g. "recipients" for "recipients.0.agency_id".
        self.aliases = dict(aliases or {})

    def __bool__(self) -> bool:
        return bool(self.messages)

    def __contains__(self, name: str) -> bool:
        return name in self.messages

    def resolve(self, name: str) -> str:
        """The form's name for a field a service or model named, matching the longest known prefix."""
        if name in self.aliases:
            return self.aliases[name]
        parts = name.split(".")
        for end in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in self.aliases:
                return self.aliases[prefix]
        return name

    def add(self, name: str, message: str, anchor: str | None = None) -> None:
        if name == IDEMPOTENCY_KEY:
            name, message = "form", FORM_ALREADY_SENT
        name = self.resolve(name)
        if name not in self.messages:
            self.messages[name] = sentence(message)
        if anchor:
            self.anchors[name] = anchor

    def anchor_for(self, name: str, anchor: str) -> None:
        self.anchors.setdefault(name, anchor)

    def message(self, name: str) -> dict[str, str] | None:
        """The `errorMessage` parameter of a GOV.UK macro, or None when the field is fine."""
        text = self.messages.get(name)
        return {"text": text} if text else None

    def summary(self) -> list[dict[str, str]]:
        items = []
        for name, text in self.messages.items():
            anchor = self.anchors.get(name, field_id(name))
            items.append({"text": text, "href": anchor if anchor.startswith("/") else "#" + anchor})
        return items

    def label(self, name: str) -> str:
        return self.labels.get(self.resolve(name), "")

    def from_problems(self, error: SafeShareError, fallback: str | None = None) -> None:
        """A service's refusal: one error per problem it named, else its message against `fallback`."""
        if error.problems:
            for problem in error.problems:
                self.add(problem.field, problem.message)
        else:
            self.add(fallback or "form", _strip_field(error.message))

    def from_validation(self, error: ValidationError, prefix: Iterable[str] = ()) -> None:
        skip = tuple(prefix)
        for item in error.errors():
            location = [str(p) for p in item.get("loc", ())]
            if skip and tuple(location[: len(skip)]) == skip:
                location = location[len(skip):]
            name = ".".join(location) or "form"
            self.add(name, validation_message(item, self.label(name)))


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _strip_field(message: str) -> str:
    """Domain messages read 'field: problem'; the page already says which field."""
    head, sep, tail = message.partition(": ")
    return tail if sep and " " not in head else message


def validation_message(item: Mapping[str, Any], label: str = "") -> str:
    kind = item.get("type", "")
    context = item.get("ctx") or {}
    what = label.lower() if label else "this"
    if kind in ("missing", "string_too_short") and context.get("min_length", 1) <= 1:
        return f"Enter {what}" if label else "Enter an answer"
    if kind == "string_too_short":
        return f"{label or 'This'} must be {context['min_length']} characters or more"
    if kind == "string_too_long":
        return f"{label or 'This'} must be {context['max_length']} characters or fewer"
    if kind == "too_short":
        return f"Enter at least {context.get('min_length', 1)} {what}" if label else "Enter at least one"
    if kind == "too_long":
        return f"{label or 'This'} can have at most {context.get('max_length')} entries"
    if kind in ("enum", "literal_error", "bool_parsing", "bool_type"):
        return f"Select {what}" if label else "Select an option"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{label or 'This'} must be a whole number"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = context.get("ge", context.get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return f"{label or 'This'} must be {word} {bound}"
    if kind == "value_error" and "email" in str(item.get("msg", "")).lower():
        return "Enter an email address in the correct format, like name@example.org"
    message = str(item.get("msg", "is not valid")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return sentence(message)


def parse_date(form: Form, name: str, errors: FormErrors, label: str, required: bool = False) -> dt.date | None:
    """Read a GOV.UK date input (name-day, name-month, name-year) and explain what is wrong with it."""
    day, month, year = (form.get(f"{name}-{part}") for part in ("day", "month", "year"))
    anchor = f"{field_id(name)}-day"
    errors.anchor_for(name, anchor)
    if not (day or month or year):
        if required:
            errors.add(name, f"Enter {label.lower()}", anchor)
        return None
    missing = [part for part, value in (("day", day), ("month", month), ("year", year)) if not value]
    if missing:
        first = {"day": "day", "month": "month", "year": "year"}[missing[0]]
        errors.add(name, f"{label} must include a {' and '.join(missing)}", f"{field_id(name)}-{first}")
        return None
    try:
        value = dt.date(int(year), int(month), int(day))
    except ValueError:
        errors.add(name, f"{label} must be a real date", anchor)
        return None
    if len(year) != 4:
        errors.add(name, "Year must include 4 numbers", f"{field_id(name)}-year")
        return None
    return value


def date_parts(form: Form, name: str, value: dt.date | None = None) -> dict[str, str]:
    """Values to show in a date input: what was typed, else the stored date."""
    if any(f"{name}-{part}" in form for part in ("day", "month", "year")):
        return {part: form.get(f"{name}-{part}") for part in ("day", "month", "year")}
    if value is None:
        return {"day": "", "month": "", "year": ""}
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


def date_items(name: str, parts: Mapping[str, str], errors: FormErrors) -> list[dict[str, Any]]:
    """The `items` of a GOV.UK date input, with the error class on the fields at fault."""
    wrong = name in errors
    widths = {"day": 2, "month": 2, "year": 4}
    return [
        {
            "name": part,
            "label": part.capitalize(),
            "value": parts.get(part, ""),
            "classes": f"govuk-input--width-{widths[part]}" + (" govuk-input--error" if wrong else ""),
            "inputmode": "numeric",
        }
        for part in ("day", "month", "year")
    ]


def moment_on(day: dt.date | None, now: dt.datetime) -> dt.datetime | None:
    """A date typed without a time, as a moment: midday, or now if that is still to come today."""
    if day is None:
        return None
    midday = dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
    return min(midday, now) if day == now.date() else midday
