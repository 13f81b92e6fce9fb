"""The verification hot path: recompute every leaf and chain hash, then the Merkle tree.

Per entry the work is one template fill, two SHA-256 calls and a few comparisons on plain
tuples with everything bound to locals: at a million entries any extra attribute lookup
or object per entry is measurable. Leaf hashes are folded into roots of aligned blocks of
``BLOCK`` leaves as soon as a chunk is done, so streaming keeps memory flat and two
processes can each verify half of a large in-memory log.

Chunks can be checked independently because each one starts from the *stored* chain hash
of the entry before it: if that stored value were wrong, the earlier chunk fails at that
entry first, so the first failure overall is still the right one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import threading
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import NamedTuple

from safeshare.ledger.encoding import KIND_PATTERN
from safeshare.ledger.entry import CHAIN_PREFIX, GENESIS_CHAIN
from safeshare.ledger.merkle import EMPTY_ROOT, reduce_level, tree_root

BLOCK_BITS = 10
BLOCK = 1 << BLOCK_BITS
STREAM_CHUNK = 1 << 16
PARALLEL_MIN = 1 << 17


class Scan(NamedTuple):
    good: int  # entries from the start of the scan that passed every check
    block_roots: list[bytes]  # roots of consecutive BLOCK-leaf blocks (last may be partial)
    cut_roots: dict[int, bytes]  # tree size -> root of its partial last block
    failure: tuple[int, str] | None  # (seq of the first bad entry, what is wrong)
    chain: bytes  # chain hash after the last good entry
    erased: list[int]  # seqs of good entries whose content was erased
    hashed_seen: bool  # whether a content-hashed entry was seen (legacy entries may only come before)


def scan_chunk(
    chunk: Iterable[tuple], start: int, log: str, chain: bytes, cuts: Sequence[int], hashed_seen: bool = False
) -> Scan:
    """Check entries expected to carry seqs ``start + 1, start + 2, ...``; ``start`` must be
    a multiple of ``BLOCK``."""
    sha = hashlib.sha256
    chain_prefix = CHAIN_PREFIX
    leaves: list[bytes] = []
    keep = leaves.append
    erased: list[int] = []
    known_kinds: set[str] = set()
    expected = start
    failure = None
    try:
        for entry_log, seq, kind, recorded_at, payload, corrects, stored_leaf, stored_chain, content in chunk:
            expected += 1
            if seq != expected or entry_log != log or kind not in known_kinds:
                failure = _position_or_kind_problem(expected, entry_log, seq, kind, log, known_kinds)
                if failure is not None:
                    break
            if corrects is None:
                corrects = "null"
            elif type(corrects) is not int or not 0 < corrects < seq:
                failure = (expected, f"entry corrects {corrects!r}, which is not an earlier seq")
                break
            if content is not None:
                hashed_seen = True
                if payload is None:
                    erased.append(seq)
                elif sha(payload.encode()).digest() != content:
                    failure = (expected, "entry content was altered after it was recorded (it no longer has its content hash)")
                    break
                # Must produce exactly encoding.ENTRY_TEMPLATE with a 0x00 prefix; an f-string is
                # the fastest way to build it (tests hold the two together).
                leaf = sha(
                    f'\x00{{"content":"{content.hex()}","corrects":{corrects},"kind":"{kind}","log":"{log}",'
                    f'"recorded_at":"{recorded_at}","seq":{seq}}}'.encode()
                ).digest()
            else:
                failure = _legacy_problem(expected, payload, hashed_seen)
                if failure is not None:
                    break
                leaf = sha(  # encoding.LEGACY_ENTRY_TEMPLATE
                    f'\x00{{"corrects":{corrects},"kind":"{kind}","log":"{log}","payload":{payload},'
                    f'"recorded_at":"{recorded_at}","seq":{seq}}}'.encode()
                ).digest()
            if leaf != stored_leaf:
                failure = _leaf_problem(expected, chain, leaf, stored_leaf, stored_chain)
                break
            next_chain = sha(chain_prefix + chain + leaf).digest()
            if next_chain != stored_chain:
                failure = (expected, "stored chain hash does not follow from the entries before it")
                break
            chain = next_chain
            keep(leaf)
    except (TypeError, ValueError, UnicodeError, AttributeError) as exc:
        failure = (start + len(leaves) + 1, f"entry is malformed ({exc})")
    return Scan(
        len(leaves), _block_roots(leaves), _cut_roots(leaves, start, cuts), failure, chain, erased, hashed_seen
    )


def _legacy_problem(seq: int, payload: object, hashed_seen: bool) -> tuple[int, str] | None:
    if hashed_seen:
        return seq, "entry has no content hash, but entries before it do: only entries recorded before content hashing lack one"
    if payload is None:
        return seq, "the content of an entry recorded before content hashing is missing: its leaf binds the content itself"
    return None


def _position_or_kind_problem(
    expected: int, entry_log: object, seq: object, kind: object, log: str, known_kinds: set[str]
) -> tuple[int, str] | None:
    if entry_log != log:
        return expected, f"entry at seq {expected} belongs to log {entry_log!r}, not {log!r}"
    if seq != expected:
        return (
            expected,
            f"expected seq {expected} but found seq {seq!r}: an entry was deleted, inserted or moved",
        )
    if type(kind) is not str or KIND_PATTERN.fullmatch(kind) is None:
        return expected, f"entry has an invalid kind {kind!r}"
    known_kinds.add(kind)
    return None


def _leaf_problem(
    seq: int, chain: bytes, leaf: bytes, stored_leaf: object, stored_chain: object
) -> tuple[int, str]:
    sha = hashlib.sha256
    if isinstance(stored_leaf, bytes) and stored_chain == sha(CHAIN_PREFIX + chain + stored_leaf).digest():
        return seq, "entry (kind, content hash, recorded_at or corrects) was altered after it was recorded"
    if stored_chain == sha(CHAIN_PREFIX + chain + leaf).digest():
        return seq, "stored leaf hash was altered"
    return seq, "entry does not match its stored leaf hash or chain hash"


def _block_roots(leaves: list[bytes]) -> list[bytes]:
    level = leaves
    for _ in range(BLOCK_BITS):
        if len(level) <= 1:
            break
        level = reduce_level(level)
    return level


def _cut_roots(leaves: list[bytes], start: int, cuts: Sequence[int]) -> dict[int, bytes]:
    roots = {}
    for size in cuts:
        if start < size <= start + len(leaves) and size % BLOCK:
            block_start = size - size % BLOCK
            roots[size] = tree_root(leaves[block_start - start : size - start])
    return roots


class Totals:
    """Merges chunk scans in order and answers roots for any verified tree size."""

    def __init__(self) -> None:
        self.good = 0
        self.block_roots: list[bytes] = []
        self.cut_roots: dict[int, bytes] = {}
        self.failure: tuple[int, str] | None = None
        self.chain = GENESIS_CHAIN
        self.erased: list[int] = []
        self.hashed_seen = False

    def add(self, scan: Scan) -> None:
        self.good += scan.good
        self.block_roots += scan.block_roots
        self.cut_roots.update(scan.cut_roots)
        self.chain = scan.chain
        self.erased += scan.erased
        self.hashed_seen = self.hashed_seen or scan.hashed_seen
        if scan.failure is not None and self.failure is None:
            self.failure = scan.failure

    def root(self, size: int | None = None) -> bytes:
        """Root of the first ``size`` verified entries (all of them by default). Sizes
        other than the total must have been passed as ``cuts`` when scanning."""
        size = self.good if size is None else size
        if not 0 <= size <= self.good:
            raise ValueError(f"tree size {size} was not verified")
        if size == 0:
            return EMPTY_ROOT
        if size == self.good:
            return tree_root(self.block_roots)
        nodes = self.block_roots[: size // BLOCK]
        if size % BLOCK:
            nodes.append(self.cut_roots[size])
        return tree_root(nodes)


def scan_stream(entries: Iterable[tuple], log: str, cuts: Sequence[int]) -> Totals:
    totals = Totals()
    iterator = iter(entries)
    start = 0
    while True:
        chunk = list(islice(iterator, STREAM_CHUNK))
        if not chunk:
            break
        totals.add(scan_chunk(chunk, start, log, totals.chain, cuts, totals.hashed_seen))
        start += len(chunk)
        if totals.failure is not None or len(chunk) < STREAM_CHUNK:
            break
    return totals


def fork_is_safe() -> bool:
    """Forking is only safe while this is the process's only thread (locks held by other
    threads would stay locked forever in the child)."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def scan_in_two_processes(entries: Sequence[tuple], log: str, cuts: Sequence[int]) -> Totals:
    """Like ``scan_stream`` over an in-memory sequence, with the second half checked in a
    forked child. Falls back to a single process if the child fails for any reason."""
    n = len(entries)
    split = (n // 2) - (n // 2) % BLOCK
    if split == 0 or not fork_is_safe():
        return scan_stream(entries, log, cuts)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: check the second half, report, and leave without cleanup
        status = 0
        try:
            os.close(read_end)
            start_chain = entries[split - 1][7]
            hashed_seen = entries[split - 1][8] is not None
            result = scan_chunk(islice(entries, split, None), split, log, start_chain, cuts, hashed_seen)
            _write_all(write_end, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    totals = Totals()
    child_result = None
    try:
        totals.add(scan_chunk(islice(entries, split), 0, log, GENESIS_CHAIN, cuts))
        if totals.failure is None:
            child_result = _read_all(read_end)
    finally:
        if child_result is None:  # the first half failed (or we were interrupted): stop the child
            os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if totals.failure is not None:
        return totals
    if status != 0 or not child_result:
        second = scan_chunk(islice(entries, split, None), split, log, totals.chain, cuts, totals.hashed_seen)
    else:
        second = pickle.loads(child_result)
    totals.add(second)
    return totals


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int) -> bytes:
    parts = []
    while part := os.read(fd, 1 << 20):
        parts.append(part)
    return b"".join(parts)
