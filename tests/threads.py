"""Running callers on threads at once, for the tests of group commit."""

from __future__ import annotations

import threading
import time


def run_threads(count: int, target, timeout: float = 120.0) -> list:
    """Call `target(i)` on `count` threads at once; each outcome is its result or the exception it raised."""
    outcomes: list = [None] * count

    def run(index: int) -> None:
        try:
            outcomes[index] = target(index)
        except Exception as error:  # kept for the test to look at
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a caller was left waiting"
    return outcomes


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)
