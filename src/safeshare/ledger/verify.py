"""Offline verification of a log: entries, hashes, Merkle root and signed checkpoints.

What can be detected, and where it is reported:

* an entry altered, deleted, inserted, moved, or its stored hashes altered, without the
  attacker recomputing every later hash: ``first_bad_seq`` is that entry;
* entries removed from the end: needs a checkpoint covering them; ``first_bad_seq`` is the
  first missing seq;
* a rewrite that recomputes all later hashes: only a checkpoint signed before the rewrite
  reveals it, and only to within the range between two checkpoints (``bad_range``),
  because nothing stored per entry is secret. Keep checkpoints somewhere the database's
  owners cannot change them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import chain as iter_chain

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from safeshare.ledger.checkpoint import Checkpoint, check_signature
from safeshare.ledger.encoding import LOG_NAME_PATTERN
from safeshare.ledger.entry import LedgerEntry, chain_hash
from safeshare.ledger.merkle import leaf_hash
from safeshare.ledger.scan import PARALLEL_MIN, Totals, scan_in_two_processes, scan_stream

PublicKeyLike = Ed25519PublicKey | bytes | str


@dataclass(frozen=True)
class WitnessStatus:
    """The newest checkpoint one agency's witness cosigned, and whether the ledger still agrees with it."""

    witness: str  # its key name
    agency_id: str
    tree_size: int | None  # None: it has cosigned nothing yet
    cosigned_at: str | None  # canonical UTC text of the cosignature's timestamp
    consistent: bool | None
    detail: str

    def line(self) -> str:
        if self.tree_size is None:
            return f"witness {self.witness}: has cosigned no checkpoint of this log"
        verdict = "consistent with the ledger" if self.consistent else "DISAGREES with the ledger"
        return f"witness {self.witness}: newest cosigned checkpoint size {self.tree_size} at {self.cosigned_at}, {verdict}: {self.detail}"


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    log: str | None
    entries_checked: int  # entries read, including a bad one
    tree_size: int  # leading entries that verified
    root_hash: bytes | None  # Merkle root over all entries, when ok
    first_bad_seq: int | None
    bad_range: tuple[int, int] | None  # set when the bad entry cannot be pinned down
    problem: str | None
    checkpoints_checked: int
    key_matches_expected: bool | None  # None when no expected public key was given
    notes: tuple[str, ...] = ()
    witnesses: tuple[WitnessStatus, ...] = ()
    erased: tuple[int, ...] = ()  # seqs whose content was erased; their entries still verify

    def summary(self) -> str:
        head = f"log {self.log!r}: {self.entries_checked} entries checked"
        if self.ok:
            root = self.root_hash.hex() if self.root_hash else "-"
            lines = [f"OK — {head}, tree size {self.tree_size}, root {root}"]
        else:
            where = (
                f"first bad seq {self.first_bad_seq}"
                if self.first_bad_seq is not None
                else f"bad entry within seq {self.bad_range[0]}..{self.bad_range[1]}"
                if self.bad_range
                else "no entry located"
            )
            lines = [f"FAILED — {head}; {where}: {self.problem}"]
        lines += [status.line() for status in self.witnesses]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def verify_entries(
    entries: Iterable[tuple],
    checkpoint: Checkpoint | Iterable[Checkpoint] | None = None,
    public_key: PublicKeyLike | None = None,
    *,
    log: str | None = None,
    workers: int | None = None,
) -> VerificationReport:
    """Verify one log's entries in seq order from seq 1.

    ``checkpoint`` may be one checkpoint or several (e.g. every checkpoint ever saved);
    each must be validly signed — by ``public_key`` if given — and match the root of the
    entries up to its tree size. ``workers=1`` forces a single process; by default a large
    in-memory sequence is split across two processes when that is safe.
    """
    checkpoints = _as_checkpoints(checkpoint)
    notes: list[str] = []
    key_matches: bool | None = None
    for cp in checkpoints:
        verdict = check_signature(cp, public_key)
        key_matches = verdict.key_matches_expected
        if not verdict.valid:
            return _failed(log or cp.log, problem=f"{_describe(cp)}: {verdict.detail}", key=key_matches)
    if checkpoints and public_key is None:
        notes.append(
            "no expected public key given: checkpoint signatures were checked only against the"
            " key each checkpoint names for itself, which does not show who signed them"
        )
    logs = {cp.log for cp in checkpoints} | ({log} if log else set())
    if len(logs) > 1:
        return _failed(log, problem=f"checkpoints and log name disagree: {sorted(logs)}", key=key_matches)
    log = next(iter(logs), None)

    if log is None:
        entries, log = _peek_log(entries)
    if log is not None and LOG_NAME_PATTERN.fullmatch(str(log)) is None:
        return _failed(log, problem=f"invalid log name {log!r}", first_bad_seq=1, key=key_matches)
    cuts = sorted({cp.tree_size for cp in checkpoints})
    totals = _scan(entries, log or "", cuts, workers)

    report = _judge(totals, checkpoints, log, key_matches)
    if public_key is not None and not checkpoints:
        notes.append("a public key was given but no checkpoint, so no signature was checked")
    if not checkpoints:
        notes.append(
            "no checkpoint given: a rewrite of the whole log with recomputed hashes, or removed"
            " entries at its end, cannot be detected"
        )
    elif report.ok and totals.good > max(cuts):
        notes.append(f"entries after seq {max(cuts)} are not covered by a checkpoint")
    if totals.erased:
        notes.append(
            f"{len(totals.erased)} entries have had their content erased (first seq {totals.erased[0]}): their place,"
            " kind, time and content hash still verify, and so do the checkpoints over them"
        )
    return replace(report, notes=tuple(notes), erased=tuple(totals.erased))


