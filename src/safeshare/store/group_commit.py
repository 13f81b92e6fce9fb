"""Group commit: items from many threads written in shared transactions, one durable COMMIT each.

A durable commit costs a disk flush (SQLite WAL with ``synchronous=FULL``, PostgreSQL WAL), and
appends to one ledger log are serialised anyway, so a transaction per item caps how many can be
recorded per second. Here ``submit`` queues the caller's item and blocks:

* The first caller to find nobody writing becomes the *leader*: it takes what is queued (up to
  ``max_batch``), has ``write`` check and write all of it in one transaction, commits, and gives
  every caller in the batch its own result. Callers arriving meanwhile queue up; when the leader
  is done, the first of them leads the next batch. There is no background thread.
* Before taking its batch a leader waits (at most ``linger`` seconds) for the queue to be as long
  as the last batch was, so that callers who were just answered and come straight back share the
  next commit instead of trickling into commits of their own. A lone caller does not wait.
* ``submit`` returns (or raises) only after the COMMIT holding the caller's item has succeeded (or
  failed): nothing is handed out before it is durable.
* ``write`` may refuse single items by returning ``Failed(error)`` in their place (say, a check
  failed). Then nothing is committed: the refused callers get their errors and the others are
  written again in a new transaction, so a refused item leaves no trace in the database.
* If ``write`` raises, the transaction was rolled back, and each item is tried again alone: one
  bad item cannot fail the others, and gets its own error. If the COMMIT itself fails, its
  outcome is unknown (the connection may have dropped after the server committed), so nothing is
  retried and every caller in the batch gets the error, as a single caller would.

Correct numbering across processes does not depend on this class: ``write`` still goes through
``LedgerRepository``, which locks the log per transaction. Several processes (or several
``GroupCommit`` objects) just form separate batches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Transaction(Protocol):
    def commit(self) -> None: ...


Tx = TypeVar("Tx", bound=Transaction)


@dataclass(frozen=True, slots=True)
class Failed:
    """What ``write`` returns in place of an item it refuses."""

    error: Exception


class CommitFailed(Exception):
    """The COMMIT of a batch failed: whether it took effect is unknown, so nothing was retried."""


class _Waiter:
    __slots__ = ("item", "result", "error", "settled", "_asleep")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.result: Any = None
        self.error: BaseException | None = None
        self.settled = False
        self._asleep = threading.Lock()  # held while the caller must wait: cheaper than an Event
        self._asleep.acquire()

    def wait(self) -> None:
        self._asleep.acquire()

    def wake(self) -> None:
        self._asleep.release()

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.settled = result, error, True

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit(Generic[T, Tx, R]):
    """Write items from many threads in shared transactions (see module docstring).

    ``begin()`` gives a transaction as a context manager that rolls back on exit unless
    ``commit()`` was called (e.g. a ``UnitOfWork``); ``write(tx, items)`` writes the items in it
    and returns one result (or ``Failed``) per item, in order.
    """

    def __init__(
        self,
        begin: Callable[[], AbstractContextManager[Tx]],
        write: Callable[[Tx, list[T]], list[R | Failed]],
        *,
        max_batch: int = 256,
        linger: float = 0.002,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be positive")
        self._begin = begin
        self._write = write
        self._max_batch = max_batch
        self._linger = linger
        self._mutex = threading.Lock()
        self._arrival = threading.Condition(self._mutex)
        self._queue: list[_Waiter] = []
        self._leading = False
        self._lingering = False
        self._last_batch = 1

    @property
    def queued(self) -> int:
        """How many items wait for a leader to take them (those being written are not counted)."""
        return len(self._queue)

    def submit(self, item: T) -> R:
        """Write `item` and return its result once the transaction holding it has committed."""
        waiter = _Waiter(item)
        with self._mutex:
            if not self._leading:
                self._leading = leads = True
            else:
                self._queue.append(waiter)
                if self._lingering and len(self._queue) + 1 >= self._wanted():
                    self._arrival.notify()
                leads = False
        if not leads:
            waiter.wait()
            if waiter.settled:
                return waiter.outcome()
        self._lead(waiter)  # woken unsettled: handed the lead, and taken off the queue
        return waiter.outcome()

    def _wanted(self) -> int:
        return min(self._last_batch, self._max_batch)

    def _lead(self, own: _Waiter) -> None:
        with self._mutex:
            if self._linger and len(self._queue) + 1 < self._wanted():
                deadline = time.monotonic() + self._linger
                self._lingering = True
                while len(self._queue) + 1 < self._wanted():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._arrival.wait(left)
                self._lingering = False
            batch = [own, *self._queue[: self._max_batch - 1]]
            del self._queue[: self._max_batch - 1]
            self._last_batch = len(batch)
        try:
            self._run(batch)
        except BaseException as error:  # e.g. KeyboardInterrupt: nobody may be left waiting
            for waiter in batch:
                if not waiter.settled:
                    waiter.settle(error=error)
            raise
        finally:
            with self._mutex:
                successor = self._queue.pop(0) if self._queue else None
                if successor is None:
                    self._leading = False
            if successor is not None:
                successor.wake()
            for waiter in batch[1:]:  # the first is this caller, awake already
                waiter.wake()

    def _run(self, batch: list[_Waiter]) -> None:
        pending = batch
        while pending:
            try:
                results, committed = self._commit([w.item for w in pending])
            except CommitFailed as failed:
                for waiter in pending:
                    waiter.settle(error=failed.__cause__ or failed)
                return
            except Exception as error:
                if len(pending) == 1:
                    pending[0].settle(error=error)
                else:
                    for waiter in pending:  # rolled back: each alone, so one bad item cannot fail the rest
                        self._run([waiter])
                return
            if committed:
                for waiter, result in zip(pending, results, strict=True):
                    waiter.settle(result)
                return
            for waiter, result in zip(pending, results, strict=True):  # rolled back: settle the refused
                if type(result) is Failed:
                    waiter.settle(error=result.error)
            pending = [w for w in pending if not w.settled]

    def _commit(self, items: list[T]) -> tuple[list[R | Failed], bool]:
        """Write the items and commit; if any was refused, roll back instead. Says which it did."""
        with self._begin() as tx:
            results = self._write(tx, items)
            if len(results) != len(items):
                raise RuntimeError(f"write returned {len(results)} results for {len(items)} items")
            if any(type(r) is Failed for r in results):
                return results, False
            try:
                tx.commit()
            except Exception as error:
                raise CommitFailed(str(error)) from error
        return results, True
