"""Storage adapter for the ledger on a caller-owned SQLAlchemy ``Connection``.

Transactions belong to the caller: append in the same transaction as the business rows it
records, and commit (or roll back) both together.

Concurrency — two writers must never get the same seq or fork the chain:

* PostgreSQL: ``append``/``append_many`` first take ``pg_advisory_xact_lock`` on a key
  derived from the log name, so writers to one log queue until the holder's transaction
  ends; the head is read only after the lock is held.
* SQLite: the caller's transaction must be ``BEGIN IMMEDIATE`` (as engines from
  ``safeshare.store.engine.make_engine`` do), which serialises writers before the head is
  read; a deferred transaction could read a head another writer is about to move.
* Either way the ``(log, seq)`` primary key rejects anything that slips through.

There is no head cache: the head is one primary-key lookup, and a cache would have to be
invalidated by other processes' commits and rollbacks to stay correct.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, select, text

from safeshare.ledger.checkpoint import Checkpoint, parse_checkpoint
from safeshare.ledger.encoding import check_log_name
from safeshare.ledger.entry import GENESIS_CHAIN, LedgerEntry, NewEntry, seal_entries
from safeshare.ledger.merkle import tree_root
from safeshare.ledger.tags import entry_tag
from safeshare.ledger.verify import PublicKeyLike, VerificationReport, verify_entries
from safeshare.store.conditional import insert_unless_taken
from safeshare.store.ledger_tables import ledger_checkpoints, ledger_entries

_t = ledger_entries.c
_ENTRY_COLUMNS = (
    _t.log, _t.seq, _t.kind, _t.recorded_at, _t.payload, _t.corrects, _t.leaf_hash, _t.chain_hash, _t.content_hash
)
_ADVISORY_LOCK_NAMESPACE = b"safeshare.ledger\x00"
# Built once: SQLAlchemy spends more time building and keying a statement than running these.
_HEAD = select(_t.seq, _t.chain_hash).where(_t.log == bindparam("log")).order_by(_t.seq.desc()).limit(1)
_GET = select(*_ENTRY_COLUMNS).where(_t.log == bindparam("log"), _t.seq == bindparam("seq"))
_INSERT = ledger_entries.insert()
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_BUFFER_TYPES = (memoryview, bytearray)
#: Where ``UnitOfWork`` puts the entry tag key on its connection (ledger/tags.py): every entry appended
#: through the application is tagged; the key itself is never written to the database.
TAG_KEY_INFO = "safeshare.ledger_tag_key"


def advisory_lock_key(log: str) -> int:
    """Stable signed 64-bit key for ``pg_advisory_xact_lock`` (stable across processes and
    PostgreSQL versions, unlike ``hashtext``)."""
    digest = hashlib.sha256(_ADVISORY_LOCK_NAMESPACE + log.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LedgerRepository:
    def __init__(self, connection: Connection, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._connection = connection
        self._clock = clock

    def append(
        self, log: str, kind: str, payload: dict, corrects: int | None = None
    ) -> LedgerEntry:
        return self.append_many(log, [NewEntry(kind, payload, corrects)])[0]

    def append_many(self, log: str, items: Iterable[NewEntry | tuple]) -> list[LedgerEntry]:
        """Seal and insert ``items`` (``NewEntry`` or ``(kind, payload[, corrects])``) as
        consecutive entries: one lock, one head read and one executemany per batch."""
        check_log_name(log)
        items = list(items)
        if not items:
            return []
        self._lock(log)
        head = self._connection.execute(_HEAD, {"log": log}).first()
        after_seq, after_chain = (head[0], bytes(head[1])) if head else (0, GENESIS_CHAIN)
        entries = seal_entries(
            log, items, after_seq=after_seq, after_chain=after_chain, recorded_at=self._clock()
        )
        key = self._connection.info.get(TAG_KEY_INFO)
        rows = [_row(entry) for entry in entries]
        if key is not None:
            for row in rows:
                row["tag"] = entry_tag(key, log, row["seq"], row["chain_hash"])
        self._connection.execute(_INSERT, rows)
        return entries

    def get(self, log: str, seq: int) -> LedgerEntry | None:
        row = self._connection.execute(_GET, {"log": log, "seq": seq}).first()
        return _entry(row) if row else None

    def latest(self, log: str) -> LedgerEntry | None:
        row = self._connection.execute(
            select(*_ENTRY_COLUMNS).where(_t.log == log).order_by(_t.seq.desc()).limit(1)
        ).first()
        return _entry(row) if row else None

    def count(self, log: str) -> int:
        """Number of entries, i.e. the head seq (seqs are contiguous from 1; verification
        is what proves that)."""
        return self._connection.execute(
            select(func.coalesce(func.max(_t.seq), 0)).where(_t.log == log)
        ).scalar_one()

    def iter_entries(
        self,
        log: str,
        *,
        batch_size: int = 10_000,
        start_seq: int = 1,
        stop_seq: int | None = None,
    ) -> Iterator[LedgerEntry]:
        """Entries in seq order, fetched ``batch_size`` rows at a time by key range (no
        server-side cursor, so it works on any connection). ``stop_seq`` is inclusive."""
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        after = start_seq - 1
        while True:
            query = select(*_ENTRY_COLUMNS).where(_t.log == log, _t.seq > after)
            if stop_seq is not None:
                query = query.where(_t.seq <= stop_seq)
            rows = self._connection.execute(query.order_by(_t.seq).limit(batch_size)).all()
            if not rows:
                return
            yield from map(_entry, rows)
            if len(rows) < batch_size:
                return
            after = rows[-1][1]

    def tags(
        self, log: str, *, after_seq: int = 0, up_to: int | None = None
    ) -> Iterator[tuple[str, int, bytes, bytes | None]]:
        """``(log, seq, chain_hash, tag)`` of the entries after ``after_seq``, in seq order."""
        query = select(_t.log, _t.seq, _t.chain_hash, _t.tag).where(_t.log == log, _t.seq > after_seq)
        if up_to is not None:
            query = query.where(_t.seq <= up_to)
        for log_name, seq, chain, tag in self._connection.execute(query.order_by(_t.seq)):
            yield log_name, seq, bytes(chain), None if tag is None else bytes(tag)

    def hash_pairs(self, log: str, *, up_to: int) -> list[tuple[bytes, bytes]]:
        """Stored ``(leaf_hash, chain_hash)`` of seqs 1..up_to, in seq order, to hold against the witness store."""
        query = select(_t.leaf_hash, _t.chain_hash).where(_t.log == log, _t.seq <= up_to).order_by(_t.seq)
        return [(bytes(leaf), bytes(chain)) for leaf, chain in self._connection.execute(query)]

    def verify(self, log: str, public_key: PublicKeyLike | None = None) -> VerificationReport:
        """Verify the stored log against every stored checkpoint, streaming (flat memory,
        one process). Pass ``public_key`` to tie the checkpoints to the expected signer."""
        checkpoints = self.checkpoints(log)
        return verify_entries(self.iter_entries(log, batch_size=50_000), checkpoints, public_key, log=log)

    def leaf_hashes(self, log: str, *, tree_size: int | None = None) -> list[bytes]:
        """Stored leaf hashes in seq order, for proofs (verify the log before trusting them)."""
        query = select(_t.leaf_hash).where(_t.log == log).order_by(_t.seq)
        if tree_size is not None:
            query = query.where(_t.seq <= tree_size)
        return [bytes(h) for h in self._connection.execute(query).scalars()]

    def tree_head(self, log: str) -> tuple[int, bytes]:
        """``(tree size, Merkle root)`` from the stored leaf hashes."""
        hashes = self.leaf_hashes(log)
        return len(hashes), tree_root(hashes)

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Keep the checkpoint. The same tree head signed at the same instant is the same checkpoint (Ed25519
        signatures are deterministic), so one saved already, also at the same moment, is left as it is."""
        insert_unless_taken(
            self._connection,
            ledger_checkpoints,
            dict(
                log=checkpoint.log,
                tree_size=checkpoint.tree_size,
                signed_at=checkpoint.timestamp,
                root_hash=checkpoint.root_hash,
                note=checkpoint.text,
            ),
        )

    def checkpoints(self, log: str) -> list[Checkpoint]:
        c = ledger_checkpoints.c
        notes = self._connection.execute(
            select(c.note).where(c.log == log).order_by(c.tree_size, c.signed_at)
        ).scalars()
        return [parse_checkpoint(note) for note in notes]

    def _lock(self, log: str) -> None:
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(_LOCK, {"key": advisory_lock_key(log)})


def _row(entry: LedgerEntry) -> dict:
    return {
        "log": entry.log,
        "seq": entry.seq,
        "kind": entry.kind,
        "recorded_at": entry.recorded_at,
        "payload": entry.payload_json,
        "corrects": entry.corrects,
        "leaf_hash": entry.leaf_hash,
        "chain_hash": entry.chain_hash,
        "content_hash": entry.content_hash,
        "tag": None,
    }


def _entry(row) -> LedgerEntry:
    log, seq, kind, recorded_at, payload, corrects, leaf, chain, content = row
    # Some drivers return memoryview for binary columns; hashes must compare as bytes.
    # Anything else (a tampered value) is passed on for verification to report.
    if type(leaf) in _BUFFER_TYPES:
        leaf = bytes(leaf)
    if type(chain) in _BUFFER_TYPES:
        chain = bytes(chain)
    if type(content) in _BUFFER_TYPES:
        content = bytes(content)
    return LedgerEntry(log, seq, kind, recorded_at, payload, corrects, leaf, chain, content)
