"""Signed checkpoints made without anyone asking, into the witness store outside the database.

Each log is checkpointed when it has grown by ``checkpoint_every_entries`` since its last checkpoint,
or ``checkpoint_every_minutes`` after it (so the last entries of a quiet log are covered soon). A
background thread (``start``) looks every second; recording never waits for it. Before signing, the
new entries must follow on, hash by hash, from the last witnessed entry, and each must carry a valid
tag (ledger/tags.py): an entry forged in the database is never signed, and the problem is logged.

Work per checkpoint is proportional to the entries it adds: the tree is kept as its compact range
(ledger/merkle.py ``CompactRange``), rebuilt from the witness store once per process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from safeshare.ledger import Checkpoint, sign_checkpoint
from safeshare.ledger.cosignature import add_checkpoint_request
from safeshare.ledger.encoding import parse_timestamp
from safeshare.ledger.entry import GENESIS_CHAIN
from safeshare.ledger.merkle import CompactRange
from safeshare.ledger.tags import entry_tag_key, first_bad_tag
from safeshare.ledger.verify import extension_problem
from safeshare.store.ledger_repository import LedgerRepository
from safeshare.store.witness_store import WitnessStore, WitnessStoreDamaged

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.0


class CheckpointRefused(Exception):
    """The log's new entries cannot be signed: they do not extend what was witnessed."""


class Checkpointer:
    def __init__(self, context, store: WitnessStore, logs: tuple[str, ...], signing_key) -> None:
        self._context = context
        self.store = store
        self._logs = logs
        self._key = signing_key
        self._tag_key = entry_tag_key(signing_key)
        self._ranges: dict[str, tuple[CompactRange, bytes]] = {}  # log -> (tree as witnessed, chain hash at its end)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[Checkpoint]:
        """Checkpoint every log that is due; a log that cannot be signed is logged and left for next time."""
        made = []
        with self._context.uow_factory() as uow:  # one short transaction for every log
            ledger = LedgerRepository(uow.connection)
            for log in self._logs:
                try:
                    signed = self.checkpoint(ledger, log)
                except (CheckpointRefused, WitnessStoreDamaged) as problem:
                    logger.error("ledger %s not checkpointed: %s", log, problem)
                    continue
                if signed is not None:
                    made.append(signed)
            uow.commit()
        return made

    def checkpoint(self, ledger: LedgerRepository, log: str, *, force: bool = False) -> Checkpoint | None:
        """Sign and witness the log's head in the caller's transaction if it is due (or ``force``); None if
        there is nothing new. Raises ``CheckpointRefused`` if the new entries do not extend the witnessed log."""
        with self.store.locked(log):
            latest = self.store.latest(log)
            size = latest.tree_size if latest else 0
            head = ledger.count(log)
            if head < size:
                raise CheckpointRefused(f"the log has {head} entries but {size} were witnessed: entries were removed")
            now = self._context.clock()
            if head == size or not (force or self._due(latest, head, now)):
                return None
            tree, chain = self._witnessed_tree(log, size)
            new = list(ledger.iter_entries(log, start_seq=size + 1, stop_seq=head))
            problem = extension_problem(new, size, chain) or first_bad_tag(
                ledger.tags(log, after_seq=size, up_to=head), self._tag_key, untagged_allowed=latest is None
            )
            if problem is not None:
                raise CheckpointRefused(f"seq {problem[0]}: {problem[1]}")
            extended, root, proof = tree.extended([e.leaf_hash for e in new])
            signed = sign_checkpoint(log, head, root, self._key, timestamp=now)
            self.store.add(log, signed, size, [(e.leaf_hash, e.chain_hash) for e in new], add_checkpoint_request(size, proof, signed))
            ledger.save_checkpoint(signed)
            self._ranges[log] = (extended, new[-1].chain_hash)
            return signed

    def _due(self, latest: Checkpoint | None, head: int, now: dt.datetime) -> bool:
        settings = self._context.settings
        if latest is None or head - latest.tree_size >= settings.checkpoint_every_entries:
            return True
        return now - parse_timestamp(latest.timestamp) >= dt.timedelta(minutes=settings.checkpoint_every_minutes)

    def _witnessed_tree(self, log: str, size: int) -> tuple[CompactRange, bytes]:
        """The tree as witnessed at ``size``, from memory, or else from the witness store's files."""
        cached = self._ranges.get(log)
        if cached is not None and cached[0].size == size:
            return cached
        after = cached[0].size if cached is not None and cached[0].size < size else 0
        tree = cached[0] if after else CompactRange()
        records = self.store.records(log, size, after=after)
        tree, root, _ = tree.extended([leaf for leaf, _ in records])
        if size and root != self.store.checkpoint(log, size).root_hash:
            raise WitnessStoreDamaged(f"the leaves kept for log {log!r} do not make the root of its checkpoint at {size}")
        chain = records[-1][1] if records else GENESIS_CHAIN  # records is empty only for an empty tree
        self._ranges[log] = (tree, chain)
        return tree, chain

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="ledger-checkpoints", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.run_once()
            except Exception:  # a database outage must not end checkpointing for good
                logger.exception("ledger checkpointing failed; trying again shortly")
