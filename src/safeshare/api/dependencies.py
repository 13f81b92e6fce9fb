"""How a request becomes an actor and a page request; no authorisation decision is taken here."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError

from safeshare.domain.errors import AuthenticationFailed
from safeshare.domain.model import LARGEST_SENT_NUMBER
from safeshare.domain.paging import MAX_PAGE_SIZE, PageRequest
from safeshare.http_security import client_address
from safeshare.services import SafeShare
from safeshare.services.accounts import SessionKind
from safeshare.services.context import Actor, Channel

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def services(request: Request) -> SafeShare:
    return request.app.state.services


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise AuthenticationFailed("send a bearer token from POST /api/v1/auth/token")
    return services(request).accounts.authenticate(credentials.credentials, SessionKind.TOKEN, Channel.API, client_address(request))


@functools.cache
def _strict_reader(body_type: Any) -> TypeAdapter:
    return TypeAdapter(body_type)


def _integral_as_int(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


async def strict_json_body(request: Request) -> None:
    """A JSON body is read in pydantic's strict JSON mode first, so the server takes exactly what the published
    schema allows: no "1" for 1, no 0 for false, no number for a date. Lax reading would accept what the schema
    forbids, and a client could not know which of its mistakes are forgiven."""
    route = request.scope.get("route")
    content_type = request.headers.get("content-type", "")
    if not isinstance(route, APIRoute) or route.body_field is None or "json" not in content_type:
        return
    body = await request.body()
    if not body:
        return
    # JSON Schema counts 166.0 as an integer (2020-12 6.1.1), so such numbers are read as the integers they are.
    document = json.dumps(json.loads(body, parse_float=_integral_as_int))
    try:
        _strict_reader(route.body_field.field_info.annotation).validate_json(document, strict=True)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None


def signed_in(
    actor: Annotated[Actor, Depends(current_actor)], _body: Annotated[None, Depends(strict_json_body)]
) -> Actor:
    """The caller is authenticated before the body is read at all."""
    return actor


async def strict_json_body_unless_signed_in(request: Request) -> None:
    """For routes anyone may call (signing in): routes that need a token read the body after authenticating."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and not _needs_token(route.dependant):
        await strict_json_body(request)


def _needs_token(dependant: Dependant) -> bool:
    return any(d.call is signed_in or _needs_token(d) for d in dependant.dependencies)


def page_request(
    offset: Annotated[int, Query(ge=0, le=LARGEST_SENT_NUMBER)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> PageRequest:
    return PageRequest(offset=offset, limit=limit)


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "A key of your own for this request (16 to 128 letters, digits, '-' or '_'; a UUID will do). Send the "
                "same request again with the same key, after a time-out or a dropped connection, and you get the first "
                "answer back instead of a second sealed record. Honoured for 24 hours by default; the same key with a "
                "different request is refused (422)."
            ),
        ),
    ] = None,
) -> str | None:
    """Passed through to the service, which checks it: one declaration shared by every route that seals or sends."""
    return key


Services = Annotated[SafeShare, Depends(services)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
CurrentActor = Annotated[Actor, Depends(signed_in)]
Paging = Annotated[PageRequest, Depends(page_request)]
