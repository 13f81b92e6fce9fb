"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from safeshare.demo import DEMO_PASSWORD, demo_accounts
from safeshare.api.errors import error_headers
from safeshare.domain.errors import AuthenticationFailed, ServiceUnavailable, TooManyAttempts
from safeshare.http_security import client_address
from safeshare.services.accounts import SecondStepRequired, SessionKind, Stage
from safeshare.web import cookies
from safeshare.web.context import PostedForm, read_form, redirect, render, safe_next, services_of, settings_of
from safeshare.web.csrf import FIELD
from safeshare.web.forms import Form, FormErrors
from safeshare.web.oidc import FederatedSignInFailed, IdentityProvider
from safeshare.web.routes.two_step import CODE_PATH, SET_UP_PATH

router = APIRouter(include_in_schema=False)

CLEAR_SITE_DATA = '"cache", "cookies", "storage"'

ENDED_MESSAGES = {
    "timed-out": "You were signed out because you had not used SafeShare for a while. Sign in again to carry on.",
    "ended": "Your session has ended. Sign in again to carry on.",
}


def _sign_in_page(request: Request, form: Form, errors: FormErrors, status_code: int = 200):
    settings = settings_of(request)
    guard = request.app.state.sign_in_guard
    cookie_value = request.cookies.get(cookies.sign_in_cookie_name(settings)) or guard.new_cookie_value()
    response = render(
        request,
        "auth/sign_in.html",
        status_code=status_code,
        form=form,
        errors=errors,
        sign_in_token=guard.form_token(cookie_value),
        next_path=safe_next(request.query_params.get("next")) or safe_next(form.get("next")) or "",
        ended=ENDED_MESSAGES.get(request.query_params.get("ended", "")),
        max_failed=settings.max_failed_sign_ins,
        lockout_minutes=settings.lockout_minutes,
        demo_accounts=demo_accounts(services_of(request)),
        federated=request.app.state.identity_provider is not None,
        demo_password=DEMO_PASSWORD,
    )
    cookies.set_sign_in(response, settings, cookie_value)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request):
    return _sign_in_page(request, Form(), FormErrors())


@router.post("/sign-in")
def sign_in(request: Request, data: Annotated[FormData, Depends(read_form)]):
    settings, services = settings_of(request), services_of(request)
    form = Form(data)
    errors = FormErrors()
    cookie_value = request.cookies.get(cookies.sign_in_cookie_name(settings))
    if not request.app.state.sign_in_guard.valid(cookie_value, form.raw(FIELD)):
        errors.add("email", "This sign-in page had expired. Enter your email address and password again")
        return _sign_in_page(request, Form({"email": form.get("email"), "next": form.get("next")}), errors, 400)
    email, password = form.get("email"), form.raw("password")
    if not email:
        errors.add("email", "Enter your email address")
    if not password:
        errors.add("password", "Enter your password")
    if not errors:
        try:
            token, _actor = services.accounts.sign_in(email, password, SessionKind.WEB, client_address(request))
        except (TooManyAttempts, ServiceUnavailable) as error:
            errors.add("email", error.message)
            status = 429 if isinstance(error, TooManyAttempts) else 503
            response = _sign_in_page(request, Form({"email": email, "next": form.get("next")}), errors, status)
            response.headers.update(error_headers(error) or {})
            return response
        except SecondStepRequired as partial:
            return _signed_in(request, partial.token, CODE_PATH if partial.stage is Stage.SECOND_STEP else SET_UP_PATH)
        except AuthenticationFailed as error:
            errors.add("email", error.message)
        else:
            return _signed_in(request, token, safe_next(form.get("next")) or "/")
    return _sign_in_page(request, Form({"email": email, "next": form.get("next")}), errors, 400)


def _signed_in(request: Request, token: str, where: str):
    settings = settings_of(request)
    response = redirect(where)
    cookies.clear_sign_in(response, settings)
    cookies.clear_journey(response, settings)
    cookies.clear_federated(response, settings)
    cookies.set_session(response, settings, token)
    return response


def _identity_provider(request: Request) -> IdentityProvider:
    provider = request.app.state.identity_provider
    if provider is None:
        raise HTTPException(status_code=404)
    return provider


@router.get("/sign-in/partnership")
def federated_sign_in(request: Request):
    """Off to the partnership's identity provider, with state, nonce and a PKCE challenge."""
    departure = _identity_provider(request).depart(str(request.url_for("federated_return")))
    response = RedirectResponse(departure.url, status_code=303)
    cookies.set_federated(response, settings_of(request), departure.sealed_flow)
    return response


@router.get("/sign-in/partnership/return", name="federated_return")
def federated_return(request: Request, code: str | None = None, state: str | None = None):
    settings, services = settings_of(request), services_of(request)
    provider = _identity_provider(request)
    sealed = request.cookies.get(cookies.federated_cookie_name(settings))
    errors = FormErrors()
    try:
        email = provider.arrive(str(request.url_for("federated_return")), sealed, state, code)
        token, _actor = services.accounts.sign_in_federated(email, client_address(request))
    except SecondStepRequired as partial:
        return _signed_in(request, partial.token, CODE_PATH if partial.stage is Stage.SECOND_STEP else SET_UP_PATH)
    except (FederatedSignInFailed, AuthenticationFailed, TooManyAttempts, ServiceUnavailable) as error:
        errors.add("email", getattr(error, "message", None) or str(error))
        response = _sign_in_page(request, Form(), errors, 400)
        cookies.clear_federated(response, settings)
        return response
    return _signed_in(request, token, "/")


@router.post("/sign-out")
def sign_out(request: Request, form: PostedForm):
    settings = settings_of(request)
    token = cookies.session_token(request, settings)
    if token:
        services_of(request).accounts.sign_out(token)
    response = redirect("/signed-out")
    cookies.clear_all(response, settings)
    # Whatever the browser kept of this session goes too, on a shared computer above all (ASVS 14.3.1).
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@router.get("/signed-out")
def signed_out(request: Request):
    return render(request, "auth/signed_out.html")
