"""Verifying the ledgers, signing checkpoints and exporting a log for an auditor (R13, R19)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection

from safeshare.domain.access import Grant
from safeshare.domain.decisions import FOLLOWS_ADVICE
from safeshare.domain.errors import InvalidInput
from safeshare.domain.ledgers import Log
from safeshare.domain.permissions import Permission
from safeshare.ledger import Checkpoint, LedgerIntegrityError, export_with_checkpoint, load_private_key, sign_checkpoint, verify_entries
from safeshare.ledger.entry import LedgerEntry
from safeshare.ledger.merkle import tree_root
from safeshare.ledger.tags import entry_tag_key, first_bad_tag
from safeshare.ledger.verify import VerificationReport, first_difference
from safeshare.services.access_log import log_read
from safeshare.services.checkpoints import Checkpointer, CheckpointRefused
from safeshare.services.context import Actor
from safeshare.services.use_case import Service, ServiceContext, use_case
from safeshare.services.witnesses import witness_statuses
from safeshare.settings import Settings
from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.witness_store import WitnessStore, WitnessStoreDamaged
from safeshare.store.repositories.ledger_indexes import DECISION_COLUMNS, LedgerIndexRepository
from safeshare.store.unit_of_work import UnitOfWork


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key; in development one derived from the secret key, so checkpoints still verify."""
    if settings.ledger_signing_key is not None:
        return load_private_key(settings.ledger_signing_key.get_secret_value())
    seed = hashlib.sha256(b"safeshare development ledger key:" + settings.secret().encode()).digest()
    return load_private_key(base64.b64encode(seed).decode())


