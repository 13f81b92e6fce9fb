"""Every error the caller can fix becomes a 4xx naming the field and the problem; nothing leaks a traceback."""

from __future__ import annotations

import functools
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from safeshare.api.responses import ErrorBody, FieldProblem

from safeshare.domain.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    SafeShareError,
    ServiceUnavailable,
    TooManyAttempts,
)
from safeshare.request_limits import RequestRefused

log = logging.getLogger(__name__)

STATUS = {
    InvalidInput: 422, NotFound: 404, Forbidden: 403, Conflict: 409, AuthenticationFailed: 401, TooManyAttempts: 429,
    ServiceUnavailable: 503,
}


def error_headers(error: SafeShareError) -> dict[str, str] | None:
    """Retry-After on a throttled attempt, the bearer challenge on a refused one."""
    if isinstance(error, TooManyAttempts):
        return {"Retry-After": str(error.retry_after_seconds)}
    if isinstance(error, AuthenticationFailed):
        return {"WWW-Authenticate": "Bearer"}
    return None


def problem_body(message: str, problems: list[dict]) -> dict:
    return ErrorBody(detail=message, errors=[FieldProblem(**problem) for problem in problems]).model_dump()


def body_refused(refused: RequestRefused) -> JSONResponse:
    """A request refused before the route saw it (request_limits.py): too large, too slow, or badly framed."""
    field = {414: "path", 431: "headers"}.get(refused.status, "body")
    return JSONResponse(problem_body(refused.problem, [{"field": field, "problem": refused.problem}]), status_code=refused.status)


def describe_validation_errors(errors) -> list[dict]:
    described = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        message = error.get("msg", "is not valid")
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error.get("type") == "json_invalid":
            message, location = "the request body is not valid JSON", []  # the location is a character offset
        described.append({"field": ".".join(location) or "body", "problem": message})
    return described


@functools.cache
def _path_pattern(template: str) -> re.Pattern:
    return compile_path(template)[0]


def methods_allowed(request: Request) -> list[str]:
    """The methods the published contract gives this path (RFC 9110 15.5.6), from its most specific template
    (`/subjects/search` rather than `/subjects/{subject_id}`): Starlette's own Allow names only those of the
    first route that matched."""
    path = request.url.path
    matching = [(template.count("{"), template) for template in request.app.openapi()["paths"] if _path_pattern(template).match(path)]
    fewest = min((parameters for parameters, _template in matching), default=0)
    paths = request.app.openapi()["paths"]
    return sorted({method.upper() for parameters, template in matching if parameters == fewest for method in paths[template]})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SafeShareError)
    async def _domain_error(_request: Request, error: SafeShareError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        problems = [{"field": p.field, "problem": p.message} for p in error.problems]
        return JSONResponse(problem_body(error.message, problems), status_code=status, headers=error_headers(error))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = error.errors()
        problems = describe_validation_errors(errors)
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        # A body that cannot be parsed is a malformed request (400); one that parses but does not fit is 422.
        unparseable = any(e.get("type") == "json_invalid" for e in errors)
        return JSONResponse(problem_body(summary, problems), status_code=400 if unparseable else 422)

    @app.exception_handler(ValidationError)
    async def _model_invalid(_request: Request, error: ValidationError) -> JSONResponse:
        problems = describe_validation_errors(error.errors())
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(problem_body(summary, problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # Routing's own refusals (no such path, a method the path does not take) in SafeShare's error body too.
        message = error.detail if isinstance(error.detail, str) and error.detail else "the request was refused"
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(methods_allowed(request))
        return JSONResponse(problem_body(message, []), status_code=error.status_code, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, error: IntegrityError) -> JSONResponse:
        # A race lost to a concurrent writer; the transaction was rolled back, so nothing is half-written.
        log.warning("integrity error: %s", type(error.orig).__name__)
        return JSONResponse(problem_body("this conflicts with a record that already exists", []), status_code=409)
