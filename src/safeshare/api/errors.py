"""Every error the caller can fix becomes a 4xx naming the field and the problem; nothing leaks a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

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
    return {"detail": message, "errors": problems}


def describe_validation_errors(errors) -> list[dict]:
    described = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        message = error.get("msg", "is not valid")
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error.get("type") == "json_invalid":
            message = "the request body is not valid JSON"
        described.append({"field": ".".join(location) or "body", "problem": message})
    return described


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SafeShareError)
    async def _domain_error(_request: Request, error: SafeShareError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        problems = [{"field": p.field, "problem": p.message} for p in error.problems]
        return JSONResponse(problem_body(error.message, problems), status_code=status, headers=error_headers(error))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = describe_validation_errors(error.errors())
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(problem_body(summary, problems), status_code=422)

    @app.exception_handler(ValidationError)
    async def _model_invalid(_request: Request, error: ValidationError) -> JSONResponse:
        problems = describe_validation_errors(error.errors())
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(problem_body(summary, problems), status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, error: IntegrityError) -> JSONResponse:
        # A race lost to a concurrent writer; the transaction was rolled back, so nothing is half-written.
        log.warning("integrity error: %s", type(error.orig).__name__)
        return JSONResponse(problem_body("this conflicts with a record that already exists", []), status_code=409)
