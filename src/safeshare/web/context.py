"""How a browser request becomes a signed-in person, and how pages are rendered for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from safeshare.domain.errors import AuthenticationFailed
from safeshare.domain.people import Person
from safeshare.domain.permissions import Permission
from safeshare.http_security import client_address
from safeshare.request_limits import FORM_FIELD_BYTES, FORM_FIELDS, FORM_FILES
from safeshare.services import SafeShare
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Actor, Channel
from safeshare.services.use_case import require_permission
from safeshare.settings import Settings
from safeshare.web import cookies
from safeshare.web.csrf import FIELD, CsrfRefused, tokens_match
from safeshare.web.form_keys import new_form_key
from safeshare.web.forms import Form, FormErrors


class SignInRequired(Exception):
    """No valid session: send the browser to the sign-in page, saying why when we know."""

    def __init__(self, reason: str | None = None):
        super().__init__(reason or "sign in")
        self.reason = reason


@dataclass
class Page:
    """Everything a signed-in page needs: who is looking, and the token their forms must carry."""

    request: Request
    services: SafeShare
    settings: Settings
    actor: Actor
    person: Person
    csrf_token: str

    def may(self, permission: Permission | str) -> bool:
        return self.actor.may(Permission(permission))

    @property
    def guidance(self):
        return self.services.context.guidance()


def services_of(request: Request) -> SafeShare:
    return request.app.state.services


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def signed_in(request: Request) -> Page:
    services, settings = services_of(request), settings_of(request)
    token = cookies.session_token(request, settings)
    if token is None:
        raise SignInRequired()
    try:
        actor = services.accounts.authenticate(token, SessionKind.WEB, Channel.WEB, client_address(request))
        session = services.accounts.session(actor)
        person = services.directory.whoami(actor)
    except AuthenticationFailed as error:
        raise SignInRequired("timed-out" if "timed out" in error.message else "ended") from error
    if session is None or not session.csrf_token:
        raise SignInRequired("ended")
    return Page(request, services, settings, actor, person, session.csrf_token)


async def read_form(request: Request) -> FormData:
    """The posted form; too many fields, too long a field or any file is a 400 (request_limits.py)."""
    return await request.form(max_files=FORM_FILES, max_fields=FORM_FIELDS, max_part_size=FORM_FIELD_BYTES)


def posted_form(page: Annotated[Page, Depends(signed_in)], data: Annotated[FormData, Depends(read_form)]) -> Form:
    """The submitted form, once its CSRF token has been checked against the session's."""
    form = Form(data)
    if not tokens_match(page.csrf_token, form.raw(FIELD)):
        raise CsrfRefused()
    return form


CurrentPage = Annotated[Page, Depends(signed_in)]
PostedForm = Annotated[Form, Depends(posted_form)]


def offering(*use_cases: Callable) -> Callable[[Page], Page]:
    """The dependency of a page that leads to these use cases (a form that submits to one, a journey that ends
    in one): it opens only for a person whose roles allow at least one of them, and refuses everyone else with
    the refusal page rather than show them a form they cannot send. The permission is each use case's own
    (`@use_case`), so a page and the service behind it cannot disagree about who may use them."""
    permissions = [use_case.required_permission for use_case in use_cases]

    def page_offering(page: CurrentPage) -> Page:
        if not any(page.may(permission) for permission in permissions):
            require_permission(page.actor, permissions[0])
        return page

    return page_offering


def PageFor(*use_cases: Callable) -> Any:  # noqa: N802 - used as a type, like CurrentPage
    """A signed-in page that leads to these use cases: see `offering`."""
    return Annotated[Page, Depends(offering(*use_cases))]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    environment = request.app.state.web_templates
    context.setdefault("page", None)
    context.setdefault("errors", FormErrors())
    context.setdefault("form", Form())
    context.setdefault("nav", None)
    context.setdefault("form_key", new_form_key(request.app.state.services.context.clock()))
    html = environment.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """After a POST, always a 303 so the browser follows with a GET."""
    return RedirectResponse(url, status_code=303)


def sign_in_url(next_path: str | None = None, reason: str | None = None) -> str:
    params = []
    if reason:
        params.append(f"ended={quote(reason)}")
    if next_path and safe_next(next_path):
        params.append(f"next={quote(next_path, safe='/')}")
    return "/sign-in" + ("?" + "&".join(params) if params else "")


def safe_next(path: str | None) -> str | None:
    """Only ever return to a page of this service, never to another site."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or "?" in path:
        return None
    return path


def optional_page(request: Request) -> Page | None:
    """The signed-in person if there is one; pages open to everyone use this."""
    try:
        return signed_in(request)
    except SignInRequired:
        return None


MaybePage = Annotated[Page | None, Depends(optional_page)]
