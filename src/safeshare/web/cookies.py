"""The cookies the web service sets: the session, the sign-in form's CSRF pair, and the decision aid's answers.

Every cookie is HttpOnly and SameSite, Secure when the service runs over TLS, and none of them holds
anything readable: the session cookie is a random token (only its hash is stored), the others are signed
or encrypted with a key derived from the installation's secret key.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.requests import Request
from starlette.responses import Response

from safeshare.settings import Settings

# Browsers refuse cookies much over 4 KB; keep under that with room for the name and attributes.
MAX_COOKIE_BYTES = 3800
JOURNEY_PATH = "/share"


def _name(settings: Settings, base: str) -> str:
    # The __Host- prefix makes the browser insist on Secure, Path=/ and no Domain.
    return f"__Host-{base}" if settings.cookie_secure else base


def session_cookie_name(settings: Settings) -> str:
    return _name(settings, "safeshare_session")


def sign_in_cookie_name(settings: Settings) -> str:
    return _name(settings, "safeshare_sign_in")


def federated_cookie_name(settings: Settings) -> str:
    return _name(settings, "safeshare_oidc")


def set_federated(response: Response, settings: Settings, sealed_flow: str) -> None:
    # Lax, not Strict: the browser comes back from the identity provider by a cross-site navigation.
    response.set_cookie(
        federated_cookie_name(settings), sealed_flow, max_age=600, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
    )


def clear_federated(response: Response, settings: Settings) -> None:
    response.delete_cookie(federated_cookie_name(settings), path="/", secure=settings.cookie_secure, httponly=True, samesite="lax")


def journey_cookie_name(settings: Settings) -> str:
    # Scoped to the decision aid's path, so it cannot take the __Host- prefix.
    return "__Secure-safeshare_answers" if settings.cookie_secure else "safeshare_answers"


def session_token(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(session_cookie_name(settings)) or None


def set_session(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        token,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def set_sign_in(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        sign_in_cookie_name(settings), value, max_age=3600, path="/", secure=settings.cookie_secure, httponly=True, samesite="strict"
    )


def clear_all(response: Response, settings: Settings) -> None:
    for name in (session_cookie_name(settings), sign_in_cookie_name(settings)):
        response.delete_cookie(name, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax")
    clear_journey(response, settings)


def clear_sign_in(response: Response, settings: Settings) -> None:
    response.delete_cookie(sign_in_cookie_name(settings), path="/", secure=settings.cookie_secure, httponly=True, samesite="strict")


def clear_journey(response: Response, settings: Settings) -> None:
    response.delete_cookie(journey_cookie_name(settings), path=JOURNEY_PATH, secure=settings.cookie_secure, httponly=True, samesite="strict")


class JourneyTooLong(Exception):
    """The answers no longer fit in a cookie."""


class JourneySealer:
    """Encrypts the decision aid's answers so they can wait in the browser between pages.

    The answers may describe a child's circumstances, so they are encrypted (not only signed), bound to
    the session that wrote them, and expire with it.
    """

    def __init__(self, settings: Settings):
        secret = settings.secret().encode()
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"safeshare web journey answers").derive(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self._ttl = settings.session_absolute_hours * 3600
        self._settings = settings

    def read(self, request: Request, session_hash: str) -> dict[str, Any] | None:
        sealed = request.cookies.get(journey_cookie_name(self._settings))
        if not sealed:
            return None
        try:
            state = json.loads(zlib.decompress(self._fernet.decrypt(sealed.encode(), ttl=self._ttl)))
        except (InvalidToken, zlib.error, ValueError):
            return None
        if not isinstance(state, dict) or state.get("session") != session_hash:
            return None
        return state.get("journey")

    def write(self, response: Response, session_hash: str, journey: dict[str, Any]) -> None:
        plain = json.dumps({"session": session_hash, "journey": journey}, separators=(",", ":")).encode()
        sealed = self._fernet.encrypt(zlib.compress(plain, 9)).decode()
        if len(sealed) > MAX_COOKIE_BYTES:
            raise JourneyTooLong()
        response.set_cookie(
            journey_cookie_name(self._settings),
            sealed,
            max_age=self._ttl,
            path=JOURNEY_PATH,
            secure=self._settings.cookie_secure,
            httponly=True,
            samesite="strict",
        )
