"""Backing up the whole database while it serves, and restoring it, each proved by the ledgers.

A backup is one uncompressed tar file (mode 0600; it holds every record in clear, so keep it encrypted at rest):

* ``manifest.json``: the format, the database backend, when, the schema revision, the size and SHA-256 of the
  database copy, and each ledger's tree size and Merkle root at the moment copied (and whether it verified then);
* ``manifest.sig``: the Ed25519 signature of ``manifest.json`` by the installation's ledger signing key, so a
  backup changed anywhere (any table, not only the ledgers) or cut short is refused before anything is touched;
* ``database.sqlite3`` (SQLite's online backup API) or ``database.pgdump`` (``pg_dump --format=custom``): the
  native copy, which ``tar -xf`` gives back to the database's own tools.

A restore checks all of that first, refuses to replace a database that holds data unless forced, loads the copy
(in one transaction on PostgreSQL), then verifies every ledger, checks that each ends exactly where the manifest
says, and checks it against checkpoints kept outside the database (`witnessed_checkpoints`).

These commands are for whoever holds the database's credentials, who can read and replace every record anyway:
no person from the directory is asked for, and they are not in the access log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine

from safeshare import __version__
from safeshare.domain.errors import InvalidInput
from safeshare.ledger import Checkpoint, CheckpointFormatError, load_public_key, read_checkpoint
from safeshare.ledger.verify import VerificationReport
from safeshare.ledger.tags import entry_tag_key
from safeshare.services.ledger import Log, signing_key, verify_log
from safeshare.store.witness_store import WitnessStore
from safeshare.settings import Settings
from safeshare.store.backup import CopyFailed, backend, holds_data, load_from, schema_revision, snapshot_to
from safeshare.store.ledger_repository import LedgerRepository

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupReport:
    path: Path
    ledgers: tuple[VerificationReport, ...]

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.ledgers)


@dataclass(frozen=True)
class RestoreReport:
    backed_up_at: str
    ledgers: tuple[VerificationReport, ...]
    problems: tuple[str, ...] = ()  # restored ledgers that are not what the backup held
    notes: tuple[str, ...] = field(default=())  # e.g. entries witnessed after the backup was made, lost with it

    @property
    def ok(self) -> bool:
        return not self.problems and all(report.ok for report in self.ledgers)


def witnessed_checkpoints(files: Sequence[Path]) -> list[Checkpoint]:
    """Signed checkpoints kept outside the database (`safeshare ledger checkpoint --out`, `ledger export
    --checkpoint`), which a restored ledger must agree with. Hook: when the installation keeps a witness
    directory of signed checkpoints, the newest checkpoint of each log there belongs in this list too."""
    checkpoints = []
    for file in files:
        try:
            checkpoints.append(read_checkpoint(file))
        except (OSError, CheckpointFormatError) as error:
            raise InvalidInput.of("checkpoint", f"{file} is not a readable signed checkpoint: {error}") from None
    return checkpoints


class BackupService:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._key = signing_key(settings)
        self._witness_store = WitnessStore(settings.witness_dir) if settings.witness_dir is not None else None

    def backup(self, path: Path) -> BackupReport:
        """Copy the database to a new file at `path` while it keeps serving; verify every ledger in the copy."""
        if path.exists():
            raise InvalidInput.of("path", f"{path} already exists: give a new name, so that no backup is overwritten")
        if not path.parent.is_dir():
            raise InvalidInput.of("path", f"{path.parent} is not a directory")
        member = DATABASE_MEMBER[backend(self._engine)]
        # Beside the destination, so the finished file is linked into place on the same file system.
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".safeshare-backup-") as scratch:
            copy = _private_file(Path(scratch) / member)
            try:
                with snapshot_to(self._engine, copy) as connection:
                    revision = schema_revision(connection)
                    reports = tuple(verify_log(connection, self._key.public_key(), log, tag_key=entry_tag_key(self._key)) for log in Log)
            except CopyFailed as failed:
                raise InvalidInput.of("database", str(failed)) from None
            size, digest = _size_and_digest(copy)
            manifest = _canonical({
                "format": FORMAT,
                "backend": backend(self._engine),
                "made_at": dt.datetime.now(dt.UTC).isoformat(),
                "safeshare_version": __version__,
                "schema_revision": revision,
                "database": {"member": member, "size": size, "sha256": digest},
                "ledgers": {r.log: _head(r) for r in reports},
            })
            archive = _private_file(Path(scratch) / "backup.tar")
            with archive.open("wb") as out:
                with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    _add(tar, MANIFEST, manifest)
                    _add(tar, SIGNATURE, base64.b64encode(self._key.sign(manifest)) + b"\n")
                    with copy.open("rb") as database:
                        _add(tar, member, database, size)
                out.flush()
                os.fsync(out.fileno())
            os.link(archive, path)  # fails rather than replace a file that appeared meanwhile
        _sync_directory(path.parent)
        return BackupReport(path, reports)

    def restore(
        self, path: Path, *, force: bool = False, witnessed: Sequence[Checkpoint] = (), public_key: str | None = None
    ) -> RestoreReport:
        """Replace the database with the backup at `path`, then prove the result: every ledger verifies, ends
        where the backup's signed manifest says, and agrees with the `witnessed` checkpoints it covers."""
        expected = load_public_key(public_key) if public_key else self._key.public_key()
        with tempfile.TemporaryDirectory(prefix=".safeshare-restore-") as scratch:
            manifest, copy = _unpack(path, Path(scratch), expected, backend(self._engine))
            if not force and holds_data(self._engine):
                raise InvalidInput.of(
                    "force", "the database already holds data: restoring would replace all of it (give --force to do so)"
                )
            try:
                load_from(self._engine, copy)
            except CopyFailed as failed:
                raise InvalidInput.of("path", f"the backup could not be restored: {failed}") from None
        # A backup of this installation's also carries its entries' tags, made with a key derived from its signing key.
        return self._prove(manifest, witnessed, entry_tag_key(self._key) if public_key is None else None)

    def _prove(self, manifest: dict, witnessed: Sequence[Checkpoint], tag_key: bytes | None) -> RestoreReport:
        reports, problems, notes = [], [], []
        witnessed = [*witnessed, *self._witness_store_latest()]
        with self._engine.connect() as connection:
            for log in Log:
                size = LedgerRepository(connection).count(log.value)
                covered = [cp for cp in witnessed if cp.log == log.value and cp.tree_size <= size]
                for later in (cp for cp in witnessed if cp.log == log.value and cp.tree_size > size):
                    notes.append(
                        f"log {log.value!r}: a witnessed checkpoint of {later.tree_size} entries (signed {later.timestamp}) "
                        f"is newer than this backup: entries {size + 1}..{later.tree_size} were recorded after it and are lost"
                    )
                report = verify_log(connection, self._key.public_key(), log, covered, tag_key=tag_key)
                reports.append(report)
                backed_up = manifest["ledgers"].get(log.value)
                if backed_up is not None and report.ok and _head(report) != backed_up:
                    problems.append(
                        f"log {log.value!r}: restored with {report.tree_size} entries (root {_hex(report.root_hash)}), "
                        f"but the backup held {backed_up['tree_size']} (root {backed_up['root_hash']})"
                    )
                if backed_up is not None and not backed_up["verified"]:
                    notes.append(f"log {log.value!r} did not verify when the backup was made")
        return RestoreReport(manifest["made_at"], tuple(reports), tuple(problems), tuple(notes))

    def _witness_store_latest(self) -> list[Checkpoint]:
        """The newest checkpoint of each log in the witness store outside the database, when one is configured."""
        if self._witness_store is None:
            return []
        return [cp for cp in (self._witness_store.latest(log.value) for log in Log) if cp is not None]


