"""The witness store: signed checkpoints kept outside the database, in a directory of files that are
written once and never changed.

Whoever can write the database cannot change these, so they are what ``safeshare ledger verify``
holds the database to. Give the directory to a different account (or mount) than the database's,
and copy it off the host: the partnership auditor downloads it (``safeshare ledger witness-store``).

Layout, per log (every number zero-padded to 20 digits so names sort as numbers)::

    <dir>/<log>/checkpoints/<size>.checkpoint      the signed checkpoint (C2SP tlog-checkpoint)
    <dir>/<log>/leaves/<from>-<size>.leaves         for each seq from+1..size: leaf hash || chain hash (64 bytes)
    <dir>/<log>/proofs/<size>.proof                 tlog-witness add-checkpoint request: RFC 9162 consistency
                                                    proof from the checkpoint before (C2SP tlog-witness)
    <dir>/<log>/cosignatures/<witness id>/<size>.cosigned   the checkpoint with an agency's cosignature line
    <dir>/_witnesses/<witness id>.vkey              each agency witness's verifier key, as registered

A checkpoint is written last, so its leaves and proof are on disk before anything refers to them.
Files are created with ``O_EXCL`` and flushed to disk before the next is written; nothing here
opens a file for writing twice. Writers in several processes take a lock per log.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from safeshare.ledger.checkpoint import Checkpoint, CheckpointFormatError, parse_checkpoint
from safeshare.ledger.encoding import check_log_name

_RECORD = 64
_NAME = re.compile(r"(\d{20})\.checkpoint")
_LEAVES = re.compile(r"(\d{20})-(\d{20})\.leaves")
_WITNESSES = "_witnesses"  # not a log name: those start with a letter
_WITNESS_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class WitnessStoreDamaged(Exception):
    """The witness store is not what SafeShare wrote: a file is missing, altered or out of place."""


def _number(value: int) -> str:
    return f"{value:020d}"


class WitnessStore:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _log_dir(self, log: str) -> Path:
        return self.directory / check_log_name(log)

    @contextmanager
    def locked(self, log: str) -> Iterator[None]:
        """Hold the log's lock (across processes) while reading what was witnessed and adding to it."""
        folder = self._log_dir(log)
        folder.mkdir(parents=True, exist_ok=True, mode=0o750)
        with open(folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def sizes(self, log: str) -> list[int]:
        folder = self._log_dir(log) / "checkpoints"
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for name in os.listdir(folder) if (m := _NAME.fullmatch(name)))

    def checkpoint(self, log: str, size: int) -> Checkpoint:
        path = self._log_dir(log) / "checkpoints" / f"{_number(size)}.checkpoint"
        try:
            checkpoint = parse_checkpoint(path.read_bytes())
        except (OSError, CheckpointFormatError) as error:
            raise WitnessStoreDamaged(f"witness store: checkpoint {path.name} of log {log!r} is unreadable: {error}") from None
        if checkpoint.tree_size != size or checkpoint.log != log:
            raise WitnessStoreDamaged(f"witness store: {path.name} of log {log!r} holds a checkpoint for another tree")
        return checkpoint

    def latest(self, log: str) -> Checkpoint | None:
        sizes = self.sizes(log)
        return self.checkpoint(log, sizes[-1]) if sizes else None

    def checkpoints(self, log: str) -> list[Checkpoint]:
        return [self.checkpoint(log, size) for size in self.sizes(log)]

    def proof(self, log: str, size: int) -> str | None:
        path = self._log_dir(log) / "proofs" / f"{_number(size)}.proof"
        return path.read_text("utf-8") if path.exists() else None

    def records(self, log: str, up_to: int | None = None, *, after: int = 0) -> list[tuple[bytes, bytes]]:
        """``(leaf hash, chain hash)`` of seqs after..up_to (the latest checkpoint by default), from the
        leaves files between checkpoints. Raises ``WitnessStoreDamaged`` if any is missing or short."""
        sizes = self.sizes(log)
        up_to = sizes[-1] if up_to is None and sizes else up_to or 0
        records: list[tuple[bytes, bytes]] = []
        previous = 0
        for size in sizes:
            if size > up_to:
                break
            if size > after:
                data = self._leaves_file(log, previous, size)
                first = max(after - previous, 0)
                records += [
                    (data[i : i + 32], data[i + 32 : i + _RECORD]) for i in range(first * _RECORD, len(data), _RECORD)
                ]
            previous = size
        return records

    def _leaves_file(self, log: str, start: int, end: int) -> bytes:
        path = self._log_dir(log) / "leaves" / f"{_number(start)}-{_number(end)}.leaves"
        try:
            data = path.read_bytes()
        except OSError:
            raise WitnessStoreDamaged(f"witness store: {path.name} of log {log!r} is missing") from None
        if len(data) != (end - start) * _RECORD:
            raise WitnessStoreDamaged(f"witness store: {path.name} of log {log!r} is not {end - start} records long")
        return data

    def add(self, log: str, checkpoint: Checkpoint, previous_size: int, records: list[tuple[bytes, bytes]], proof: str) -> None:
        """Write a new checkpoint, the records it adds and its proof from the one before. Hold ``locked(log)``."""
        if checkpoint.log != log or checkpoint.tree_size != previous_size + len(records) or not records:
            raise ValueError("the checkpoint must cover exactly the records it adds")
        folder = self._log_dir(log)
        size = checkpoint.tree_size
        _write_once(folder / "leaves" / f"{_number(previous_size)}-{_number(size)}.leaves", b"".join(a + b for a, b in records))
        _write_once(folder / "proofs" / f"{_number(size)}.proof", proof.encode())
        _write_once(folder / "checkpoints" / f"{_number(size)}.checkpoint", checkpoint.text.encode())

    def add_cosigned(self, log: str, witness_id: str, cosigned: Checkpoint) -> bool:
        """Keep an agency's cosigned checkpoint; False if that witness already cosigned this size."""
        path = self._log_dir(log) / "cosignatures" / _checked_witness_id(witness_id) / f"{_number(cosigned.tree_size)}.cosigned"
        try:
            _write_once(path, cosigned.text.encode())
        except FileExistsError:
            return False
        return True

    def cosigned(self, log: str, witness_id: str) -> list[Checkpoint]:
        folder = self._log_dir(log) / "cosignatures" / _checked_witness_id(witness_id)
        if not folder.is_dir():
            return []
        found = []
        for name in sorted(os.listdir(folder)):
            try:
                found.append(parse_checkpoint((folder / name).read_bytes()))
            except (OSError, CheckpointFormatError) as error:
                raise WitnessStoreDamaged(f"witness store: cosigned checkpoint {name} of log {log!r} is unreadable: {error}") from None
        return found

    def add_witness(self, witness_id: str, verifier_key: str) -> None:
        _write_once(self.directory / _WITNESSES / f"{_checked_witness_id(witness_id)}.vkey", verifier_key.encode())

    def witness_key(self, witness_id: str) -> str | None:
        path = self.directory / _WITNESSES / f"{_checked_witness_id(witness_id)}.vkey"
        return path.read_text("utf-8") if path.exists() else None

    def archive(self, log: str) -> bytes:
        """The log's whole witness store and the witnesses' keys as an uncompressed tar (hashes, signatures and
        public keys: no personal data)."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for folder, name in ((self._log_dir(log), log), (self.directory / _WITNESSES, _WITNESSES)):
                for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
                    if path.is_file() and path.name != ".lock":
                        tar.add(path, arcname=f"{name}/{path.relative_to(folder)}", recursive=False)
        return buffer.getvalue()


def _checked_witness_id(witness_id: str) -> str:
    if _WITNESS_ID.fullmatch(witness_id) is None:  # it becomes a file name
        raise ValueError("witness ids are UUIDs")
    return witness_id


def _write_once(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data`` and flush it to disk; an existing file is never replaced. A file
    left by a crash that holds exactly ``data`` counts as written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o440)
    except FileExistsError:
        if path.read_bytes() == data:
            return
        raise
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
