"""Verifying the ledgers, signing checkpoints and exporting a log for an auditor (R13, R19)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection

from safeshare.domain.access import Grant
from safeshare.domain.decisions import FOLLOWS_ADVICE
from safeshare.domain.errors import InvalidInput
from safeshare.domain.permissions import Permission
from safeshare.ledger import Checkpoint, LedgerIntegrityError, export_with_checkpoint, load_private_key, sign_checkpoint, verify_entries
from safeshare.ledger.entry import LedgerEntry
from safeshare.ledger.verify import VerificationReport
from safeshare.services.access_log import log_read
from safeshare.services.context import Actor
from safeshare.services.use_case import Service, use_case
from safeshare.settings import Settings
from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.repositories.ledger_indexes import DECISION_COLUMNS, LedgerIndexRepository
from safeshare.store.unit_of_work import UnitOfWork


class Log(StrEnum):
    DECISIONS = "decisions"
    ACCESS = "access"
    CONSENTS = "consents"
    REQUESTS = "requests"
    DISCLOSURES = "disclosures"
    BREAK_GLASS = "break-glass"


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key; in development one derived from the secret key, so checkpoints still verify."""
    if settings.ledger_signing_key is not None:
        return load_private_key(settings.ledger_signing_key.get_secret_value())
    seed = hashlib.sha256(b"safeshare development ledger key:" + settings.secret().encode()).digest()
    return load_private_key(base64.b64encode(seed).decode())


class LedgerService(Service):
    @use_case(Permission.LEDGER_VERIFY)
    def verify(self, uow: UnitOfWork, actor: Actor, log: Log) -> VerificationReport:
        """Check every entry, the chain, the Merkle root and every checkpoint saved so far; for the decisions
        and access logs, also that the index tables reads and authorisation rely on match the entries."""
        return verify_log(uow.connection, signing_key(self.context.settings).public_key(), log)

    @use_case(Permission.LEDGER_VERIFY)
    def checkpoint(self, uow: UnitOfWork, actor: Actor, log: Log) -> Checkpoint:
        """Sign the current tree head, after verifying it, and keep the checkpoint."""
        ledger = LedgerRepository(uow.connection)
        key = signing_key(self.context.settings)
        report = verify_entries(ledger.iter_entries(log.value), ledger.checkpoints(log.value), key.public_key(), log=log.value)
        if not report.ok:
            raise InvalidInput.of("log", f"the {log.value} ledger does not verify, so it is not signed: {report.problem}")
        if report.tree_size == 0:
            raise InvalidInput.of("log", f"the {log.value} ledger is empty")
        signed = sign_checkpoint(log.value, report.tree_size, report.root_hash, key, timestamp=self.now())
        ledger.save_checkpoint(signed)
        return signed

    @use_case(Permission.LEDGER_EXPORT)
    def export(self, uow: UnitOfWork, actor: Actor, log: Log, export_path: Path, checkpoint_path: Path) -> VerificationReport:
        """Write the log and a signed checkpoint for offline verification. The export holds every agency's records in
        the log, so only the partnership auditor may make one, and making it is logged."""
        ledger = LedgerRepository(uow.connection)
        key = signing_key(self.context.settings)
        subjects: list[str] = []

        def noting_subjects(entries):
            for entry in entries:
                payload = entry.payload
                subjects.extend(payload.get("subject_ids") or payload.get("input", {}).get("subject_ids", ()))
                yield entry

        try:
            report, signed = export_with_checkpoint(
                noting_subjects(ledger.iter_entries(log.value)), export_path, checkpoint_path, key,
                earlier_checkpoints=ledger.checkpoints(log.value), timestamp=self.now(),
            )
        except LedgerIntegrityError as damaged:
            raise InvalidInput.of("log", f"the {log.value} ledger does not verify, so it is not exported: {damaged}") from None
        try:
            ledger.save_checkpoint(signed)
            log_read(uow, actor, f"ledger.export.{log.value}", subjects, self.now(), Grant.ROLE)
        except BaseException:  # an export whose making is not logged must not be left behind
            export_path.unlink(missing_ok=True)
            checkpoint_path.unlink(missing_ok=True)
            raise
        return report


