from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from safeshare.api.dependencies import CurrentActor, Services
from safeshare.api.responses import error_responses
from safeshare.domain.people import Person
from safeshare.http_security import client_address
from safeshare.services.accounts import SessionKind

router = APIRouter(prefix="/auth", tags=["accounts"])


class Credentials(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)
    code: str | None = Field(
        default=None, max_length=64, description="For two-step sign-in: the authenticator app's code, or a recovery code."
    )


class TokenIssued(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/token", response_model=TokenIssued, responses=error_responses(401, 429))
def issue_token(credentials: Credentials, request: Request, services: Services) -> TokenIssued:
    token, _actor = services.accounts.sign_in(
        credentials.email, credentials.password, SessionKind.TOKEN, client_address(request), credentials.code
    )
    return TokenIssued(access_token=token, expires_in=services.context.settings.api_token_hours * 3600)


@router.post("/sign-out", status_code=204)
def sign_out(request: Request, actor: CurrentActor, services: Services) -> None:
    token = request.headers["authorization"].split(" ", 1)[1]
    services.accounts.sign_out(token)


@router.get("/me", response_model=Person)
def me(actor: CurrentActor, services: Services) -> Person:
    return services.directory.whoami(actor)
