"""Group commit on its own, with an in-memory "database": batching, failure isolation, and nothing returned early."""

from __future__ import annotations

import threading
import time

import pytest

from safeshare.store.group_commit import Failed, GroupCommit
from tests.threads import run_threads, wait_until


class Store:
    """Committed rows, and transactions that stage rows and publish them on commit."""

    def __init__(self, fail_commit: bool = False) -> None:
        self.committed: list[str] = []
        self.batches: list[list[str]] = []
        self.transactions = 0
        self.fail_commit = fail_commit
        self.lock = threading.Lock()

    def begin(self) -> Transaction:
        return Transaction(self)


class Transaction:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.staged: list[str] = []
        self.done = False

    def __enter__(self) -> Transaction:
        self.store.transactions += 1
        return self

    def commit(self) -> None:
        if self.store.fail_commit:
            raise ConnectionError("connection lost during COMMIT")
        with self.store.lock:
            self.store.committed += self.staged
            self.store.batches.append(list(self.staged))
        self.done = True

    def __exit__(self, *exc) -> None:
        self.staged = []  # anything not committed is rolled back


def write(tx: Transaction, items: list[str]) -> list[int]:
    """Stage every item (numbered in commit order), failing the whole transaction on a "bad" one."""
    results = []
    for item in items:
        tx.staged.append(item)
        results.append(len(tx.store.committed) + len(tx.staged))
    if any(item.startswith("bad") for item in items):
        raise ValueError(f"cannot write {[i for i in items if i.startswith('bad')]}")
    return results



class HeldFirstWrite:
    """A write whose first call waits until `release` is set, so that callers queue behind it meanwhile."""

    def __init__(self, inner=write) -> None:
        self.inner = inner
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, tx, items):
        if not self.entered.is_set():
            self.entered.set()
            self.release.wait(10)
        return self.inner(tx, items)

    def submit_first(self, group: GroupCommit) -> threading.Thread:
        """Submit "first" on a thread and return once its write is being held."""
        first = threading.Thread(target=group.submit, args=("first",))
        first.start()
        self.entered.wait(10)
        return first


