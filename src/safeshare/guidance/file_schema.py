"""JSON Schemas for guidance and overlay files, and a checker that reports file and line.

The schemas only fix the shape of the files. Cross-references (does that step exist? is that a
real case-facts field?) are checked later, with the whole guidance in view.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from .errors import GuidanceError
from .yaml_source import LocDict, LocList

FORMAT = 1
ID = r"^[a-z0-9][a-z0-9_.-]{0,79}$"

_text = {"type": "string", "minLength": 1}
_id = {"type": "string", "pattern": ID}
_ids = {"type": "array", "items": _id}
_iri = {"type": ["string", "null"], "pattern": r"^https://\S+$"}

_cite = {
    "type": "object",
    "additionalProperties": False,
    "required": ["doc", "section"],
    "properties": {"doc": _text, "section": _text, "para": _text},
}
_requirements = {"type": "array", "items": {"type": "string", "pattern": r"^R([1-9]|1[0-9]|2[0-2])$"}}
_scalar = {"type": ["string", "boolean", "integer", "null"]}
_condition = {
    "type": "object",
    "minProperties": 1,
    "properties": {
        "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
        "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
        "not": {"$ref": "#/$defs/condition"},
    },
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "minItems": 1, "items": _scalar},
            {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": {
                    "not": {"type": "array", "minItems": 1, "items": _scalar},
                    "any_of": {"type": "array", "minItems": 1, "items": _scalar},
                    "empty": {"type": "boolean"},
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                },
            },
        ]
    },
}


def _item(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": ["id", *required], "properties": {"id": _id, **props}}


_source = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title"],
    "properties": {"id": _text, "title": _text, "publisher": _text, "date": _text, "file": _text, "url": _text},
}

_branch = _item(
    ["explain"],
    when={"$ref": "#/$defs/condition"},
    outcome={"type": "string"},
    route=_id,
    next=_id,
    explain=_text,
    cite=_cite,
)
_branch["oneOf"] = [{"required": ["outcome", "route"], "not": {"required": ["next"]}}, {"required": ["next"], "not": {"required": ["outcome"]}}]

_step = _item(
    ["text", "asks", "cite", "branches"],
    text=_text,
    asks={"type": "array", "minItems": 1, "items": _id},
    cite=_cite,
    requirements=_requirements,
    branches={"type": "array", "minItems": 1, "items": _branch},
)

_option = {
    "type": "object",
    "additionalProperties": False,
    "required": ["value", "label"],
    "properties": {"value": _scalar, "label": _text, "help": _text},
}

ITEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "questions": _item(
        ["field", "text", "help", "cite"],
        field={"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
        text=_text,
        help=_text,
        options={"type": "array", "items": _option},
        ask_when={"$ref": "#/$defs/condition"},
        cite=_cite,
        requirements=_requirements,
        # Ids of golden rules, principles or myths to read with the question (checked by the compiler).
        see_also={"type": "array", "minItems": 1, "uniqueItems": True, "items": _id},
    ),
    "steps": _step,
    "advice_rules": _item(
        [],
        when={"$ref": "#/$defs/condition"},
        lawful_bases=_ids,
        record=_ids,
        principles=_ids,
        contacts=_ids,
        actions=_ids,
    ),
    "inform_family_rules": _item(["decision", "reason", "cite"], when={"$ref": "#/$defs/condition"}, decision=_text, reason=_text, cite=_cite),
    "actions": _item(["text", "cite"], text=_text, cite=_cite),
    "lawful_bases": _item(
        ["kind", "label", "summary", "cite"],
        kind=_text,
        label=_text,
        summary=_text,
        dpv_iri=_iri,
        dpv_gdpr_iri=_iri,
        dpv_law_iri=_iri,
        legislation_url=_iri,
        cite=_cite,
    ),
    "principles": _item(["name", "summary", "cite"], name=_text, summary=_text, cite=_cite),
    "golden_rules": _item(["number", "title", "text", "cite"], number={"type": "integer", "minimum": 1}, title=_text, text=_text, cite=_cite),
    "myths": _item(["myth", "reality", "cite"], myth=_text, reality=_text, cite=_cite),
    "contacts": _item(
        ["role", "when_to_contact", "cite"],
        role=_text,
        when_to_contact=_text,
        how_to_contact=_text,
        without_identifying={"type": "boolean"},
        cite=_cite,
    ),
    "purpose_categories": _item(["label", "help"], label=_text, help=_text, cite=_cite),
    "local_purposes": _item(["category", "label", "help", "cite"], category=_text, label=_text, help=_text, cite=_cite),
    "record_fields": _item(["label", "help", "cite"], label=_text, help=_text, cite=_cite),
    "outcomes": _item(["label", "help"], label=_text, help=_text),
}

# Sections holding id-keyed lists (flow steps live under flow.steps).
LIST_SECTIONS = tuple(k for k in ITEM_SCHEMAS if k != "steps")
# Lists whose last entry must be a catch-all; `add` places new entries before it.
CATCH_ALL_LISTS = frozenset({"branches", "inform_family_rules"})

_manifest = {
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "id", "title", "kind", "published", "sources"],
    "properties": {
        "format": {"const": FORMAT},
        "id": _id,
        "title": _text,
        "kind": {"enum": ["national", "local"]},
        "published": _text,
        "summary": _text,
        "default": {"type": "boolean"},
        "extends": _id,
        "sources": {"type": "array", "items": _source},
    },
}

_flow = {
    "type": "object",
    "additionalProperties": False,
    "required": ["start", "steps"],
    "properties": {"start": _id, "steps": {"type": "array", "minItems": 1, "items": _step}},
}

GUIDANCE_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "SafeShare guidance file",
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "manifest": _manifest,
        "flow": _flow,
        **{name: {"type": "array", "items": ITEM_SCHEMAS[name]} for name in LIST_SECTIONS},
    },
    "$defs": {"condition": _condition},
}


def _list_patch(item_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "remove": _ids,
            "replace": {"type": "array", "items": item_schema},
            "insert": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["item"],
                    "oneOf": [{"required": ["before"]}, {"required": ["after"]}],
                    "properties": {"before": _id, "after": _id, "item": item_schema},
                },
            },
            "add": {"type": "array", "items": item_schema},
        },
    }


_branch_patch = _list_patch(_branch)
_branch_patch["required"] = ["step"]
_branch_patch["properties"]["step"] = _id
_branch_patch["properties"]["also_asks"] = {"type": "array", "minItems": 1, "items": _id}  # new branches may test new questions
_branch_patch["minProperties"] = 2

_patches = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "flow": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {
                "start": _id,
                "steps": _list_patch(_step),
                "branches": {"type": "array", "items": _branch_patch},
            },
        },
        **{name: _list_patch(ITEM_SCHEMAS[name]) for name in LIST_SECTIONS},
    },
}

OVERLAY_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "SafeShare guidance overlay",
    "type": "object",
    "additionalProperties": False,
    "required": ["overlay", "patches"],
    "properties": {
        "overlay": {
            "type": "object",
            "additionalProperties": False,
            "required": ["format", "id", "title", "applies_to"],
            "properties": {
                "format": {"const": FORMAT},
                "id": _id,
                "title": _text,
                "summary": _text,
                "applies_to": {"type": "array", "minItems": 1, "items": _id},
                "sources": {"type": "array", "items": _source},
            },
        },
        "patches": _patches,
    },
    "$defs": {"condition": _condition},
}

# A version that extends another holds patches only (plus its manifest file).
PATCH_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["patches"],
    "properties": {"patches": _patches},
    "$defs": {"condition": _condition},
}

_VALIDATORS = {
    id(schema): Draft202012Validator(schema)
    for schema in (GUIDANCE_FILE_SCHEMA, OVERLAY_FILE_SCHEMA, PATCH_FILE_SCHEMA)
}


def _line_for(document: Any, path: list[str | int]) -> int | None:
    node, line = document, getattr(document, "line", None)
    for step in path:
        if isinstance(node, LocDict) and isinstance(step, str) and step in node:
            line, node = node.line_of(step), node[step]
        elif isinstance(node, LocList) and isinstance(step, int) and step < len(node):
            line, node = node.line_of(step), node[step]
        else:
            break
    return line


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    if error.validator == "oneOf" and error.schema is _branch:
        message = "a branch needs either 'outcome' with 'route', or 'next' (not both)"
    elif error.validator == "oneOf" and isinstance(error.instance, dict) and "item" in error.instance:
        message = "an insert needs exactly one of 'before' or 'after'"
    else:
        message = error.message
    return f"{message} (at {where})" if where else message


def check_shape(document: Any, schema: dict[str, Any], file: str) -> None:
    """Raise GuidanceError for the first structural problem, pointing at its line."""
    if not isinstance(document, dict):
        raise GuidanceError(file, getattr(document, "line", 1), "the file must be a mapping of sections")
    validator = _VALIDATORS[id(schema)]
    error = best_match(validator.iter_errors(document))
    if error is None:
        return
    path = list(error.absolute_path)
    line = _line_for(document, path)
    if error.validator == "additionalProperties" and isinstance(error.instance, LocDict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            line = error.instance.line_of(extra[0])
    raise GuidanceError(file, line, _describe(error))