def _unpack(path: Path, scratch: Path, expected: Ed25519PublicKey, target_backend: str) -> tuple[dict, Path]:
    """The backup's manifest, once its signature holds, and its database copy, once its size and digest match."""
    def refuse(why: str) -> InvalidInput:
        return InvalidInput.of("path", f"{path} is refused: {why}")

    if not path.is_file():
        raise InvalidInput.of("path", f"{path} is not a file")
    try:
        with tarfile.open(path, mode="r:") as tar:
            manifest_bytes = _read(tar, MANIFEST, refuse)
            signature = _read(tar, SIGNATURE, refuse)
            try:
                expected.verify(base64.b64decode(signature, validate=False), manifest_bytes)
            except (InvalidSignature, binascii.Error, ValueError):
                raise refuse(
                    "its manifest is not signed by this installation's ledger signing key (or the --public-key given): "
                    "it was changed, or made by another installation"
                ) from None
            manifest = json.loads(manifest_bytes)
            if manifest.get("format") != FORMAT:
                raise refuse(f"it is in backup format {manifest.get('format')!r}; this version reads format {FORMAT}")
            if manifest["backend"] != target_backend:
                raise refuse(f"it is a {manifest['backend']} backup and the database is {target_backend}")
            expected_copy = manifest["database"]
            copy = _private_file(scratch / expected_copy["member"])
            source = tar.extractfile(_member(tar, expected_copy["member"], refuse))
            digest, size = hashlib.sha256(), 0
            with copy.open("wb") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
    except (tarfile.TarError, EOFError) as error:
        raise refuse(f"it is not a complete SafeShare backup (truncated, or not a backup at all: {error})") from None
    if size != expected_copy["size"]:
        raise refuse(f"it is truncated: its database copy has {size} of {expected_copy['size']} bytes")
    if digest.hexdigest() != expected_copy["sha256"]:
        raise refuse("it is damaged: its database copy does not match the SHA-256 in its signed manifest")
    return manifest, copy


def _member(tar: tarfile.TarFile, name: str, refuse) -> tarfile.TarInfo:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise refuse(f"it has no {name} (truncated, or not a SafeShare backup)") from None
    if not member.isfile():
        raise refuse(f"its {name} is not a file")
    return member


def _read(tar: tarfile.TarFile, name: str, refuse) -> bytes:
    return tar.extractfile(_member(tar, name, refuse)).read()


def _head(report: VerificationReport) -> dict:
    return {"tree_size": report.tree_size, "root_hash": _hex(report.root_hash), "verified": report.ok}


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value is not None else None


def _canonical(value: dict) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def _private_file(path: Path) -> Path:
    """An empty file only its owner may read: everything written to it is personal data."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _add(tar: tarfile.TarFile, name: str, content: bytes | io.BufferedReader, size: int | None = None) -> None:
    info = tarfile.TarInfo(name)
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    if isinstance(content, bytes):
        info.size = len(content)
        content = io.BytesIO(content)
    else:
        info.size = size
    tar.addfile(info, content)


def _size_and_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
