"""Ledgers for tests, and the attacker's toolbox for damaging them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.ledger import Checkpoint, LedgerEntry, NewEntry, seal_entries, sign_checkpoint, tree_root
from safeshare.ledger.encoding import content_hash, format_timestamp, parse_timestamp
from safeshare.ledger.entry import GENESIS_CHAIN, chain_hash
from safeshare.ledger.merkle import leaf_hash

START = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
SIGNING_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def build_log(count: int, log: str = "decisions", *, corrections_every: int = 5) -> list[LedgerEntry]:
    """``count`` entries, one second apart; every ``corrections_every``-th corrects an earlier one."""
    entries: list[LedgerEntry] = []
    for seq in range(1, count + 1):
        corrects = seq // 2 if seq > 1 and seq % corrections_every == 0 else None
        kind = "decision.corrected" if corrects else "decision.recorded"
        payload = {"case": f"C-{seq}", "decision": "share" if seq % 2 else "withhold", "n": seq}
        head_chain = entries[-1].chain_hash if entries else GENESIS_CHAIN
        entries += seal_entries(
            log, [NewEntry(kind, payload, corrects)], after_seq=seq - 1, after_chain=head_chain,
            recorded_at=START + timedelta(seconds=seq),
        )
    return entries


def checkpoint_for(entries: list[LedgerEntry], size: int | None = None, log: str = "decisions") -> Checkpoint:
    size = len(entries) if size is None else size
    root = tree_root([e.leaf_hash for e in entries[:size]])
    return sign_checkpoint(log, size, root, SIGNING_KEY, timestamp=START)


def reseal(entries: list[LedgerEntry], start_index: int) -> list[LedgerEntry]:
    """What a capable attacker does after editing: recompute every hash from ``start_index``."""
    out = list(entries[:start_index])
    chain = out[-1].chain_hash if out else GENESIS_CHAIN
    for e in entries[start_index:]:
        if e.content_hash is not None and e.payload_json is not None:
            e = e._replace(content_hash=content_hash(e.payload_json))
        leaf = leaf_hash(e.entry_bytes())
        chain = chain_hash(chain, leaf)
        out.append(e._replace(leaf_hash=leaf, chain_hash=chain))
    return out


def flip_byte(value: bytes, position: int = 0) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


def shift_timestamp(text: str, microseconds: int) -> str:
    return format_timestamp(parse_timestamp(text) + timedelta(microseconds=microseconds))


def first_difference(original: list, tampered: list) -> int | None:
    """The seq (1-based position) where the stored log first stops being the genuine one,
    or None if nothing changed."""
    for position, (genuine, stored) in enumerate(zip(original, tampered), start=1):
        if genuine != stored:
            return position
    if len(original) != len(tampered):
        return min(len(original), len(tampered)) + 1
    return None
