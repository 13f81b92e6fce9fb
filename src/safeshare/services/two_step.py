"""Two-step sign-in's secrets and codes: RFC 6238 time-based one-time passwords (pyotp), the secret kept
encrypted with a key derived from the installation's secret key, and single-use recovery codes kept as keyed
hashes. The use cases that ask for them are in services/accounts.py."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safeshare.settings import Settings

ISSUER = "SafeShare"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_RECOVERY_CODE_BYTES = 15  # 120 random bits, shown as 24 base32 characters


def _derived_key(settings: Settings, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(settings.secret().encode())


def encrypt_secret(settings: Settings, secret: str) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def decrypt_secret(settings: Settings, encrypted: str) -> str | None:
    try:
        return _fernet(settings).decrypt(encrypted.encode()).decode()
    except InvalidToken:  # the secret key was changed: the person must set two-step sign-in up again
        return None


def _fernet(settings: Settings) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(settings, b"safeshare two-step secrets")))


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code this is: the current one or either neighbour (clock drift), else None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in (current - 1, current, current + 1):  # every one compared, in constant time
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            found = step
    return found


def new_recovery_codes() -> list[str]:
    return [_format(base64.b32encode(secrets.token_bytes(_RECOVERY_CODE_BYTES)).decode()) for _ in range(RECOVERY_CODES)]


def _format(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()


def recovery_code_hash(settings: Settings, code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hmac.new(_derived_key(settings, b"safeshare recovery codes"), normalised.encode(), hashlib.sha256).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len("".join(ch for ch in code if ch.isalnum())) == 24
