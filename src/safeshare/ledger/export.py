"""Export files an auditor can verify offline with only the export, a checkpoint file and
the public key.

Export format: UTF-8 JSON Lines, one entry per line in seq order from seq 1, each line
exactly (no spaces, ``\\n`` after every line)::

    {"chain_hash":"<64 hex>","content":<payload, or null if erased>,"entry":<entry bytes>,"leaf_hash":"<64 hex>"}

where ``<entry bytes>`` are the exact bytes that were hashed (see ``encoding``): in any
language, they run from after the line's last ``,"entry":`` to before its last 81 bytes
(``,"leaf_hash":"<64 hex>"}`` and a newline), and ``leaf_hash = SHA-256(0x00 || entry bytes)``;
the content's bytes (from byte 93 to that ``,"entry":``) have ``SHA-256(content) = entry.content``
unless the content was erased, and ``chain_hash = SHA-256(0x02 || previous chain_hash || leaf_hash)``
from 32 zero bytes. The Merkle root over the leaf hashes (RFC 9162) must equal the
checkpoint's root hash for the checkpoint's tree size.

An entry recorded before content hashing is exported as
``{"chain_hash":"<64 hex>","entry":<legacy entry bytes>,"leaf_hash":"<64 hex>"}``: its entry
bytes hold the payload itself, so ``leaf_hash = SHA-256(0x00 || line[89:-81])``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.ledger.checkpoint import (
    DEFAULT_KEY_NAME,
    DEFAULT_ORIGIN_PREFIX,
    Checkpoint,
    CheckpointFormatError,
    read_checkpoint,
    sign_checkpoint,
    write_checkpoint,
)
from safeshare.ledger.encoding import ENTRY_TEMPLATE, LEGACY_ENTRY_TEMPLATE
from safeshare.ledger.entry import LedgerEntry
from safeshare.ledger.verify import PublicKeyLike, VerificationReport, verify_entries

EXPORT_LINE_TEMPLATE = '{"chain_hash":"%s","content":%s,"entry":' + ENTRY_TEMPLATE + ',"leaf_hash":"%s"}\n'
LEGACY_EXPORT_LINE_TEMPLATE = '{"chain_hash":"%s","entry":' + LEGACY_ENTRY_TEMPLATE + ',"leaf_hash":"%s"}\n'
_LINE = re.compile(
    r'\{"chain_hash":"([0-9a-f]{64})","content":(null|\{.*\}),"entry":\{"content":"([0-9a-f]{64})",'
    r'"corrects":(null|[1-9][0-9]{0,17}),"kind":"([a-z][a-z0-9_.-]{0,99})","log":"([a-z][a-z0-9_-]{0,63})",'
    r'"recorded_at":"([0-9T:.Z-]{27})","seq":([1-9][0-9]{0,17})\},"leaf_hash":"([0-9a-f]{64})"\}\n'
)
_LEGACY_LINE = re.compile(
    r'\{"chain_hash":"([0-9a-f]{64})","entry":\{"corrects":(null|[1-9][0-9]{0,17}),'
    r'"kind":"([a-z][a-z0-9_.-]{0,99})","log":"([a-z][a-z0-9_-]{0,63})","payload":(\{.*\}),'
    r'"recorded_at":"([0-9T:.Z-]{27})","seq":([1-9][0-9]{0,17})\},"leaf_hash":"([0-9a-f]{64})"\}\n'
)
_WRITE_BATCH = 4096


class LedgerIntegrityError(Exception):
    def __init__(self, report: VerificationReport) -> None:
        super().__init__(report.summary())
        self.report = report


def export_line(entry: LedgerEntry) -> bytes:
    log, seq, kind, recorded_at, payload, corrects, leaf, chain, content = entry
    corrects_text = "null" if corrects is None else corrects
    if content is None:
        line = LEGACY_EXPORT_LINE_TEMPLATE % (chain.hex(), corrects_text, kind, log, payload, recorded_at, seq, leaf.hex())
    else:
        shown = "null" if payload is None else payload
        line = EXPORT_LINE_TEMPLATE % (chain.hex(), shown, content.hex(), corrects_text, kind, log, recorded_at, seq, leaf.hex())
    return line.encode()


def export_log(entries: Iterable[LedgerEntry], destination: str | PathLike | BinaryIO) -> int:
    """Write ``entries`` as export lines; returns how many. Writes what it is given — use
    ``export_with_checkpoint`` to refuse damaged logs."""
    if isinstance(destination, (str, PathLike)):
        with open(destination, "wb") as out:
            return export_log(entries, out)
    count = 0
    batch: list[bytes] = []
    for entry in entries:
        batch.append(export_line(entry))
        if len(batch) == _WRITE_BATCH:
            destination.writelines(batch)
            count += len(batch)
            batch.clear()
    destination.writelines(batch)
    return count + len(batch)


def export_bytes(entries: Iterable[LedgerEntry]) -> bytes:
    return b"".join(map(export_line, entries))


class ExportFormatError(ValueError):
    def __init__(self, line_number: int, reason: str) -> None:
        super().__init__(f"line {line_number}: {reason}")
        self.line_number = line_number


def read_export(source: str | PathLike | BinaryIO) -> Iterator[LedgerEntry]:
    """Entries from an export; raises ``ExportFormatError`` at the first malformed line."""
    if isinstance(source, (str, PathLike)):
        with open(source, "rb") as handle:
            yield from read_export(handle)
        return
    match, legacy = _LINE.fullmatch, _LEGACY_LINE.fullmatch
    for number, raw in enumerate(source, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ExportFormatError(number, "not UTF-8") from None
        m = match(line)
        if m is not None:
            chain, payload, content, corrects, kind, log, recorded_at, seq, leaf = m.groups()
            payload = None if payload == "null" else payload
        elif (m := legacy(line)) is not None:
            chain, corrects, kind, log, payload, recorded_at, seq, leaf = m.groups()
            content = None
        else:
            raise ExportFormatError(number, "not a well-formed export line")
        yield LedgerEntry(
            log,
            int(seq),
            kind,
            recorded_at,
            payload,
            None if corrects == "null" else int(corrects),
            bytes.fromhex(leaf),
            bytes.fromhex(chain),
            None if content is None else bytes.fromhex(content),
        )


def verify_export(
    export_path: str | PathLike,
    checkpoint_path: str | PathLike | None,
    public_key: PublicKeyLike | None = None,
) -> VerificationReport:
    """Verify an export file against a checkpoint file, offline."""
    checkpoint = None
    if checkpoint_path is not None:
        try:
            checkpoint = read_checkpoint(checkpoint_path)
        except (OSError, CheckpointFormatError) as exc:
            return _unreadable(f"checkpoint file unreadable: {exc}")
    try:
        handle = open(export_path, "rb")
    except OSError as exc:
        return _unreadable(f"export file unreadable: {exc}")
    format_errors: list[ExportFormatError] = []
    with handle:
        report = verify_entries(_until_malformed(read_export(handle), format_errors), checkpoint, public_key)
    if format_errors:
        return _with_format_error(report, format_errors[0])
    return report


def _until_malformed(entries: Iterator[LedgerEntry], errors: list) -> Iterator[LedgerEntry]:
    try:
        yield from entries
    except ExportFormatError as exc:
        errors.append(exc)


def _with_format_error(report: VerificationReport, error: ExportFormatError) -> VerificationReport:
    seq = error.line_number
    if (report.first_bad_seq is not None and report.first_bad_seq < seq) or (
        report.bad_range is not None and report.bad_range[1] < seq
    ):
        return report
    return VerificationReport(
        ok=False, log=report.log, entries_checked=seq, tree_size=seq - 1, root_hash=None,
        first_bad_seq=seq, bad_range=None, problem=str(error),
        checkpoints_checked=report.checkpoints_checked,
        key_matches_expected=report.key_matches_expected, notes=report.notes,
    )


def _unreadable(problem: str) -> VerificationReport:
    return VerificationReport(
        ok=False, log=None, entries_checked=0, tree_size=0, root_hash=None, first_bad_seq=None,
        bad_range=None, problem=problem, checkpoints_checked=0, key_matches_expected=None,
    )


def export_with_checkpoint(
    entries: Iterable[LedgerEntry],
    export_path: str | PathLike,
    checkpoint_path: str | PathLike,
    private_key: Ed25519PrivateKey,
    *,
    earlier_checkpoints: Iterable[Checkpoint] = (),
    timestamp: datetime | None = None,
    origin_prefix: str = DEFAULT_ORIGIN_PREFIX,
    key_name: str = DEFAULT_KEY_NAME,
) -> tuple[VerificationReport, Checkpoint]:
    """Verify while exporting (also against ``earlier_checkpoints``, which must be signed
    by the same key), then sign a checkpoint for exactly the exported entries. A damaged
    log is refused with ``LedgerIntegrityError`` and no files are left behind. Exports
    always start at seq 1: the chain and the Merkle root need every earlier entry."""
    export_path, checkpoint_path = Path(export_path), Path(checkpoint_path)
    try:
        with open(export_path, "wb") as out:
            report = verify_entries(
                _written(entries, out), list(earlier_checkpoints), private_key.public_key()
            )
    except BaseException:
        export_path.unlink(missing_ok=True)
        raise
    if not report.ok or report.log is None:
        export_path.unlink(missing_ok=True)
        if report.ok:
            raise ValueError("nothing to export: no entries and no log name")
        raise LedgerIntegrityError(report)
    checkpoint = sign_checkpoint(
        report.log, report.tree_size, report.root_hash, private_key,
        timestamp=timestamp, origin_prefix=origin_prefix, key_name=key_name,
    )
    write_checkpoint(checkpoint, checkpoint_path)
    return report, checkpoint


def _written(entries: Iterable[LedgerEntry], out: BinaryIO) -> Iterator[LedgerEntry]:
    write = out.write
    for entry in entries:
        write(export_line(entry))
        yield entry
