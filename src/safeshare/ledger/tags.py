"""Entry tags: an HMAC on every entry, keyed by a key derived from the checkpoint signing key.

Hashes alone prove nothing to someone who can write the database: they can recompute every
hash after an edit, or append an entry with valid hashes. The tag is what they cannot make::

    tag = HMAC-SHA256(tag key, "safeshare ledger entry tag v1" || 0x00 || log || 0x00 || seq (8 bytes, big-endian) || chain_hash)
    tag key = HMAC-SHA256(Ed25519 seed, "safeshare ledger entry tag key v1")

The chain hash commits to every entry before it, so a valid tag on entry ``n`` vouches for
entries ``1..n``. The key never lives in the database (it comes from the same setting as the
signing key), so only SafeShare can tag. Checking a tag needs the key, so tags are checked
by ``safeshare ledger verify`` on the host; an auditor offline relies on signed checkpoints.

Entries recorded before tagging began (a ledger migrated from an earlier release) carry no
tag; they are accepted only before the first witnessed checkpoint, which then covers them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_KEY_LABEL = b"safeshare ledger entry tag key v1"
_TAG_LABEL = b"safeshare ledger entry tag v1\x00"


def entry_tag_key(signing_key: Ed25519PrivateKey) -> bytes:
    return hmac.digest(signing_key.private_bytes_raw(), _KEY_LABEL, hashlib.sha256)


def entry_tag(key: bytes, log: str, seq: int, chain_hash: bytes) -> bytes:
    message = _TAG_LABEL + log.encode() + b"\x00" + seq.to_bytes(8, "big") + chain_hash
    return hmac.digest(key, message, hashlib.sha256)


def first_bad_tag(
    rows: Iterable[tuple[str, int, bytes, bytes | None]], key: bytes, *, untagged_allowed: bool
) -> tuple[int, str] | None:
    """The first ``(log, seq, chain_hash, tag)`` row whose tag is wrong, as ``(seq, problem)``.

    With ``untagged_allowed`` (no witnessed checkpoint yet), entries without a tag are accepted
    up to the first tagged one; after a tagged entry every entry must be tagged."""
    tagged_seen = False
    for log, seq, chain, tag in rows:
        if tag is None:
            if untagged_allowed and not tagged_seen:
                continue
            return seq, "entry carries no tag: SafeShare did not record it (appended or rewritten in the database)"
        tagged_seen = True
        if not hmac.compare_digest(bytes(tag), entry_tag(key, log, seq, bytes(chain))):
            return seq, (
                "entry's tag does not match: it was not recorded by SafeShare as it stands"
                " (appended, or rewritten with recomputed hashes, in the database)"
            )
    return None