def batched_behind_a_held_one(group: GroupCommit, held: HeldFirstWrite, names: list[str]) -> dict:
    """Submit "first", hold its write until `names` have all queued behind it, so they form the next batch;
    return what each of `names` got (its result or its exception)."""
    first = held.submit_first(group)
    outcomes: dict[str, object] = {}

    def submit(name: str) -> None:
        try:
            outcomes[name] = group.submit(name)
        except Exception as error:  # kept for the test to look at
            outcomes[name] = error

    threads = [threading.Thread(target=submit, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    wait_until(lambda: group.queued == len(names))
    held.release.set()
    for thread in [first, *threads]:
        thread.join(10)
    return outcomes

def test_concurrent_items_share_transactions_and_each_gets_its_own_result():
    store = Store()
    group = GroupCommit(store.begin, write)
    outcomes = run_threads(16, lambda i: [group.submit(f"item-{i}-{n}") for n in range(25)])
    numbers = [n for results in outcomes for n in results]
    assert sorted(numbers) == list(range(1, 16 * 25 + 1))
    assert sorted(store.committed) == sorted(f"item-{i}-{n}" for i in range(16) for n in range(25))
    for results in outcomes:  # each caller's own items, in the order it sent them
        assert results == sorted(results)


def test_items_queued_while_a_batch_is_written_go_together_in_the_next_one():
    store = Store()
    held = HeldFirstWrite()
    group = GroupCommit(store.begin, held)
    outcomes = batched_behind_a_held_one(group, held, [f"next-{i}" for i in range(5)])
    assert not [outcome for outcome in outcomes.values() if isinstance(outcome, Exception)]
    assert store.batches[0] == ["first"]
    assert sorted(store.batches[1]) == [f"next-{i}" for i in range(5)]
    assert store.transactions == 2


def test_a_failing_item_fails_alone_and_the_rest_of_its_batch_is_committed_once():
    store = Store()
    held = HeldFirstWrite()
    group = GroupCommit(store.begin, held)
    names = ["good-0", "good-1", "bad-2", "good-3", "good-4"]
    outcomes = batched_behind_a_held_one(group, held, names)

    assert isinstance(outcomes["bad-2"], ValueError)
    assert "bad-2" not in store.committed
    assert sorted(store.committed) == sorted(["first", "good-0", "good-1", "good-3", "good-4"])
    assert len(store.committed) == len(set(store.committed))  # nothing written twice
    good = sorted(outcomes[name] for name in names if name != "bad-2")
    assert good == [2, 3, 4, 5]  # numbered contiguously, after the first batch
    assert all(len(batch) == 1 for batch in store.batches)  # the failed batch was retried item by item


def test_a_failed_commit_is_reported_to_every_caller_and_not_retried():
    store = Store(fail_commit=True)
    group = GroupCommit(store.begin, write)
    outcomes = run_threads(6, lambda i: group.submit(f"item-{i}"))
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    assert store.transactions <= 6  # one per batch: an uncertain commit is never tried again


def test_nothing_is_returned_before_the_commit_holding_it():
    store = Store()
    group = GroupCommit(store.begin, write)

    def submit_and_check(i: int) -> bool:
        for n in range(20):
            item = f"item-{i}-{n}"
            group.submit(item)
            with store.lock:
                if item not in store.committed:
                    return False
        return True

    assert all(run_threads(8, submit_and_check))


def test_batches_are_capped():
    store = Store()
    held = HeldFirstWrite()
    group = GroupCommit(store.begin, held, max_batch=3)
    outcomes = batched_behind_a_held_one(group, held, [f"next-{i}" for i in range(7)])
    assert not [outcome for outcome in outcomes.values() if isinstance(outcome, Exception)]
    assert [len(batch) for batch in store.batches] == [1, 3, 3, 1]


def test_an_interrupted_leader_wakes_its_batch_and_the_next_caller_still_commits():
    store = Store()
    calls = []

    def interrupting_write(tx, items):
        calls.append(items)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return write(tx, items)

    group = GroupCommit(store.begin, interrupting_write)
    with pytest.raises(KeyboardInterrupt):
        group.submit("interrupted")
    assert group.submit("after") == 1
    assert store.committed == ["after"]


def test_results_must_match_items():
    group = GroupCommit(Store().begin, lambda tx, items: [])
    with pytest.raises(RuntimeError, match="0 results for 1 items"):
        group.submit("x")
    with pytest.raises(ValueError):
        GroupCommit(Store().begin, write, max_batch=0)


def test_refused_items_leave_no_trace_and_the_rest_is_written_again_without_them():
    store = Store()
    calls: list[list[str]] = []

    def checking_write(tx, items):
        calls.append(list(items))
        for item in items:
            tx.staged.append(item)  # staged before the checks fail: must not survive
        if any(item.startswith("refused") for item in items):
            return [Failed(LookupError(item)) if item.startswith("refused") else None for item in items]
        return [len(tx.store.committed) + n for n in range(1, len(items) + 1)]

    held = HeldFirstWrite(checking_write)
    group = GroupCommit(store.begin, held)
    outcomes = batched_behind_a_held_one(group, held, ["a", "refused-1", "b", "refused-2", "c"])

    assert isinstance(outcomes["refused-1"], LookupError) and isinstance(outcomes["refused-2"], LookupError)
    assert sorted(store.committed) == ["a", "b", "c", "first"]
    assert sorted(outcomes[n] for n in "abc") == [2, 3, 4]
    assert sorted(calls[-1]) == ["a", "b", "c"]  # written again without the refused ones, in one transaction


def test_a_leader_waits_briefly_for_callers_coming_back_so_they_share_a_commit():
    store = Store()
    held = HeldFirstWrite()
    group = GroupCommit(store.begin, held, linger=5.0)
    first = held.submit_first(group)
    threads = [threading.Thread(target=lambda i=i: [group.submit(f"a-{i}"), group.submit(f"b-{i}")]) for i in range(4)]
    for thread in threads:
        thread.start()
    wait_until(lambda: group.queued == 4)
    held.release.set()  # the four are answered together and come straight back: the next leader waits for all of them
    for thread in [first, *threads]:
        thread.join(10)
    assert [sorted(batch) for batch in store.batches] == [["first"], [f"a-{i}" for i in range(4)], [f"b-{i}" for i in range(4)]]


def test_a_lone_caller_does_not_wait():
    group = GroupCommit(Store().begin, write, linger=5.0)
    started = time.monotonic()
    for n in range(3):
        group.submit(f"item-{n}")
    assert time.monotonic() - started < 1.0
