"""Ed25519 signing keys for checkpoints.

Settings hold the private key as the base64 of its 32-byte seed. Public keys are shared
either as base64 of the 32 raw bytes or as a signed-note verifier key
``<name>+<8 hex key id>+<base64(0x01 || public key)>`` (the format Go's
``golang.org/x/mod/sumdb/note`` and C2SP tooling read).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519_SIGNATURE_TYPE = b"\x01"
KEY_SIZE = 32
_VERIFIER_KEY = re.compile(r"[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*")


def generate_private_key_seed() -> str:
    """A new private key, as the base64 seed to put in settings."""
    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode("ascii")


def load_private_key(seed_b64: str) -> Ed25519PrivateKey:
    seed = _b64decode(seed_b64, "private key seed")
    if len(seed) != KEY_SIZE:
        raise ValueError(f"private key seed must be {KEY_SIZE} bytes, got {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes_raw()


def public_key_base64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    return base64.b64encode(public_key_bytes(key)).decode("ascii")


def key_id(key_name: str, public_key: bytes) -> bytes:
    """Signed-note key ID: first 4 bytes of SHA-256(name || "\\n" || 0x01 || key)."""
    material = key_name.encode() + b"\n" + ED25519_SIGNATURE_TYPE + public_key
    return hashlib.sha256(material).digest()[:4]


def check_key_name(key_name: str) -> str:
    if not key_name or any(c.isspace() or c == "+" for c in key_name):
        raise ValueError(f"key name must be non-empty without spaces or '+': {key_name!r}")
    return key_name


def verifier_key(key_name: str, key: Ed25519PrivateKey | Ed25519PublicKey | bytes) -> str:
    raw = key if isinstance(key, bytes) else public_key_bytes(key)
    check_key_name(key_name)
    encoded = base64.b64encode(ED25519_SIGNATURE_TYPE + raw).decode("ascii")
    return f"{key_name}+{key_id(key_name, raw).hex()}+{encoded}"


def load_public_key(value: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    """Accepts a key object, 32 raw bytes, base64 of the raw bytes, or a verifier key."""
    if isinstance(value, Ed25519PublicKey):
        return value
    if isinstance(value, bytes):
        raw = value
    elif _VERIFIER_KEY.fullmatch(value.strip()):
        raw = _parse_verifier_key(value.strip())
    else:
        raw = _b64decode(value, "public key")
    if len(raw) != KEY_SIZE:
        raise ValueError(f"public key must be {KEY_SIZE} bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def _parse_verifier_key(vkey: str) -> bytes:
    name, sep, rest = vkey.partition("+")
    hex_id, sep2, encoded = rest.partition("+")
    if not (sep and sep2):
        raise ValueError("not a verifier key (<name>+<key id>+<base64 key>)")
    blob = _b64decode(encoded, "verifier key")
    if len(blob) != KEY_SIZE + 1 or blob[:1] != ED25519_SIGNATURE_TYPE:
        raise ValueError("verifier key is not an Ed25519 key")
    raw = blob[1:]
    if key_id(name, raw).hex() != hex_id.lower():
        raise ValueError("verifier key id does not match its name and key")
    return raw


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not valid base64") from None
