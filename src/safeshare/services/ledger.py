"""Verifying the ledgers, signing checkpoints and exporting a log for an auditor (R13, R19)."""

from __future__ import annotations

import base64
import hashlib
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.domain.access import Grant
from safeshare.domain.errors import InvalidInput
from safeshare.domain.permissions import Permission
from safeshare.ledger import Checkpoint, LedgerIntegrityError, export_with_checkpoint, load_private_key, sign_checkpoint, verify_entries
from safeshare.ledger.verify import VerificationReport
from safeshare.services.access_log import log_read
from safeshare.services.context import Actor
from safeshare.services.use_case import Service, use_case
from safeshare.settings import Settings
from safeshare.store.ledger_repository import LedgerRepository
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
    seed = hashlib.sha256(b"safeshare development ledger key:" + settings.secret_key.get_secret_value().encode()).digest()
    return load_private_key(base64.b64encode(seed).decode())


class LedgerService(Service):
    @use_case(Permission.LEDGER_VERIFY)
    def verify(self, uow: UnitOfWork, actor: Actor, log: Log) -> VerificationReport:
        """Check every entry, the chain, the Merkle root and every checkpoint saved so far."""
        ledger = LedgerRepository(uow.connection)
        key = signing_key(self.context.settings).public_key()
        return verify_entries(ledger.iter_entries(log.value), ledger.checkpoints(log.value), key, log=log.value)

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

    @use_case(Permission.LEDGER_VERIFY)
    def export(self, uow: UnitOfWork, actor: Actor, log: Log, export_path: Path, checkpoint_path: Path) -> VerificationReport:
        """Write the log and a signed checkpoint for offline verification. The export holds personal data, so it is logged."""
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
        ledger.save_checkpoint(signed)
        log_read(uow, actor, f"ledger.export.{log.value}", subjects, self.now(), Grant.ROLE)
        return report
