"""A person's own account: changing their password, seeing their sessions and tokens and ending them; and an
administrator ending someone's sessions without disabling the account (ASVS 6.2.2, 6.2.3, 7.4.3, 7.4.5, 7.5.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from safeshare.domain.errors import AuthenticationFailed, InvalidInput, NotFound
from safeshare.domain.permissions import Permission
from safeshare.domain.sessions import SessionKind, SessionSummary
from safeshare.services.accounts import WRONG_PASSWORD, check_password, token_hash
from safeshare.services.context import Actor
from safeshare.services.passwords import check_password_strength, hash_password, password_context
from safeshare.services.reauthentication import confirm_password
from safeshare.services.use_case import Service, use_case
from safeshare.store.repositories.sessions import StoredSession
from safeshare.store.unit_of_work import UnitOfWork

NO_SESSION = "session_id: none of your sessions has this id"


@dataclass(frozen=True)
class PasswordChanged:
    sessions_ended: int
    # The web session's new token, for the cookie (ASVS 7.2.4); None for an API token, which carries on.
    new_session_token: str | None


class AccountSettingsService(Service):
    @use_case(Permission.OWN_ACCOUNT_MANAGE)
    def change_password(
        self, uow: UnitOfWork, actor: Actor, current_password: str, new_password: str, end_other_sessions: bool = True
    ) -> PasswordChanged:
        """Change one's own password. The current one is checked as at sign-in (a wrong one counts towards
        lock-out); the others of the person's sessions and tokens end unless they choose to keep them."""
        now = self.now()
        uow.people.lock(actor.person_id)  # two changes at once are made in turn
        try:
            check_password(uow, self.context, actor.client, actor.person_id, actor.person_id, current_password, WRONG_PASSWORD)
        except AuthenticationFailed as error:
            raise InvalidInput.of("current_password", error.message) from None
        person = uow.people.get(actor.person_id)
        if new_password == current_password:
            raise InvalidInput.of("password", "must be different from your current password")
        check_password_strength(new_password, password_context(uow, person.details.name, person.details.email))
        uow.people.set_password_hash(actor.person_id, hash_password(new_password))
        ended = uow.sessions.remove_others(actor.person_id, actor.session_token_hash) if end_other_sessions else 0
        return PasswordChanged(ended, self._replace_web_session(uow, actor, now))

    @use_case(Permission.OWN_ACCOUNT_MANAGE)
    def my_sessions(self, uow: UnitOfWork, actor: Actor) -> list[SessionSummary]:
        """The person's own sessions and API tokens still live, newest first; the current one is marked."""
        now = self.now()
        return [self._summary(s, actor) for s in uow.sessions.of_person(actor.person_id) if self._live(s, now)]

    @use_case(Permission.OWN_ACCOUNT_MANAGE)
    def end_my_session(self, uow: UnitOfWork, actor: Actor, session_id: str, password: str | None = None) -> None:
        """End one of one's own sessions or tokens (the current one too, which signs out)."""
        self._confirm(uow, actor, password)
        found = next((s for s in uow.sessions.of_person(actor.person_id) if self._reference(s.token_hash) == session_id), None)
        if found is None:
            raise NotFound(NO_SESSION)
        uow.sessions.remove(found.token_hash)

    @use_case(Permission.OWN_ACCOUNT_MANAGE)
    def end_my_other_sessions(self, uow: UnitOfWork, actor: Actor, password: str | None = None) -> int:
        """End every session and token of one's own but the current one; how many ended."""
        self._confirm(uow, actor, password)
        return uow.sessions.remove_others(actor.person_id, actor.session_token_hash)

    @use_case(Permission.PEOPLE_MANAGE)
    def end_sessions_of(self, uow: UnitOfWork, actor: Actor, person_id: str) -> int:
        """An administrator signs someone out everywhere (a lost device, say) without disabling the account."""
        if uow.people.get(person_id) is None:
            raise NotFound("person_id: no person with this id")
        return uow.sessions.remove_others(person_id, None)

    def _confirm(self, uow: UnitOfWork, actor: Actor, password: str | None) -> None:
        settings = self.context.settings
        try:
            confirm_password(uow, self.context, actor, password, self.now(), settings.account_reauth_minutes, "ending sessions")
        except AuthenticationFailed as error:  # the session is fine: it is the password that is wrong
            raise InvalidInput.of("password", error.message) from None

    def _replace_web_session(self, uow: UnitOfWork, actor: Actor, now: dt.datetime) -> str | None:
        session = uow.sessions.get(actor.session_token_hash) if actor.session_token_hash else None
        if session is None or session.kind != SessionKind.WEB:
            return None
        token = secrets.token_urlsafe(32)
        uow.sessions.replace_token(session.token_hash, token_hash(token), secrets.token_urlsafe(32), now)
        return token

    def _live(self, session: StoredSession, now: dt.datetime) -> bool:
        idle_limit = dt.timedelta(minutes=self.context.settings.session_idle_minutes)
        idle = session.kind == SessionKind.WEB and now - session.last_seen_at > idle_limit
        return session.expires_at > now and not idle

    def _reference(self, hashed: str) -> str:
        key = self.context.settings.secret().encode()
        return hmac.new(key, b"session-reference:" + hashed.encode(), hashlib.sha256).hexdigest()[:32]

    def _summary(self, session: StoredSession, actor: Actor) -> SessionSummary:
        return SessionSummary(
            id=self._reference(session.token_hash), kind=SessionKind(session.kind), created_at=session.created_at,
            last_seen_at=session.last_seen_at, expires_at=session.expires_at, current=session.token_hash == actor.session_token_hash,
        )