def _as_checkpoints(checkpoint: Checkpoint | Iterable[Checkpoint] | None) -> list[Checkpoint]:
    if checkpoint is None:
        return []
    if isinstance(checkpoint, Checkpoint):
        return [checkpoint]
    return sorted(checkpoint, key=lambda cp: (cp.tree_size, cp.timestamp))


def _peek_log(entries: Iterable[tuple]) -> tuple[Iterable[tuple], str | None]:
    if isinstance(entries, Sequence):
        first = entries[0] if len(entries) else None
    else:
        iterator = iter(entries)
        first = next(iterator, None)
        entries = iter_chain([first], iterator) if first is not None else ()
    try:
        return entries, (first[0] if first is not None else None)
    except (TypeError, IndexError, KeyError):
        return entries, None  # the scan reports the malformed entry


def _scan(entries: Iterable[tuple], log: str, cuts: list[int], workers: int | None) -> Totals:
    parallel = (
        workers != 1
        and isinstance(entries, Sequence)
        and len(entries) >= PARALLEL_MIN
        and (os.cpu_count() or 1) >= 2
    )
    return scan_in_two_processes(entries, log, cuts) if parallel else scan_stream(entries, log, cuts)


def _judge(
    totals: Totals, checkpoints: list[Checkpoint], log: str | None, key: bool | None
) -> VerificationReport:
    checked = totals.good + (1 if totals.failure else 0)
    verified_up_to = 0
    for cp in checkpoints:
        if cp.tree_size > totals.good:
            break
        if totals.root(cp.tree_size) != cp.root_hash:
            problem = (
                f"entries 1..{cp.tree_size} do not produce the root in the {_describe(cp)}:"
                " the log was rewritten (hashes recomputed) after that checkpoint was signed"
            )
            if totals.failure:
                problem += f"; seq {totals.failure[0]} is also bad: {totals.failure[1]}"
            return _failed(
                log, problem=problem, checked=checked, good=totals.good, key=key,
                bad_range=(verified_up_to + 1, cp.tree_size), checkpoints=len(checkpoints),
            )
        verified_up_to = cp.tree_size
    if totals.failure:
        seq, problem = totals.failure
        return _failed(
            log, problem=problem, first_bad_seq=seq, checked=checked, good=totals.good,
            key=key, checkpoints=len(checkpoints),
        )
    for cp in checkpoints:
        if cp.tree_size > totals.good:
            return _failed(
                log,
                problem=(
                    f"the log ends at seq {totals.good} but the {_describe(cp)} commits to"
                    f" {cp.tree_size} entries: seq {totals.good + 1}..{cp.tree_size} are missing"
                ),
                first_bad_seq=totals.good + 1, checked=checked, good=totals.good, key=key,
                checkpoints=len(checkpoints),
            )
    return VerificationReport(
        ok=True, log=log, entries_checked=checked, tree_size=totals.good,
        root_hash=totals.root(), first_bad_seq=None, bad_range=None, problem=None,
        checkpoints_checked=len(checkpoints), key_matches_expected=key,
    )


def _describe(cp: Checkpoint) -> str:
    return f"checkpoint (size {cp.tree_size}, signed {cp.timestamp})"


def _failed(
    log: str | None,
    *,
    problem: str,
    first_bad_seq: int | None = None,
    bad_range: tuple[int, int] | None = None,
    checked: int = 0,
    good: int = 0,
    key: bool | None = None,
    checkpoints: int = 0,
) -> VerificationReport:
    return VerificationReport(
        ok=False, log=log, entries_checked=checked, tree_size=good, root_hash=None,
        first_bad_seq=first_bad_seq, bad_range=bad_range, problem=problem,
        checkpoints_checked=checkpoints, key_matches_expected=key,
    )


def extension_problem(entries: Iterable[LedgerEntry], after_seq: int, after_chain: bytes) -> tuple[int, str] | None:
    """Whether ``entries`` continue, seq by seq and hash by hash, a log whose entry ``after_seq`` has
    the chain hash ``after_chain``; the first that does not, as ``(seq, problem)``."""
    chain = after_chain
    expected = after_seq
    for entry in entries:
        expected += 1
        if entry.seq != expected:
            return expected, f"expected seq {expected} but found seq {entry.seq}"
        leaf = leaf_hash(entry.entry_bytes())
        if leaf != entry.leaf_hash:
            return expected, "entry content does not match its stored leaf hash"
        chain = chain_hash(chain, leaf)
        if chain != entry.chain_hash:
            return expected, "stored chain hash does not follow from the entries before it"
    return None


def first_difference(stored: Sequence[tuple[bytes, bytes]], witnessed: Sequence[tuple[bytes, bytes]]) -> tuple[int, str] | None:
    """The first seq at which the stored ``(leaf hash, chain hash)`` pairs differ from those kept
    outside the database when the checkpoints were signed, as ``(seq, problem)``."""
    for seq, (have, kept) in enumerate(zip(stored, witnessed), start=1):
        if have != kept:
            return seq, (
                "entry differs from the one witnessed outside the database when it was checkpointed:"
                " rewritten, replaced or moved (hashes recomputed) after it was recorded"
            )
    if len(stored) < len(witnessed):
        seq = len(stored) + 1
        return seq, (
            f"the log ends at seq {len(stored)} but {len(witnessed)} entries were witnessed:"
            f" seq {seq}..{len(witnessed)} were removed"
        )
    return None
