"""Ledger entries and how new ones are sealed onto a log.

Each entry stores two hashes so a verifier can name the first damaged entry:

* ``leaf_hash  = SHA-256(0x00 || entry bytes)`` — the RFC 9162 leaf (see ``encoding``);
  the entry bytes include ``log`` and ``seq``, so a moved or renumbered entry no longer
  matches its own leaf hash, and the SHA-256 of the payload (``content_hash``), so the
  payload kept beside the entry is checked against it and may be erased.
* ``chain_hash = SHA-256(0x02 || previous chain_hash || leaf_hash)`` with 32 zero bytes
  before seq 1 — each entry commits to everything before it, so a deleted, inserted or
  reordered entry breaks the chain exactly where it happened. The 0x02 prefix keeps chain
  inputs distinct from Merkle leaf (0x00) and node (0x01) inputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from safeshare.ledger.encoding import (
    CanonicalJson,
    canonical_json,
    check_kind,
    check_log_name,
    content_hash,
    entry_bytes,
    legacy_entry_bytes,
    format_timestamp,
    parse_timestamp,
)
from safeshare.ledger.merkle import leaf_hash

GENESIS_CHAIN = bytes(32)
CHAIN_PREFIX = b"\x02"


class LedgerEntry(NamedTuple):
    """One sealed entry. A tuple so millions can be verified without per-entry overhead."""

    log: str
    seq: int
    kind: str
    recorded_at: str  # canonical UTC text, exactly as hashed
    payload_json: str | None  # canonical JSON text, exactly as hashed; None once erased
    corrects: int | None
    leaf_hash: bytes
    chain_hash: bytes
    content_hash: bytes | None = None  # None only on entries recorded before content hashing

    @property
    def payload(self) -> dict:
        if self.payload_json is None:
            raise ValueError(f"the content of entry {self.seq} of the {self.log} log was erased")
        return json.loads(self.payload_json)

    @property
    def recorded_at_datetime(self) -> datetime:
        return parse_timestamp(self.recorded_at)

    def entry_bytes(self) -> bytes:
        if self.content_hash is None:
            return legacy_entry_bytes(self.log, self.seq, self.kind, self.recorded_at, self.payload_json, self.corrects)
        return entry_bytes(self.log, self.seq, self.kind, self.recorded_at, self.content_hash, self.corrects)


class NewEntry(NamedTuple):
    """What a caller asks to append; seq, time and hashes are assigned by the ledger. The
    payload is a dict, or its canonical JSON already encoded (``CanonicalJson``)."""

    kind: str
    payload: dict | CanonicalJson
    corrects: int | None = None


def chain_hash(previous_chain: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(CHAIN_PREFIX + previous_chain + leaf).digest()


def seal_entries(
    log: str,
    items: Iterable[NewEntry | tuple],
    *,
    after_seq: int,
    after_chain: bytes,
    recorded_at: datetime,
) -> list[LedgerEntry]:
    """New entries following the head (``after_seq``, ``after_chain``; 0 and
    ``GENESIS_CHAIN`` for an empty log), all stamped with ``recorded_at``."""
    check_log_name(log)
    if after_seq < 0 or len(after_chain) != 32:
        raise ValueError("invalid log head")
    stamp = format_timestamp(recorded_at)
    sealed: list[LedgerEntry] = []
    chain = after_chain
    for seq, item in enumerate(items, start=after_seq + 1):
        kind, payload, corrects = NewEntry(*item)
        check_kind(kind)
        if corrects is not None and not (type(corrects) is int and 1 <= corrects < seq):
            raise ValueError(
                f"corrects must be the seq of an earlier entry (1..{seq - 1}), got {corrects!r}"
            )
        payload_json = canonical_json(payload)
        content = content_hash(payload_json)
        leaf = leaf_hash(entry_bytes(log, seq, kind, stamp, content, corrects))
        chain = chain_hash(chain, leaf)
        sealed.append(LedgerEntry(log, seq, kind, stamp, payload_json, corrects, leaf, chain, content))
    return sealed
