"""The idempotency key each rendered form that seals or sends carries, so a double submit or a refresh-and-resubmit
returns the first result (services/idempotency.py) instead of sealing twice.

The key starts with the time the form was shown (seconds, in hex). A date typed as today becomes a moment by that
time rather than by the time of the submit (`forms.moment_on`), so a second submit of one form is the same request.
The time is only a hint the browser sends back: one that is not between the start of the session's longest life and
now is ignored.
"""

from __future__ import annotations

import datetime as dt
import secrets

from safeshare.web.forms import Form

FIELD = "idempotency_key"
# No form outlives the longest web session, so a form shown earlier than this is not one of ours.
_OLDEST = dt.timedelta(hours=24)


def new_form_key(now: dt.datetime) -> str:
    return f"{int(now.timestamp()):x}-{secrets.token_urlsafe(24)}"


def form_key(form: Form) -> str | None:
    return form.optional(FIELD)


def shown_at(form: Form, now: dt.datetime) -> dt.datetime:
    """When the submitted form was shown, by its key; now if the key does not say so believably."""
    stamp, sep, _ = (form_key(form) or "").partition("-")
    try:
        shown = dt.datetime.fromtimestamp(int(stamp, 16), dt.UTC) if sep else None
    except (ValueError, OverflowError, OSError):
        shown = None
    if shown is None or not now - _OLDEST <= shown <= now:
        return now
    return shown
