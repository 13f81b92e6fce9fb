"""Two-step sign-in on the web: the code after the password, and setting up an authenticator app (with the
recovery codes, shown once)."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from safeshare.api.errors import error_headers
from safeshare.domain.errors import AuthenticationFailed, Conflict, InvalidInput, TooManyAttempts
from safeshare.http_security import client_address
from safeshare.services.accounts import Stage
from safeshare.web import cookies
from safeshare.web.context import SignInRequired, read_form, redirect, render, services_of, settings_of
from safeshare.web.csrf import FIELD, CsrfRefused, tokens_match
from safeshare.web.forms import Form, FormErrors

router = APIRouter(include_in_schema=False)

CODE_PATH = "/sign-in/code"
SET_UP_PATH = "/two-step/set-up"


def _token(request: Request) -> str:
    token = cookies.session_token(request, settings_of(request))
    if token is None:
        raise SignInRequired()
    return token


def _signed_in_again(request: Request, token: str):
    response = redirect("/")
    cookies.set_session(response, settings_of(request), token)
    return response


def _refused(request: Request, error: Exception, template: str, status_code: int, **context):
    errors = FormErrors({"code": "Code"})
    errors.add("code", error.problems[0].message if error.problems else error.message.removeprefix("code: "))
    response = render(request, template, status_code=status_code, errors=errors, **context)
    response.headers.update(error_headers(error) or {})
    return response


@router.get(CODE_PATH)
def code_form(request: Request):
    session = _partial(request, Stage.SECOND_STEP)
    return render(request, "auth/code.html", csrf_token=session.csrf_token)


@router.post(CODE_PATH)
def give_code(request: Request, data: Annotated[FormData, Depends(read_form)]):
    services, token = services_of(request), _token(request)
    session = _partial(request, Stage.SECOND_STEP)
    form = Form(data)
    if not tokens_match(session.csrf_token, form.raw(FIELD)):
        raise CsrfRefused()
    code = form.get("code")
    if not code:
        return _refused(request, InvalidInput.of("code", "Enter the code from your authenticator app"), "auth/code.html", 400, csrf_token=session.csrf_token)
    try:
        new_token = services.accounts.complete_second_step(token, code, client_address(request))
    except TooManyAttempts as error:
        return _refused(request, error, "auth/code.html", 429, csrf_token=session.csrf_token)
    except AuthenticationFailed as error:
        if error.message.startswith("code:"):
            return _refused(request, error, "auth/code.html", 400, csrf_token=session.csrf_token)
        raise
    return _signed_in_again(request, new_token)


@router.get(SET_UP_PATH)
def set_up_form(request: Request):
    return _set_up_page(request, FormErrors({"code": "Code"}))


@router.post(SET_UP_PATH)
def confirm_set_up(request: Request, data: Annotated[FormData, Depends(read_form)]):
    services, token = services_of(request), _token(request)
    form = Form(data)
    set_up = services.accounts.start_two_step(token)
    if not tokens_match(set_up.csrf_token, form.raw(FIELD)):
        raise CsrfRefused()
    errors = FormErrors({"code": "Code"})
    if not form.get("code"):
        errors.add("code", "Enter the 6-digit code your authenticator app shows")
        return _set_up_page(request, errors, 400)
    try:
        new_token, recovery_codes = services.accounts.confirm_two_step(token, form.get("code"), client_address(request))
    except TooManyAttempts as error:
        return _refused(request, error, "auth/set_up.html", 429, **_set_up_context(set_up))
    except (InvalidInput, Conflict) as error:
        errors.from_problems(error, "code")
        return _set_up_page(request, errors, 400)
    response = render(request, "auth/recovery_codes.html", recovery_codes=recovery_codes)
    if new_token:
        cookies.set_session(response, settings_of(request), new_token)
    return response


def _set_up_page(request: Request, errors: FormErrors, status_code: int = 200):
    set_up = services_of(request).accounts.start_two_step(_token(request))
    return render(request, "auth/set_up.html", status_code=status_code, errors=errors, **_set_up_context(set_up))


def _set_up_context(set_up) -> dict:
    qr = segno.make(set_up.uri, error="m")
    return {
        "csrf_token": set_up.csrf_token,
        "secret": " ".join(set_up.secret[i : i + 4] for i in range(0, len(set_up.secret), 4)),
        "qr_code": qr.svg_data_uri(scale=5, border=4),
    }


def _partial(request: Request, stage: Stage):
    try:
        return services_of(request).accounts.partial_session(_token(request), stage)
    except AuthenticationFailed as error:
        raise SignInRequired("timed-out" if "timed out" in error.message else "ended") from error
