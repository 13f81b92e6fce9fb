"""Idempotency keys: a retried request that seals or sends returns what the first one did, and seals nothing more.

A caller sends a key of its own choosing with the request (the `Idempotency-Key` header, a hidden field in each
rendered web form, `--idempotency-key` on the command line). The key is kept per person and per operation, with a
keyed digest of the request and a reference to the record the request produced, in the same transaction as that
record: a crash leaves both or neither. A later request by the same person, to the same operation, with the same
key gets that record again if the request is the same, and is refused (422, naming `Idempotency-Key`) if it is not.
Two requests with one key at the same moment cannot both seal: the table's primary key lets one commit, and the
other looks again and returns the first one's record (409 if it still cannot see it).

Keys are honoured for `settings.idempotency_key_hours` (24 by default, longer than any session or API token);
after that a key counts as unused, and `HousekeepingService.forget_expired_idempotency_keys` deletes its row
(hourly while `safeshare serve` runs, and on `safeshare db forget-expired-keys`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from safeshare.domain.errors import Conflict, InvalidInput
from safeshare.services.context import Actor
from safeshare.settings import Settings
from safeshare.store.repositories.idempotency import KeyTaken, StoredKey
from safeshare.store.unit_of_work import UnitOfWork

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
KEY_RULE = "16 to 128 letters, digits, '-' or '_' (a UUID or 32 random bytes in base64url will do)"
# How often a request whose key a concurrent request took looks again before giving up with 409.
ATTEMPTS = 3


def honoured_since(now: dt.datetime, settings: Settings) -> dt.datetime:
    """Keys recorded at or before this moment are no longer honoured."""
    return now - dt.timedelta(hours=settings.idempotency_key_hours)


def checked_key(value: str | None) -> str | None:
    """The caller's key, or None when they sent none; refused (naming the header) if it is not one."""
    if value is None:
        return None
    if not KEY_PATTERN.fullmatch(value):
        raise InvalidInput.of(HEADER, f"must be {KEY_RULE}")
    return value


def still_in_flight() -> Conflict:
    return Conflict.of(HEADER, "a request with this key is still being processed: send it again in a moment")


def request_digest(settings: Settings, operation: str, *parts: Any) -> str:
    """An HMAC of the request under the installation's secret key: it tells two requests apart, but a copy of the
    table cannot be used to guess what a request said."""
    canonical = json.dumps([operation, _plain(list(parts))], sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(settings.secret_key.get_secret_value().encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Attempt:
    """One keyed request: who, to which operation, with which key and digest."""

    actor: Actor
    operation: str
    key: str
    digest: str

    def earlier_result(self, uow: UnitOfWork, now: dt.datetime, settings: Settings) -> str | None:
        """The reference of the record an earlier request with this key produced, if it is still honoured."""
        found = uow.idempotency.find(self.actor.person_id, self.operation, self.key)
        if found is None:
            return None
        if found.created_at <= honoured_since(now, settings):
            uow.idempotency.forget(self.actor.person_id, self.operation, self.key)
            return None
        if not hmac.compare_digest(found.request_digest, self.digest):
            raise InvalidInput.of(HEADER, "this key was already used for a different request: use a new key for a new request")
        return found.result_ref

    def remember(self, uow: UnitOfWork, result_ref: str, now: dt.datetime) -> None:
        uow.idempotency.add(StoredKey(self.actor.person_id, self.operation, self.key, self.digest, result_ref, now))


@dataclass(frozen=True)
class Idempotent:
    """How a use case is made idempotent: its operation's name, the reference of the record a result is, and how to
    give the result again from that reference (with the same checks and access logging as reading it)."""

    operation: str
    reference: Callable[[Any], str]
    replay: Callable[[Any, UnitOfWork, Actor, str], Any]


def ref_id(ref: str) -> str:
    """The id in a reference such as 'disclosure:<id>'."""
    return ref.split(":", 1)[1]


def retrying_taken_keys(run: Callable[[], Any]) -> Any:
    """Run a keyed request again (in a new transaction) when a concurrent one took its key first: the second run
    finds the first one's record."""
    for _ in range(ATTEMPTS):
        try:
            return run()
        except KeyTaken:
            continue
    raise still_in_flight()
