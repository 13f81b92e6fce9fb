"""Errors on web pages are pages too: the API's handlers keep answering /api/, these answer everything else."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from safeshare.api.errors import error_headers
from safeshare.domain.errors import AuthenticationFailed, Forbidden, NotFound, SafeShareError, ServiceUnavailable, TooManyAttempts
from safeshare.web import cookies
from safeshare.domain.permissions import Permission
from safeshare.request_limits import RequestRefused, is_api_path
from safeshare.web.context import SignInRequired, optional_page, redirect, render, settings_of, sign_in_url
from safeshare.services.security_events import SecurityEvent, record_event
from safeshare.web.csrf import CsrfRefused
from safeshare.web.forms import sentence

log = logging.getLogger(__name__)


def is_api(request: Request) -> bool:
    return is_api_path(request.url.path)


_BODY_REFUSED = {
    413: "What you sent was too large: this page takes at most {kb} KB. Nothing was saved. Go back, shorten what you typed and try again.",
    408: "What you sent did not arrive in time, so nothing was saved. Go back and try again.",
    400: "What you sent could not be read, so nothing was saved. Go back and try again.",
    414: "The address of that page is too long. Go to the home page and try again from there.",
    431: "Your browser sent more with that request than SafeShare accepts. Sign out, close the browser and try again.",
}


def body_refused_page(scope: Scope, refused: RequestRefused) -> Response:
    """A request refused before the route saw it (request_limits.py): too large, too slow, or badly framed."""
    message = _BODY_REFUSED[refused.status].format(kb=refused.limit // 1024)
    return render(Request(scope), "errors/problem.html", status_code=refused.status, message=message)


def _sign_in_again(request: Request, reason: str | None) -> Response:
    next_path = request.url.path if request.method == "GET" else None
    response = redirect(sign_in_url(next_path, reason))
    if reason:
        cookies.clear_all(response, settings_of(request))
    return response


_SUBJECT_PAGE = re.compile(r"^/subjects/([0-9a-fA-F-]{36})$")


def _emergency_link(request: Request) -> str | None:
    """On a child's page that cannot be shown, where to ask for emergency access (shown whether or not the record exists)."""
    found = _SUBJECT_PAGE.match(request.url.path)
    if not found:
        return None
    page = optional_page(request)
    if page is None or not page.may(Permission.BREAK_GLASS_USE):
        return None
    return f"/subjects/{found.group(1)}/emergency-access"


def not_found(request: Request) -> Response:
    return render(request, "errors/not_found.html", status_code=404, page=optional_page(request), emergency=_emergency_link(request))


def install_web_error_handlers(app: FastAPI) -> None:
    api_handlers = dict(app.exception_handlers)

    def delegate(kind: type[Exception]):
        return api_handlers.get(kind)

    async def domain_error(request: Request, error: SafeShareError) -> Response:
        if is_api(request) and delegate(SafeShareError):
            return await delegate(SafeShareError)(request, error)
        if isinstance(error, AuthenticationFailed):
            return _sign_in_again(request, "ended")
        if isinstance(error, NotFound):
            return not_found(request)
        if isinstance(error, Forbidden):
            detail = sentence(error.problems[0].message) if error.problems else None
            return render(
                request, "errors/forbidden.html", status_code=403, page=optional_page(request), detail=detail,
                emergency=_emergency_link(request),
            )
        message = sentence(error.message)
        status = 429 if isinstance(error, TooManyAttempts) else 503 if isinstance(error, ServiceUnavailable) else 400
        response = render(request, "errors/problem.html", status_code=status, message=message)
        response.headers.update(error_headers(error) or {})
        return response

    async def request_invalid(request: Request, error: RequestValidationError) -> Response:
        if is_api(request) and delegate(RequestValidationError):
            return await delegate(RequestValidationError)(request, error)
        # Only ids travel in web URLs, so a malformed one is a page that does not exist.
        return not_found(request)

    async def model_invalid(request: Request, error: ValidationError) -> Response:
        if is_api(request) and delegate(ValidationError):
            return await delegate(ValidationError)(request, error)
        log.warning("unhandled validation error on a web page: %s", error.title)
        return render(request, "errors/problem.html", status_code=400, message="Some of the information sent was not valid. Go back and check it.")

    async def integrity(request: Request, error: IntegrityError) -> Response:
        if is_api(request) and delegate(IntegrityError):
            return await delegate(IntegrityError)(request, error)
        log.warning("integrity error on a web page: %s", type(error.orig).__name__)
        return render(
            request, "errors/problem.html", status_code=409,
            message="Someone else changed this record at the same time. Go back, check it and try again.",
        )

    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_api(request) and delegate(StarletteHTTPException):
            return await delegate(StarletteHTTPException)(request, error)
        if error.status_code == 404:
            return not_found(request)
        if error.status_code == 405:
            return not_found(request)
        return render(request, "errors/problem.html", status_code=error.status_code, message="Something went wrong with that request.")

    async def sign_in_required(request: Request, error: SignInRequired) -> Response:
        return _sign_in_again(request, error.reason)

    async def csrf_refused(request: Request, error: CsrfRefused) -> Response:
        page = optional_page(request)
        record_event(
            SecurityEvent.FORM_FORGERY_REFUSED, request.app.state.services.context.clock(),
            person_id=page.actor.person_id if page else None, method=request.method, path=request.url.path[:200],
        )
        return render(request, "errors/csrf.html", status_code=400)

    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unexpected error")
        if is_api(request):
            from fastapi.responses import JSONResponse

            return JSONResponse({"detail": "SafeShare could not complete this request", "errors": []}, status_code=500)
        return render(request, "errors/server.html", status_code=500)

    app.add_exception_handler(SafeShareError, domain_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(ValidationError, model_invalid)
    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(Exception, server_error)
