"""Signed checkpoints: a C2SP ``tlog-checkpoint`` wrapped in a C2SP ``signed-note``.

A checkpoint file is UTF-8 text, every line ending in ``\\n``::

    safeshare/decisions                              <- origin: "<prefix>/<log name>"
    1234                                             <- tree size (number of entries)
    Eq1ZnYLRT0w3Yp9VcOyjSMvPjbtIQx3nU0y4dd3PmKQ=     <- root hash, standard base64
    timestamp 2025-01-02T03:04:05.000006Z            <- when it was signed (UTC)
    public-key safeshare+6f1a2b3c+AcR...             <- signer's verifier key (a claim only)
                                                     <- blank line ends the signed body
    — safeshare bxoqP...                             <- em dash, key name, base64(key id || sig)

The signature is Ed25519 over the body: every line above the blank line, including the
last newline. Key id = SHA-256(key name || "\\n" || 0x01 || public key)[:4]. The embedded
public key only says which key *claims* to have signed; trust comes from comparing it with
a key obtained independently (pass ``expected_public_key``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from safeshare.ledger.encoding import check_log_name, format_timestamp, is_canonical_timestamp
from safeshare.ledger.keys import (
    check_key_name,
    key_id,
    load_public_key,
    public_key_bytes,
    verifier_key,
)

SIGNATURE_LINE_PREFIX = "\u2014 "
DEFAULT_ORIGIN_PREFIX = "safeshare"
DEFAULT_KEY_NAME = "safeshare"
_TIMESTAMP = "timestamp "
_PUBLIC_KEY = "public-key "


class CheckpointFormatError(ValueError):
    pass


class NoteSignature(NamedTuple):
    key_name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: str
    public_key: bytes | None
    signatures: tuple[NoteSignature, ...]
    text: str

    @property
    def log(self) -> str:
        return self.origin.rsplit("/", 1)[-1]

    @property
    def body(self) -> str:
        return self.text[: self.text.rindex("\n\n") + 1]


class SignatureCheck(NamedTuple):
    valid: bool
    key_matches_expected: bool | None  # None when no expected key was given
    detail: str


def checkpoint_body(
    origin: str, tree_size: int, root_hash: bytes, timestamp: str, vkey: str | None
) -> str:
    lines = [origin, str(tree_size), base64.b64encode(root_hash).decode("ascii"), _TIMESTAMP + timestamp]
    if vkey is not None:
        lines.append(_PUBLIC_KEY + vkey)
    return "".join(line + "\n" for line in lines)


def sign_checkpoint(
    log: str,
    tree_size: int,
    root_hash: bytes,
    private_key: Ed25519PrivateKey,
    *,
    timestamp: datetime | None = None,
    origin_prefix: str = DEFAULT_ORIGIN_PREFIX,
    key_name: str = DEFAULT_KEY_NAME,
) -> Checkpoint:
    check_log_name(log)
    check_key_name(key_name)
    if tree_size < 0 or len(root_hash) != 32:
        raise ValueError("invalid tree head")
    if not origin_prefix or any(c.isspace() for c in origin_prefix):
        raise ValueError(f"invalid origin prefix {origin_prefix!r}")
    stamp = format_timestamp(timestamp or datetime.now(UTC))
    body = checkpoint_body(
        f"{origin_prefix}/{log}", tree_size, root_hash, stamp, verifier_key(key_name, private_key)
    )
    raw_public = public_key_bytes(private_key)
    blob = key_id(key_name, raw_public) + private_key.sign(body.encode())
    text = f"{body}\n{SIGNATURE_LINE_PREFIX}{key_name} {base64.b64encode(blob).decode('ascii')}\n"
    return parse_checkpoint(text)


def parse_checkpoint(text: str | bytes) -> Checkpoint:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointFormatError("checkpoint is not UTF-8") from None
    if "\n\n" not in text or not text.endswith("\n"):
        raise CheckpointFormatError("not a signed note (no blank line before signatures)")
    split = text.rindex("\n\n")
    body_lines = text[:split].split("\n")
    signature_lines = text[split + 2 : -1].split("\n")
    if len(body_lines) < 4:
        raise CheckpointFormatError("checkpoint body needs origin, size, root hash and timestamp")
    origin, size_text, root_text, *extensions = body_lines
    if not origin or "/" not in origin or any(c.isspace() for c in origin):
        raise CheckpointFormatError(f"bad origin line {origin!r}")
    try:
        check_log_name(origin.rsplit("/", 1)[-1])
    except ValueError as exc:
        raise CheckpointFormatError(f"origin does not end in a log name: {exc}") from None
    if "" in extensions or "" in signature_lines:
        raise CheckpointFormatError("empty line inside the body or the signatures")
    if not size_text.isdigit() or not size_text.isascii() or (size_text != "0" and size_text[0] == "0"):
        raise CheckpointFormatError(f"bad tree size line {size_text!r}")
    root_hash = _decode_b64(root_text, "root hash")
    if len(root_hash) != 32:
        raise CheckpointFormatError("root hash must be 32 bytes")
    timestamps = [line[len(_TIMESTAMP) :] for line in extensions if line.startswith(_TIMESTAMP)]
    if len(timestamps) != 1 or not is_canonical_timestamp(timestamps[0]):
        raise CheckpointFormatError("checkpoint needs exactly one canonical timestamp line")
    keys = [line[len(_PUBLIC_KEY) :] for line in extensions if line.startswith(_PUBLIC_KEY)]
    if len(keys) > 1:
        raise CheckpointFormatError("more than one public-key line")
    try:
        public_key = public_key_bytes(load_public_key(keys[0])) if keys else None
    except ValueError as exc:
        raise CheckpointFormatError(f"bad public-key line: {exc}") from None
    return Checkpoint(
        origin=origin,
        tree_size=int(size_text),
        root_hash=root_hash,
        timestamp=timestamps[0],
        public_key=public_key,
        signatures=tuple(_parse_signature_line(line) for line in signature_lines),
        text=text,
    )


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_LINE_PREFIX):
        raise CheckpointFormatError(f"bad signature line {line!r}")
    name, _, encoded = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
    blob = _decode_b64(encoded, "signature")
    if not name or len(blob) < 5:
        raise CheckpointFormatError(f"bad signature line {line!r}")
    return NoteSignature(name, blob[:4], blob[4:])


def _decode_b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointFormatError(f"{what} is not valid base64") from None


def check_signature(
    checkpoint: Checkpoint, expected_public_key: Ed25519PublicKey | bytes | str | None = None
) -> SignatureCheck:
    """Whether the checkpoint carries a valid Ed25519 signature, and by which key."""
    if expected_public_key is not None:
        raw = public_key_bytes(load_public_key(expected_public_key))
        if _signed_by(checkpoint, raw):
            detail = "signed by the expected key"
            if checkpoint.public_key not in (None, raw):
                detail += " (its embedded public-key line names a different key)"
            return SignatureCheck(True, True, detail)
        if checkpoint.public_key is not None and checkpoint.public_key != raw:
            return SignatureCheck(False, False, "signed by a different key than the expected one")
        return SignatureCheck(False, False, "no valid signature by the expected key")
    if checkpoint.public_key is None:
        return SignatureCheck(False, None, "no public key given and none embedded")
    if _signed_by(checkpoint, checkpoint.public_key):
        return SignatureCheck(
            True,
            None,
            "signature valid for the key embedded in the checkpoint only; without an expected"
            " public key this does not show who signed it",
        )
    return SignatureCheck(False, None, "signature does not verify with the embedded key")


def _signed_by(checkpoint: Checkpoint, raw_public_key: bytes) -> bool:
    key = Ed25519PublicKey.from_public_bytes(raw_public_key)
    message = checkpoint.body.encode()
    for signature in checkpoint.signatures:
        if signature.key_id != key_id(signature.key_name, raw_public_key):
            continue
        try:
            key.verify(signature.signature, message)
        except InvalidSignature:
            continue
        return True
    return False


def write_checkpoint(checkpoint: Checkpoint, path: str | PathLike) -> None:
    Path(path).write_bytes(checkpoint.text.encode("utf-8"))


def read_checkpoint(path: str | PathLike) -> Checkpoint:
    return parse_checkpoint(Path(path).read_bytes())
