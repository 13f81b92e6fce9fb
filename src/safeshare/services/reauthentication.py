"""The password confirmed again before a sensitive step: now, or recently in the same session."""

from __future__ import annotations

import datetime as dt

from safeshare.domain.errors import InvalidInput
from safeshare.services.accounts import WRONG_PASSWORD, check_password
from safeshare.services.context import Actor
from safeshare.services.use_case import ServiceContext
from safeshare.store.unit_of_work import UnitOfWork


def confirm_password(
    uow: UnitOfWork, context: ServiceContext, actor: Actor, password: str | None, now: dt.datetime, window_minutes: int,
    needed_for: str,
) -> None:
    """With `password`, check it (counted and locked out like a sign-in; runs before anything is written, see
    check_password) and stamp the session as re-authenticated. Without, the session must carry a stamp no older
    than `window_minutes` (signing in stamps it), or the refusal names the field `password`."""
    if password is not None:
        check_password(uow, context, actor.client, actor.person_id, actor.person_id, password, WRONG_PASSWORD)
        if actor.session_token_hash:
            uow.sessions.mark_reauthenticated(actor.session_token_hash, now)
        return
    window = dt.timedelta(minutes=window_minutes)
    session = uow.sessions.get(actor.session_token_hash) if actor.session_token_hash else None
    if session is None or session.reauthenticated_at is None or now - session.reauthenticated_at > window:
        raise InvalidInput.of("password", f"confirm your password: {needed_for} needs it confirmed within the last {window_minutes} minutes")