class LedgerService(Service):
    def __init__(self, context: ServiceContext):
        super().__init__(context)
        directory = context.settings.witness_dir
        self.witness_store = WitnessStore(directory) if directory is not None else None
        self.checkpointer = (
            Checkpointer(context, self.witness_store, tuple(log.value for log in Log), signing_key(context.settings))
            if self.witness_store is not None
            else None
        )

    @use_case(Permission.LEDGER_VERIFY)
    def verify(self, uow: UnitOfWork, actor: Actor, log: Log) -> VerificationReport:
        """Check every entry, the chain, the Merkle root and every checkpoint; hold the database to the witness
        store outside it (every witnessed entry must be there unchanged, and every later one must carry a tag only
        SafeShare can make); for the decisions and access logs, also that the index tables reads and authorisation
        rely on match the entries; and report each agency witness's newest cosigned checkpoint. Any damage is
        reported at the first entry it touches."""
        key = signing_key(self.context.settings)
        report = verify_log(uow.connection, key.public_key(), log, witness_store=self.witness_store, tag_key=entry_tag_key(key))
        if report.key_matches_expected is False:  # a checkpoint not signed by this installation: nothing below is meaningful
            return report
        ledger = LedgerRepository(uow.connection)
        try:
            witnesses = tuple(witness_statuses(uow, self.witness_store, log.value, lambda: ledger.leaf_hashes(log.value)))
        except WitnessStoreDamaged:
            return report  # already reported as the witness store's damage
        report = replace(report, witnesses=witnesses)
        disagreeing = [status for status in witnesses if status.consistent is False]
        if report.ok and disagreeing:
            problem = f"the ledger disagrees with witness {disagreeing[0].witness}: {disagreeing[0].detail}"
            return replace(report, ok=False, problem=problem, root_hash=None)
        return report

    @use_case(Permission.LEDGER_VERIFY)
    def checkpoint(self, uow: UnitOfWork, actor: Actor, log: Log) -> Checkpoint:
        """Sign the current tree head, after verifying it, and keep the checkpoint (in the witness store too, when
        one is configured: then an entry that does not extend the witnessed log is refused)."""
        ledger = LedgerRepository(uow.connection)
        key = signing_key(self.context.settings)
        report = verify_entries(ledger.iter_entries(log.value), ledger.checkpoints(log.value), key.public_key(), log=log.value)
        if not report.ok:
            raise InvalidInput.of("log", f"the {log.value} ledger does not verify, so it is not signed: {report.problem}")
        if report.tree_size == 0:
            raise InvalidInput.of("log", f"the {log.value} ledger is empty")
        if self.checkpointer is not None:
            try:
                signed = self.checkpointer.checkpoint(ledger, log.value, force=True)
            except (CheckpointRefused, WitnessStoreDamaged) as refused:
                raise InvalidInput.of("log", f"the {log.value} ledger is not signed: {refused}") from None
            return signed or self.witness_store.latest(log.value)
        signed = sign_checkpoint(log.value, report.tree_size, report.root_hash, key, timestamp=self.now())
        ledger.save_checkpoint(signed)
        return signed

    @use_case(Permission.LEDGER_WITNESS_STORE)
    def witness_store_archive(self, uow: UnitOfWork, actor: Actor, log: Log) -> bytes:
        """The log's witness store (checkpoints, leaf hashes, consistency proofs, cosignatures) as a tar file,
        for the partnership auditor to keep away from SafeShare's host. It holds hashes and signatures only."""
        if self.witness_store is None:
            raise InvalidInput.of("log", "no witness store is configured (SAFESHARE_WITNESS_DIR)")
        return self.witness_store.archive(log.value)

    @use_case(Permission.LEDGER_EXPORT)
    def export(self, uow: UnitOfWork, actor: Actor, log: Log, export_path: Path, checkpoint_path: Path) -> VerificationReport:
        """Write the log and a signed checkpoint for offline verification. The export holds every agency's records in
        the log, so only the partnership auditor may make one, and making it is logged."""
        ledger = LedgerRepository(uow.connection)
        key = signing_key(self.context.settings)
        subjects: list[str] = []

        def noting_subjects(entries):
            for entry in entries:
                if entry.payload_json is None:  # erased: names nobody any more
                    yield entry
                    continue
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
    connection: Connection,
    public_key: Ed25519PublicKey,
    log: Log,
    witnessed: Sequence[Checkpoint] = (),
    witness_store: WitnessStore | None = None,
    tag_key: bytes | None = None,
) -> VerificationReport:
    """`LedgerService.verify` on any connection (a backup's copy, a restored database), against the checkpoints
    saved in the database, any `witnessed` ones kept outside it, and the witness store when there is one. The
    entries' tags are checked when `tag_key` (derived from the installation's signing key) is given."""
    ledger = LedgerRepository(connection)
    try:
        latest = witness_store.latest(log.value) if witness_store else None
        kept = witness_store.records(log.value) if latest else []
    except WitnessStoreDamaged as damaged:
        return _failed(log, str(damaged))
    if latest is not None and tree_root([leaf for leaf, _ in kept]) != latest.root_hash:
        return _failed(log, f"witness store: the leaves kept for the {log.value} log do not make its latest checkpoint's root")
    checkpoints = {cp.text: cp for cp in [*ledger.checkpoints(log.value), *witnessed, *([latest] if latest else [])]}
    report = verify_entries(ledger.iter_entries(log.value), list(checkpoints.values()), public_key, log=log.value)
    if report.key_matches_expected is False:  # a checkpoint not signed by this installation: nothing below is meaningful
        return report
    problems = [(report.first_bad_seq, report.problem)] if report.first_bad_seq is not None else []
    if latest is not None:
        problems.append(first_difference(ledger.hash_pairs(log.value, up_to=latest.tree_size), kept))
    if tag_key is not None:
        problems.append(first_bad_tag(
            ledger.tags(log.value, after_seq=latest.tree_size if latest else 0), tag_key, untagged_allowed=latest is None,
        ))
    check = _INDEX_CHECKS.get(log)
    if check is not None and report.ok:
        problems.append(check(ledger.iter_entries(log.value), LedgerIndexRepository(connection)))
    found = [p for p in problems if p is not None]
    if not found:
        return report
    seq, problem = min(found, key=lambda p: p[0])  # stable: at one seq the scan's own account comes first
    return replace(report, ok=False, first_bad_seq=seq, bad_range=None, problem=problem, root_hash=None)


def _failed(log: Log, problem: str) -> VerificationReport:
    return VerificationReport(
        ok=False, log=log.value, entries_checked=0, tree_size=0, root_hash=None, first_bad_seq=None, bad_range=None,
        problem=problem, checkpoints_checked=0, key_matches_expected=None,
    )


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
        problem = compare(entry, row) if entry.payload_json is not None else None  # erased content: rows stay unchecked
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