def verify_log(
    connection: Connection, public_key: Ed25519PublicKey, log: Log, witnessed: Sequence[Checkpoint] = ()
) -> VerificationReport:
    """`LedgerService.verify` on any connection (a backup's copy, a restored database), against the checkpoints
    saved in the database and any `witnessed` ones kept outside it."""
    ledger = LedgerRepository(connection)
    checkpoints = [*ledger.checkpoints(log.value), *witnessed]
    report = verify_entries(ledger.iter_entries(log.value), checkpoints, public_key, log=log.value)
    check = _INDEX_CHECKS.get(log)
    if not report.ok or check is None:
        return report
    mismatch = check(ledger.iter_entries(log.value), LedgerIndexRepository(connection))
    if mismatch is None:
        return report
    seq, problem = mismatch
    return replace(report, ok=False, first_bad_seq=seq, problem=problem)


# Index cross-checks: every entry has exactly its index rows, and no index row lacks its entry. Each returns
# the first mismatch as (seq, problem), or None.

def _merge(entries: Iterator[LedgerEntry], index: Iterator[tuple], table: str, compare) -> tuple[int, str] | None:
    entries = iter(entries)
    entry = next(entries, None)
    for row in index:
        seq = row[0]
        if entry is None or seq < entry.seq:
            return seq, f"{table} has rows for entry {seq}, which is not in the ledger"
        if entry.seq < seq:
            return entry.seq, f"entry {entry.seq} has no rows in {table}"
        problem = compare(entry, row)
        if problem:
            return seq, f"{table} does not match entry {seq}: {problem}"
        entry = next(entries, None)
    if entry is not None:
        return entry.seq, f"entry {entry.seq} has no rows in {table}"
    return None


def _instant(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC) if value else None


def _decision_index(entry: LedgerEntry) -> tuple[dict, frozenset[str]]:
    payload = entry.payload
    submitted, advice = payload["input"], payload["advice"]
    fields = {
        "agency_id": payload["decided_by_agency"],
        "decided_by": payload["decided_by"],
        "decided_at": _instant(payload["decided_at"]),
        "decision": submitted["decision"],
        "outcome": advice["outcome"],
        "follows_advice": submitted["decision"] in FOLLOWS_ADVICE[advice["outcome"]],
        "guidance_version": advice["guidance"]["version"],
        "request_id": submitted.get("request_id"),
        "corrects": submitted.get("corrects"),
    }
    return fields, frozenset(submitted["subject_ids"])


def _compare_decision(entry: LedgerEntry, row: tuple) -> str | None:
    _, fields, subjects = row
    expected_fields, expected_subjects = _decision_index(entry)
    if fields is None:
        return "no decisions row, only decision_subjects rows"
    differing = [c for c in DECISION_COLUMNS if fields[c] != expected_fields[c]]
    if differing:
        return f"decisions.{differing[0]} differs"
    if subjects != expected_subjects:
        return "its decision_subjects differ from the subjects the decision names"
    return None


def _check_decisions(entries: Iterator[LedgerEntry], index: LedgerIndexRepository) -> tuple[int, str] | None:
    return _merge(entries, index.decisions(), "the decisions index", _compare_decision)


def _compare_access(entry: LedgerEntry, row: tuple) -> str | None:
    payload = entry.payload
    at = _instant(payload["at"])
    expected = frozenset((s, payload["person_id"], at) for s in payload["subject_ids"])
    return None if row[1] == expected else "its rows differ from who read which subjects when"


def _check_access(entries: Iterator[LedgerEntry], index: LedgerIndexRepository) -> tuple[int, str] | None:
    return _merge(entries, index.access_log(), "access_log_subjects", _compare_access)


_INDEX_CHECKS = {Log.DECISIONS: _check_decisions, Log.ACCESS: _check_access}
