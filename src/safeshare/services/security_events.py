"""Security events: each sign-in and its outcome, lock-outs and throttling, refused permissions and records,
and forms refused as possible forgeries, as one JSON object a line on the `safeshare.security` logger.

Reads of personal data are not here: they are the access log, in the ledger (docs/SECURITY.md, section 2).
These lines go wherever the operator sends the process's standard error, to be kept apart from SafeShare's
host (a log service or SIEM). They name people by their id and never hold a password, a token, anything about a
child, or an email address typed at sign-in: an unknown address is named by a keyed digest, so repeated attempts
on one address can be seen without the address itself being written down. JSON encoding escapes whatever a
caller typed, so no value can forge a line of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from enum import StrEnum

logger = logging.getLogger("safeshare.security")


class SecurityEvent(StrEnum):
    SIGN_IN_SUCCEEDED = "sign_in.succeeded"
    SIGN_IN_STEP_PASSED = "sign_in.step_passed"  # the password is right; the second step (or setting it up) is next
    SIGN_IN_FAILED = "sign_in.failed"
    SIGN_IN_THROTTLED = "sign_in.throttled"
    SIGNED_OUT = "signed_out"
    PERMISSION_REFUSED = "authorisation.permission_refused"
    RECORD_REFUSED = "authorisation.record_refused"
    FORM_FORGERY_REFUSED = "csrf.refused"


def account_digest(secret: str, email: str) -> str:
    """A stable name for an email address typed at sign-in that does not reveal it (HMAC under the secret key)."""
    normalised = email.strip().lower().encode()
    return hmac.new(secret.encode(), b"safeshare.security-event:" + normalised, hashlib.sha256).hexdigest()[:24]


def record_event(event: SecurityEvent, at: dt.datetime, **fields: str | int | bool | None) -> None:
    """Write one event with its time (UTC) and the fields given; fields left as None are left out."""
    line = {"event": event.value, "at": at.astimezone(dt.UTC).isoformat(timespec="milliseconds")}
    line.update({name: value for name, value in fields.items() if value is not None})
    logger.info(json.dumps(line, ensure_ascii=True, sort_keys=True))
