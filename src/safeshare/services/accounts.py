"""Signing in and out, sessions for the web, bearer tokens for the API and CLI, and lock-out."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from safeshare.domain.errors import AuthenticationFailed
from safeshare.domain.sessions import SessionKind
from safeshare.services.context import Actor, Channel
from safeshare.services.passwords import hash_password, needs_rehash, verify_password
from safeshare.services.use_case import Service
from safeshare.settings import Settings
from safeshare.store.repositories.people import Credentials
from safeshare.store.repositories.sessions import StoredSession
from safeshare.store.unit_of_work import UnitOfWork

SIGN_IN_FAILED = "the email address or password is not right, or the account cannot sign in"
WRONG_PASSWORD = "that password is not right"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(uow: UnitOfWork, settings: Settings, person_id: str | None, password: str, now: dt.datetime, refusal: str) -> Credentials:
    """The person's password checked, with lock-out, wherever it is asked for (signing in, or again before a
    sensitive step).

    Every way of failing does the same work, one argon2 verification, so the time taken does not tell an
    unknown email, a disabled or locked account and a wrong password apart: an unknown person (`person_id`
    None) or an account without a password is verified against a dummy hash, and a disabled or locked account
    has its password verified before it is refused whatever the password. A wrong password on a live account
    counts as a failed sign-in, committed at once although the caller then fails (so the caller must not have
    written anything yet), and enough of them lock the account; a right one clears the count."""
    credentials = uow.people.credentials(person_id) if person_id is not None else None
    right = verify_password(credentials.password_hash if credentials else None, password)
    if credentials is None:
        raise AuthenticationFailed(refusal)
    if credentials.disabled or (credentials.locked_until and credentials.locked_until > now):
        raise AuthenticationFailed(refusal)
    if not right:
        uow.people.count_failed_sign_in(person_id, settings.max_failed_sign_ins, now + dt.timedelta(minutes=settings.lockout_minutes))
        uow.commit()
        raise AuthenticationFailed(refusal)
    uow.people.record_sign_in_result(person_id, 0, None)
    return credentials


class AccountService(Service):
    def sign_in(self, email: str, password: str, kind: SessionKind) -> tuple[str, Actor]:
        """Return a new secret token and the actor it stands for. The same message for every failure."""
        settings = self.context.settings
        now = self.now()
        with self.context.uow_factory() as uow:
            person_id = uow.people.id_for_email(email.strip().lower())
            credentials = check_password(uow, settings, person_id, password, now, SIGN_IN_FAILED)
            if needs_rehash(credentials.password_hash):
                uow.people.set_password_hash(person_id, hash_password(password))
            token = secrets.token_urlsafe(32)
            lifetime = (
                dt.timedelta(hours=settings.session_absolute_hours)
                if kind is SessionKind.WEB
                else dt.timedelta(hours=settings.api_token_hours)
            )
            uow.sessions.add(
                StoredSession(
                    token_hash=token_hash(token),
                    person_id=person_id,
                    kind=kind.value,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + lifetime,
                    reauthenticated_at=now,
                    csrf_token=secrets.token_urlsafe(32) if kind is SessionKind.WEB else None,
                )
            )
            uow.sessions.keep_newest(person_id, settings.max_sessions_per_person)
            person = uow.people.get(person_id)
            uow.commit()
        channel = Channel.WEB if kind is SessionKind.WEB else Channel.API
        return token, Actor.of(person, channel, token_hash(token))

    def authenticate(self, token: str, kind: SessionKind, channel: Channel) -> Actor:
        """Resolve a presented token to the actor, enforcing expiry, idle time-out and disabled accounts."""
        now = self.now()
        hashed = token_hash(token)
        with self.context.uow_factory() as uow:
            session = uow.sessions.get(hashed)
            if session is None or session.kind != kind.value:
                raise AuthenticationFailed("you are not signed in, or your session has ended")
            idle_limit = dt.timedelta(minutes=self.context.settings.session_idle_minutes)
            idle_expired = kind is SessionKind.WEB and now - session.last_seen_at > idle_limit
            if session.expires_at <= now or idle_expired:
                uow.sessions.remove(hashed)
                uow.commit()
                raise AuthenticationFailed("your session has timed out: please sign in again")
            person = uow.people.get(session.person_id)
            if person is None or person.disabled:
                raise AuthenticationFailed("this account cannot sign in")
            uow.sessions.touch(hashed, now)
            uow.commit()
        return Actor.of(person, channel, hashed)

    def session(self, actor: Actor) -> StoredSession | None:
        with self.context.uow_factory() as uow:
            return uow.sessions.get(actor.session_token_hash) if actor.session_token_hash else None

    def reauthenticate(self, actor: Actor, password: str) -> None:
        """Confirm the password again before a sensitive step such as break-glass access."""
        with self.context.uow_factory() as uow:
            check_password(uow, self.context.settings, actor.person_id, password, self.now(), WRONG_PASSWORD)
            if actor.session_token_hash:
                uow.sessions.mark_reauthenticated(actor.session_token_hash, self.now())
            uow.commit()

    def sign_out(self, token: str) -> None:
        with self.context.uow_factory() as uow:
            uow.sessions.remove(token_hash(token))
            uow.commit()
