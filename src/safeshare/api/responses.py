"""The error responses every API operation may give, declared once from what each route takes, so that a new route
publishes them without any work of its own and the OpenAPI document says what the server really answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

REF = "#/components/schemas/{model}"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FieldProblem(BaseModel):
    model_config = ConfigDict(extra="forbid", title="FieldProblem")

    field: str = Field(description="The field at fault, dotted where nested (`advice_sought.0.at`), or `body`.")
    problem: str = Field(description="What is wrong with it, in words a person can act on.")


class ErrorBody(BaseModel):
    """SafeShare's error body: every 4xx (and the rare 500) has it, so a client reads every error one way."""

    model_config = ConfigDict(extra="forbid", title="Error")

    detail: str = Field(min_length=1, description="What went wrong, in one sentence.")
    errors: list[FieldProblem] = Field(description="Each field at fault; empty when the problem is not a field's.")


_ERROR_CONTENT = {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "Always `Bearer` (RFC 6750).", "required": True, "schema": {"type": "string"}}
}

#: What each status means in SafeShare, whichever operation gives it.
MEANINGS: dict[int, str] = {
    400: "The request body is not JSON that can be parsed.",
    401: "No bearer token, or one that is unknown, expired or signed out; or, when signing in, wrong credentials.",
    403: "Signed in, but your role or agency may not do this.",
    404: "No such record, or one you may not know exists.",
    409: "Conflicts with the current state of the record, or with another record.",
    413: "The request body is larger than SafeShare accepts.",
    422: "A parameter or field is missing or not valid: `errors` names each one and says why.",
    429: "Too many attempts: wait before trying again.",
}
_HEADERS = {401: _WWW_AUTHENTICATE, 429: _RETRY_AFTER}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The declarations of these statuses, for a route that gives one that cannot be told from what it takes."""
    return {status: _declaration(status) for status in statuses}


def _declaration(status: int) -> dict[str, Any]:
    declared: dict[str, Any] = {"description": MEANINGS[status], "content": _ERROR_CONTENT}
    if status in _HEADERS:
        declared["headers"] = _HEADERS[status]
    return declared


def statuses_given(method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, told from what it takes: a token, a body, parameters, ids."""
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody")
    statuses: set[int] = set()
    if body:
        statuses |= {400, 413}
    if operation.get("security"):
        statuses |= {401, 403}
    if body or parameters:
        statuses.add(422)
    names_a_record = any(p["in"] == "path" or _names_a_record(p["name"]) for p in parameters)
    if names_a_record or (body and _body_names_a_record(body, schemas)):
        statuses.add(404)
    if method.upper() in WRITES and operation.get("security"):
        statuses.add(409)
    return statuses


def _names_a_record(name: str) -> bool:
    return name.endswith(("_id", "_ids"))


def _body_names_a_record(body: dict[str, Any], schemas: dict[str, Any]) -> bool:
    schema = body["content"]["application/json"]["schema"]
    if "$ref" not in schema and "properties" not in schema:
        return True  # a free-form body (a FHIR resource) may name anything
    return any(_names_a_record(name) for name in _property_names(schema, schemas, set()))


def _property_names(schema: Any, schemas: dict[str, Any], seen: set[str]) -> Iterator[str]:
    """Every property name in a schema and the schemas it refers to, however deep."""
    if isinstance(schema, dict):
        reference = schema.get("$ref")
        if isinstance(reference, str) and reference not in seen:
            seen.add(reference)
            yield from _property_names(schemas[reference.rsplit("/", 1)[1]], schemas, seen)
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from _property_names(value, schemas, seen)
    elif isinstance(schema, list):
        for item in schema:
            yield from _property_names(item, schemas, seen)


def _with_error_responses(document: dict[str, Any], prefix: str) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template=REF)
    schemas.update(error_schema.pop("$defs"))
    schemas["Error"] = error_schema
    for path, operations in document["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            if _is_fastapis_validation_error(responses.get("422")):
                del responses["422"]
            for status in sorted(statuses_given(method, operation, schemas)):
                responses.setdefault(str(status), _declaration(status))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"{REF.format(model=unused)}"' not in json.dumps(document["paths"]):
            schemas.pop(unused, None)
    return document


def _is_fastapis_validation_error(declared: dict[str, Any] | None) -> bool:
    schema = (declared or {}).get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") == REF.format(model="HTTPValidationError")


def publish_contract(app: FastAPI, prefix: str) -> None:
    """Publish each API operation's error responses (its own declarations win) and SafeShare's error body by name."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_error_responses(generate(), prefix)
        return app.openapi_schema

    app.openapi = openapi
