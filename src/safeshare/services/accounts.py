"""Signing in (password, then two-step sign-in where set up or required) and out, sessions for the web, bearer
tokens for the API and CLI, the throttle and lock-out."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from safeshare.domain.errors import AuthenticationFailed, Conflict, Forbidden, InvalidInput, TooManyAttempts
from safeshare.domain.people import Person, needs_two_step
from safeshare.domain.sessions import SessionKind
from safeshare.services.context import Actor, Channel
from safeshare.services.security_events import SecurityEvent, account_digest, record_event
from safeshare.services.passwords import hash_password, needs_rehash, verify_password
from safeshare.services.two_step import (
    decrypt_secret,
    encrypt_secret,
    looks_like_recovery_code,
    matching_step,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    recovery_code_hash,
)
from safeshare.services.use_case import Service, ServiceContext
from safeshare.settings import Settings
from safeshare.store.repositories.people import Credentials
from safeshare.store.repositories.sessions import StoredSession
from safeshare.store.unit_of_work import UnitOfWork

SIGN_IN_FAILED = "the email address or password is not right, or the account cannot sign in"
WRONG_PASSWORD = "that password is not right"
CODE_NEEDED = "code: this account signs in in two steps: send the code from its authenticator app, or a recovery code"
CODE_REFUSED = "code: that code is not right, or it has been used already"
ENROL_ON_THE_WEB = "your role needs two-step sign-in: sign in on the web pages once to set it up"
NOT_SIGNED_IN = "you are not signed in, or your session has ended"
FEDERATED_REFUSED = "your organisation's sign-in worked, but there is no SafeShare account for you, or it cannot sign in"
TIMED_OUT = "your session has timed out: please sign in again"


class Stage(StrEnum):
    """How far a session has got through signing in. Only a complete one reaches any use case."""

    COMPLETE = "complete"
    SECOND_STEP = "second_step"
    ENROL = "enrol"


class SecondStepRequired(Exception):
    """The password was right; a web session that can only take the next step (`stage`) was made."""

    def __init__(self, token: str, stage: Stage):
        super().__init__(stage.value)
        self.token = token
        self.stage = stage


@dataclass(frozen=True)
class TwoStepSetUp:
    secret: str
    uri: str  # otpauth:// for an authenticator app, shown as a QR code
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(
    uow: UnitOfWork, context: ServiceContext, client: str, account: str, person_id: str | None, password: str, refusal: str,
    finishes: bool = True,
) -> Credentials:
    """The person's password checked, with the throttle and lock-out, wherever it is asked for (signing in, or
    again before a sensitive step). `account` is what the throttle counts by: the person's id, or the email
    typed when no one has it.

    Every way of failing does the same work, one argon2 verification, so the time taken does not tell an
    unknown email, a disabled or locked account and a wrong password apart: an unknown person (`person_id`
    None) or an account without a password is verified against a dummy hash, and a disabled or locked account
    has its password verified before it is refused whatever the password. A wrong password on a live account
    counts as a failed sign-in, committed at once although the caller then fails (so the caller must not have
    written anything yet), and enough of them within the window lock the account; a right one clears the count
    and the throttle's count for this address and account, unless a second step is still to come (`finishes`):
    then the caller clears them once that step is passed too, so that wrong codes add up as wrong passwords do.
    Both are worked out by the database, not from the count read here: wrong guesses made at the same moment are
    each counted, and a right one is refused if, while it was checked, they locked the account or an administrator
    disabled it or set a new password (whose sessions they ended: this one would outlive that)."""
    settings, now = context.settings, context.clock()
    context.throttle.attempt(client, account)
    credentials = uow.people.credentials(person_id) if person_id is not None else None
    right = verify_password(credentials.password_hash if credentials else None, password)
    if credentials is None:
        raise AuthenticationFailed(refusal)
    if credentials.disabled or (credentials.locked_until and credentials.locked_until > now):
        raise AuthenticationFailed(refusal)
    if not right:
        _count_failure(uow, settings, person_id, now)
        raise AuthenticationFailed(refusal)
    if not uow.people.still_may_sign_in(person_id, now, credentials.password_hash):
        raise AuthenticationFailed(refusal)  # locked, disabled or given a new password while it was being checked
    if finishes:
        _succeeded(uow, context, client, person_id, account)
    return credentials


def _succeeded(uow: UnitOfWork, context: ServiceContext, client: str, person_id: str, account: str) -> None:
    """Every step of signing in passed: the lock-out's count and this address's throttle start again."""
    uow.people.clear_failed_sign_ins(person_id)
    context.throttle.succeeded(client, account)


def _count_failure(uow: UnitOfWork, settings: Settings, person_id: str, now: dt.datetime) -> None:
    """A failed sign-in, committed at once although the caller then fails."""
    uow.people.count_failed_sign_in(
        person_id,
        settings.max_failed_sign_ins,
        now,
        window_start=now - dt.timedelta(minutes=settings.failed_sign_in_window_minutes),
        locked_until=now + dt.timedelta(minutes=settings.lockout_minutes),
    )
    uow.commit()


class AccountService(Service):
    def sign_in(
        self, email: str, password: str, kind: SessionKind, client: str = "local", code: str | None = None
    ) -> tuple[str, Actor]:
        """Return a new secret token and the actor it stands for. The same message for every failure of the
        password. `client` is the address the attempt came from, which the throttle counts by.

        An account with two-step sign-in needs `code` too (a one-time password or a recovery code). On the web,
        where the code is asked for on a page of its own, a missing code (or two-step sign-in that the person's
        role needs but that is not set up yet) gives a session that can do nothing but that step
        (SecondStepRequired); a token is never issued before both steps."""
        now = self.now()
        email = email.strip().lower()
        account = account_digest(self.context.settings.secret(), email)
        with self._sign_in_events("password", kind, client, account=account), self.context.uow_factory() as uow:
            person_id = uow.people.id_for_email(email)
            credentials = check_password(uow, self.context, client, person_id or email, person_id, password, SIGN_IN_FAILED, finishes=False)
            if needs_rehash(credentials.password_hash):
                uow.people.set_password_hash(person_id, hash_password(password))
            return self._after_first_step(uow, uow.people.get(person_id), kind, client, code, now)

    def sign_in_federated(self, email: str, client: str) -> tuple[str, Actor]:
        """A web sign-in through the partnership's identity provider, which has vouched for this email address
        (verified). The person is the SafeShare account with that email, with the roles SafeShare holds; an
        identity with no account, or a disabled or locked one, is refused. Two-step sign-in, where set up or
        required, still follows (SecondStepRequired)."""
        now = self.now()
        account = account_digest(self.context.settings.secret(), email)
        with self._sign_in_events("identity_provider", SessionKind.WEB, client, account=account), self.context.uow_factory() as uow:
            person_id = uow.people.id_for_email(email.strip().lower())
            self.context.throttle.attempt(client, person_id or email)
            credentials = uow.people.credentials(person_id) if person_id else None
            locked = credentials is not None and credentials.locked_until is not None and credentials.locked_until > now
            if credentials is None or credentials.disabled or locked:
                raise AuthenticationFailed(FEDERATED_REFUSED)
            return self._after_first_step(uow, uow.people.get(person_id), SessionKind.WEB, client, None, now)

    def _after_first_step(
        self, uow: UnitOfWork, person: Person, kind: SessionKind, client: str, code: str | None, now: dt.datetime
    ) -> tuple[str, Actor]:
        """The password (or the identity provider) passed: the second step if there is one, then a session."""
        stage = self._stage_after_password(uow, person)
        if stage is Stage.SECOND_STEP and code is not None:
            self._check_second_step(uow, client, person.id, code, now)
            stage = Stage.COMPLETE
        if stage is not Stage.SECOND_STEP:
            _succeeded(uow, self.context, client, person.id, person.id)
        if stage is not Stage.COMPLETE and kind is SessionKind.TOKEN:
            uow.commit()
            if stage is Stage.ENROL:
                raise Forbidden(ENROL_ON_THE_WEB)
            raise AuthenticationFailed(CODE_NEEDED)
        token = self._new_session(uow, person.id, kind, stage, now)
        uow.commit()
        if stage is not Stage.COMPLETE:
            raise SecondStepRequired(token, stage)
        channel = Channel.WEB if kind is SessionKind.WEB else Channel.API
        return token, Actor.of(person, channel, token_hash(token), client)

    def complete_second_step(self, token: str, code: str, client: str) -> str:
        """The code asked for after the password on the web: a new session token in place of the partial one."""
        now = self.now()
        with self._sign_in_events("second_step", SessionKind.WEB, client, session=token_hash(token)), self.context.uow_factory() as uow:
            session = self._partial_session(uow, token, Stage.SECOND_STEP, now)
            self._check_second_step(uow, client, session.person_id, code, now)
            _succeeded(uow, self.context, client, session.person_id, session.person_id)
            uow.sessions.remove(session.token_hash)
            new_token = self._new_session(uow, session.person_id, SessionKind.WEB, Stage.COMPLETE, now)
            uow.commit()
        return new_token

    def partial_session(self, token: str, stage: Stage) -> StoredSession:
        """A web session part way through signing in, at `stage`; refused once it has timed out."""
        with self.context.uow_factory() as uow:
            session = self._partial_session(uow, token, stage, self.now())
            uow.commit()
            return session

    def start_two_step(self, token: str) -> TwoStepSetUp:
        """A new secret to set two-step sign-in up with (the same one until it is confirmed), for a person who
        has none yet: one who must set it up before going on, or anyone signed in who chooses to."""
        now = self.now()
        settings = self.context.settings
        with self.context.uow_factory() as uow:
            session = self._session_to_set_up_from(uow, token, now)
            stored = uow.two_step.get(session.person_id)
            if stored is not None and stored.confirmed_at is not None:
                raise Conflict.of("code", "two-step sign-in is already set up for this account")
            secret = decrypt_secret(settings, stored.secret) if stored is not None else None
            if secret is None:
                secret = new_secret()
                uow.two_step.start(session.person_id, encrypt_secret(settings, secret), now)
            person = uow.people.get(session.person_id)
            uow.commit()
        return TwoStepSetUp(secret=secret, uri=provisioning_uri(secret, person.details.email), csrf_token=session.csrf_token or "")

    def confirm_two_step(self, token: str, code: str, client: str) -> tuple[str | None, list[str]]:
        """Confirm the secret by a first code from it. Returns the recovery codes, to be shown this once, and for
        a person who could not go on until now, the token of a complete session in place of the partial one."""
        now = self.now()
        settings = self.context.settings
        with self.context.uow_factory() as uow:
            session = self._session_to_set_up_from(uow, token, now)
            person_id = session.person_id
            self.context.throttle.attempt(client, person_id)
            stored = uow.two_step.get(person_id)
            if stored is None or stored.confirmed_at is not None:
                raise Conflict.of("code", "start setting up two-step sign-in again")
            secret = decrypt_secret(settings, stored.secret)
            step = matching_step(secret, code, now) if secret else None
            if step is None or not uow.two_step.use_step(person_id, step):
                raise InvalidInput.of("code", "that code is not right: enter the 6 digits your app shows now")
            uow.two_step.confirm(person_id, now)
            codes = new_recovery_codes()
            uow.two_step.replace_recovery_codes(person_id, [recovery_code_hash(settings, c) for c in codes])
            new_token = None
            if session.stage == Stage.ENROL:
                uow.sessions.remove(session.token_hash)
                new_token = self._new_session(uow, person_id, SessionKind.WEB, Stage.COMPLETE, now)
            uow.commit()
        self.context.throttle.succeeded(client, person_id)
        return new_token, codes

    def _stage_after_password(self, uow: UnitOfWork, person: Person) -> Stage:
        stored = uow.two_step.get(person.id)
        if stored is not None and stored.confirmed_at is not None:
            return Stage.SECOND_STEP
        return Stage.ENROL if needs_two_step(person.roles) else Stage.COMPLETE

    def _check_second_step(self, uow: UnitOfWork, client: str, person_id: str, code: str, now: dt.datetime) -> None:
        """A one-time password not used before, or an unused recovery code (then used up). A wrong or replayed
        one counts as a failed sign-in, and is throttled like a password."""
        settings = self.context.settings
        self.context.throttle.attempt(client, person_id)
        stored = uow.two_step.get(person_id)
        secret = decrypt_secret(settings, stored.secret) if stored is not None and stored.confirmed_at is not None else None
        accepted = False
        if secret is not None:
            step = matching_step(secret, code, now)
            if step is not None:
                accepted = uow.two_step.use_step(person_id, step)
            elif looks_like_recovery_code(code):
                accepted = uow.two_step.use_recovery_code(person_id, recovery_code_hash(settings, code), now)
        if not accepted:
            _count_failure(uow, settings, person_id, now)
            raise AuthenticationFailed(CODE_REFUSED)

    def _partial_session(self, uow: UnitOfWork, token: str, stage: Stage, now: dt.datetime) -> StoredSession:
        session = uow.sessions.get(token_hash(token))
        if session is None or session.kind != SessionKind.WEB.value or session.stage != stage.value:
            raise AuthenticationFailed(NOT_SIGNED_IN)
        credentials = uow.people.credentials(session.person_id)
        locked = credentials.locked_until is not None and credentials.locked_until > now
        if session.expires_at <= now or credentials.disabled or locked:
            uow.sessions.remove(session.token_hash)
            uow.commit()
            raise AuthenticationFailed(TIMED_OUT)
        return session

    def _session_to_set_up_from(self, uow: UnitOfWork, token: str, now: dt.datetime) -> StoredSession:
        session = uow.sessions.get(token_hash(token))
        if session is not None and session.stage == Stage.COMPLETE:
            return self._live_session(uow, session.token_hash, SessionKind.WEB, now)[0]
        return self._partial_session(uow, token, Stage.ENROL, now)

    def _new_session(self, uow: UnitOfWork, person_id: str, kind: SessionKind, stage: Stage, now: dt.datetime) -> str:
        settings = self.context.settings
        token = secrets.token_urlsafe(32)
        if stage is not Stage.COMPLETE:  # only long enough to give the code or set up the app
            lifetime = dt.timedelta(minutes=settings.session_idle_minutes)
        elif kind is SessionKind.WEB:
            lifetime = dt.timedelta(hours=settings.session_absolute_hours)
        else:
            lifetime = dt.timedelta(hours=settings.api_token_hours)
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
                stage=stage.value,
            )
        )
        # At most so many sessions and tokens each (docs/SECURITY.md, section 3): a new one ends the oldest.
        uow.sessions.keep_newest(person_id, settings.max_sessions_per_person)
        return token

    def authenticate(self, token: str, kind: SessionKind, channel: Channel, client: str = "local") -> Actor:
        """Resolve a presented token to the actor, enforcing expiry, idle time-out and disabled accounts."""
        with self.context.uow_factory() as uow:
            session, person = self._live_session(uow, token_hash(token), kind, self.now())
            uow.commit()
        return Actor.of(person, channel, session.token_hash, client)

    def _live_session(self, uow: UnitOfWork, hashed: str, kind: SessionKind, now: dt.datetime) -> tuple[StoredSession, Person]:
        session = uow.sessions.get(hashed)
        if session is None or session.kind != kind.value or session.stage != Stage.COMPLETE:
            raise AuthenticationFailed(NOT_SIGNED_IN)
        idle_limit = dt.timedelta(minutes=self.context.settings.session_idle_minutes)
        idle_expired = kind is SessionKind.WEB and now - session.last_seen_at > idle_limit
        if session.expires_at <= now or idle_expired:
            uow.sessions.remove(hashed)
            uow.commit()
            raise AuthenticationFailed(TIMED_OUT)
        person = uow.people.get(session.person_id)
        if person is None or person.disabled:
            raise AuthenticationFailed("this account cannot sign in")
        uow.sessions.touch(hashed, now)
        return session, person

    def session(self, actor: Actor) -> StoredSession | None:
        with self.context.uow_factory() as uow:
            return uow.sessions.get(actor.session_token_hash) if actor.session_token_hash else None

    def reauthenticate(self, actor: Actor, password: str) -> None:
        """Confirm the password again before a sensitive step such as break-glass access."""
        with self._sign_in_events("password_confirmed", None, actor.client, person_id=actor.person_id), self.context.uow_factory() as uow:
            check_password(uow, self.context, actor.client, actor.person_id, actor.person_id, password, WRONG_PASSWORD)
            if actor.session_token_hash:
                uow.sessions.mark_reauthenticated(actor.session_token_hash, self.now())
            uow.commit()

    def sign_out(self, token: str) -> None:
        with self.context.uow_factory() as uow:
            session = uow.sessions.get(token_hash(token))
            uow.sessions.remove(token_hash(token))
            uow.commit()
        if session is not None:
            record_event(SecurityEvent.SIGNED_OUT, self.now(), person_id=session.person_id, kind=session.kind)

    @contextmanager
    def _sign_in_events(
        self, method: str, kind: SessionKind | None, client: str, *, account: str | None = None, person_id: str | None = None,
        session: str | None = None,
    ):
        """Each attempt to authenticate as a security event (ASVS 16.3.1): how, from where, and how it ended. An
        email typed is named by its keyed digest (`account`), a partial session by its token's hash prefix."""
        fields = dict(
            method=method, kind=kind.value if kind else None, client=client, account=account, person_id=person_id,
            session=session[:16] if session else None,
        )
        try:
            yield
        except SecondStepRequired as pending:
            record_event(SecurityEvent.SIGN_IN_STEP_PASSED, self.now(), **fields, next_step=pending.stage.value)
            raise
        except TooManyAttempts:
            record_event(SecurityEvent.SIGN_IN_THROTTLED, self.now(), **fields)
            raise
        except (AuthenticationFailed, Forbidden) as failed:
            record_event(SecurityEvent.SIGN_IN_FAILED, self.now(), **fields, reason=failed.message)
            raise
        record_event(SecurityEvent.SIGN_IN_SUCCEEDED, self.now(), **fields)
