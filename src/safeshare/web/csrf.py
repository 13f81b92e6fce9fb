"""Cross-site request forgery protection for every form.

Signed-in forms carry the session's own CSRF token (kept with the session row). The sign-in form,
shown before any session exists, uses a signed double submit: a random value in a cookie, and the
same value signed with the installation's secret key in the form.
"""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

from safeshare.settings import Settings

FIELD = "csrf_token"
SIGN_IN_MAX_AGE = 3600


class CsrfRefused(Exception):
    """A form arrived without a valid token: it may not have come from a SafeShare page."""


def tokens_match(expected: str | None, submitted: str | None) -> bool:
    if not expected or not submitted:
        return False
    return secrets.compare_digest(expected.encode(), submitted.encode())


class SignInForgeryGuard:
    def __init__(self, settings: Settings):
        self._serializer = URLSafeTimedSerializer(settings.secret(), salt="safeshare.sign-in")

    @staticmethod
    def new_cookie_value() -> str:
        return secrets.token_urlsafe(32)

    def form_token(self, cookie_value: str) -> str:
        return self._serializer.dumps(cookie_value)

    def valid(self, cookie_value: str | None, submitted: str | None) -> bool:
        if not cookie_value or not submitted:
            return False
        try:
            signed_value = self._serializer.loads(submitted, max_age=SIGN_IN_MAX_AGE)
        except BadSignature:
            return False
        return isinstance(signed_value, str) and tokens_match(cookie_value, signed_value)
