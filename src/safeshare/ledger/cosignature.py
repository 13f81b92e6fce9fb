"""Witness cosignatures (C2SP ``tlog-cosignature`` v1, Ed25519) and the witness's add-checkpoint
request (C2SP ``tlog-witness``): what an agency signs when it vouches for a checkpoint.

A cosignature is one more signed-note line on the checkpoint::

    — <witness name> base64(key id (4) || timestamp (8, big-endian) || Ed25519 signature (64))

key id = SHA-256(name || "\\n" || 0x04 || public key)[:4], and the signature is over::

    cosignature/v1
    time <POSIX seconds>
    <the checkpoint body, every line up to the blank line>

It says: as of that time, this is the largest tree the witness has seen for the log, and the
witness checked it is consistent with every earlier one it saw.

The add-checkpoint request carries the consistency proof from the witness's last tree::

    old <size the witness saw>
    <base64 proof hash>        (one line per hash, RFC 9162 PROOF(old, new))
                               (blank line)
    <the new checkpoint, as signed by SafeShare>
"""

from __future__ import annotations

import base64
import hashlib
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from safeshare.ledger.checkpoint import SIGNATURE_LINE_PREFIX, Checkpoint, CheckpointFormatError, parse_checkpoint
from safeshare.ledger.keys import check_key_name, load_public_key, public_key_bytes

COSIGNATURE_TYPE = b"\x04"
_HEADER = "cosignature/v1\n"


class Cosignature(NamedTuple):
    witness: str  # key name
    timestamp: int  # POSIX seconds
    signature: bytes
    line: str  # the signature line, without its newline


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_TYPE + public_key).digest()[:4]


def cosigner_vkey(name: str, key: Ed25519PrivateKey | Ed25519PublicKey | bytes) -> str:
    """The witness's verifier key ``<name>+<key id>+base64(0x04 || public key)``."""
    raw = key if isinstance(key, bytes) else public_key_bytes(key)
    check_key_name(name)
    encoded = base64.b64encode(COSIGNATURE_TYPE + raw).decode("ascii")
    return f"{name}+{cosigner_key_id(name, raw).hex()}+{encoded}"


def parse_cosigner_vkey(vkey: str) -> tuple[str, bytes]:
    """``(name, raw public key)`` from a witness verifier key; anything else is refused."""
    name, _, rest = vkey.strip().partition("+")
    hex_id, _, encoded = rest.partition("+")
    try:
        check_key_name(name)
        blob = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise ValueError(f"not a witness verifier key: {exc}") from None
    if len(blob) != 33 or blob[:1] != COSIGNATURE_TYPE:
        raise ValueError("not an Ed25519 cosignature key (<name>+<key id>+base64(0x04 || key))")
    if cosigner_key_id(name, blob[1:]).hex() != hex_id.lower():
        raise ValueError("the key id does not match the name and key")
    return name, blob[1:]


def signed_message(checkpoint: Checkpoint, timestamp: int) -> bytes:
    return f"{_HEADER}time {timestamp}\n{checkpoint.body}".encode()


def cosign(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> Cosignature:
    check_key_name(name)
    if not 0 <= timestamp < 1 << 63:
        raise ValueError("timestamp out of range")
    raw = public_key_bytes(private_key)
    blob = cosigner_key_id(name, raw) + timestamp.to_bytes(8, "big") + private_key.sign(signed_message(checkpoint, timestamp))
    line = f"{SIGNATURE_LINE_PREFIX}{name} {base64.b64encode(blob).decode('ascii')}"
    return Cosignature(name, timestamp, blob[12:], line)


def parse_cosignature_line(line: str) -> tuple[str, bytes, int, bytes]:
    """``(name, key id, timestamp, signature)`` from a cosignature line."""
    if not line.startswith(SIGNATURE_LINE_PREFIX):
        raise CheckpointFormatError("a cosignature line starts with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_LINE_PREFIX) :].rstrip("\n").partition(" ")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise CheckpointFormatError("the cosignature is not valid base64") from None
    if not name or len(blob) != 4 + 8 + 64:
        raise CheckpointFormatError("a cosignature holds a key id, a timestamp and an Ed25519 signature")
    return name, blob[:4], int.from_bytes(blob[4:12], "big"), blob[12:]


def verify_cosignature(checkpoint: Checkpoint, line: str, name: str, public_key: bytes | str) -> Cosignature | None:
    """The cosignature if ``line`` is a valid one by the witness ``name`` with ``public_key``, else None."""
    try:
        signer, key_id, timestamp, signature = parse_cosignature_line(line)
    except CheckpointFormatError:
        return None
    raw = public_key_bytes(load_public_key(public_key))
    if signer != name or key_id != cosigner_key_id(name, raw) or timestamp >= 1 << 63:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, signed_message(checkpoint, timestamp))
    except InvalidSignature:
        return None
    return Cosignature(name, timestamp, signature, line.rstrip("\n"))


def with_cosignatures(checkpoint: Checkpoint, lines: list[str]) -> Checkpoint:
    """The checkpoint with more signature lines after its own (the note a witness hands on)."""
    return parse_checkpoint(checkpoint.text + "".join(line.rstrip("\n") + "\n" for line in lines))


def add_checkpoint_request(old_size: int, proof: list[bytes], checkpoint: Checkpoint) -> str:
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return "".join(line + "\n" for line in lines) + "\n" + checkpoint.text


def parse_add_checkpoint_request(text: str) -> tuple[int, list[bytes], Checkpoint]:
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old ") or not lines[0][4:].isdigit() or not lines[0][4:].isascii():
        raise CheckpointFormatError("an add-checkpoint request starts with 'old <size>' and a blank line ends the proof")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except ValueError:
        raise CheckpointFormatError("a proof line is not valid base64") from None
    if any(len(h) != 32 for h in proof):
        raise CheckpointFormatError("a proof hash is not 32 bytes")
    return int(lines[0][4:]), proof, parse_checkpoint(note)
