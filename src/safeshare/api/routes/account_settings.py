"""Your own account through the API: change your password, list your sessions and tokens, end them; and an
administrator signing someone out everywhere."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from safeshare.api.dependencies import CurrentActor, Services
from safeshare.domain.sessions import SessionSummary

router = APIRouter(tags=["accounts"])

# Longer than any password allowed (MAX_PASSWORD_LENGTH), so a long one is refused by the service with its reason.
_PASSWORD = Field(max_length=1000)


class PasswordChange(BaseModel):
    current_password: str = _PASSWORD
    password: str = _PASSWORD
    end_other_sessions: bool = Field(default=True, description="End your other sessions and tokens (this token carries on).")


class PasswordConfirmation(BaseModel):
    password: str | None = Field(
        default=None, max_length=1000, description="Needed unless this token was issued or its password confirmed in the last few minutes."
    )


class SessionsEnded(BaseModel):
    sessions_ended: int


@router.post("/account/password", response_model=SessionsEnded)
def change_password(change: PasswordChange, actor: CurrentActor, services: Services) -> SessionsEnded:
    changed = services.account_settings.change_password(
        actor, change.current_password, change.password, end_other_sessions=change.end_other_sessions
    )
    return SessionsEnded(sessions_ended=changed.sessions_ended)


@router.get("/account/sessions", response_model=list[SessionSummary])
def my_sessions(actor: CurrentActor, services: Services) -> list[SessionSummary]:
    return services.account_settings.my_sessions(actor)


@router.post("/account/sessions/{session_id}/end", status_code=204)
def end_my_session(session_id: str, confirmation: PasswordConfirmation, actor: CurrentActor, services: Services) -> None:
    services.account_settings.end_my_session(actor, session_id, password=confirmation.password)


@router.post("/account/sessions/end-others", response_model=SessionsEnded)
def end_my_other_sessions(confirmation: PasswordConfirmation, actor: CurrentActor, services: Services) -> SessionsEnded:
    return SessionsEnded(sessions_ended=services.account_settings.end_my_other_sessions(actor, password=confirmation.password))


@router.post("/people/{person_id}/sessions/end", response_model=SessionsEnded)
def end_sessions_of(person_id: str, actor: CurrentActor, services: Services) -> SessionsEnded:
    return SessionsEnded(sessions_ended=services.account_settings.end_sessions_of(actor, person_id))
