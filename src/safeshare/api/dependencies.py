"""How a request becomes an actor and a page request; no authorisation decision is taken here."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from safeshare.domain.errors import AuthenticationFailed
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


def page_request(
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> PageRequest:
    return PageRequest(offset=offset, limit=limit)


Services = Annotated[SafeShare, Depends(services)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
Paging = Annotated[PageRequest, Depends(page_request)]
