"""Decision records appended durably through the service layer, against a bare INSERT of the same rows."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, insert

from bench.scratch import fresh_postgres
from safeshare.domain.decisions import Decision
from safeshare.ledger import NewEntry, seal_entries
from safeshare.ledger.entry import GENESIS_CHAIN
from safeshare.services import SafeShare
from safeshare.services.ledger import Log
from safeshare.settings import Environment, Settings
from safeshare.store import schema  # noqa: F401
from safeshare.store.engine import make_engine
from safeshare.store.group_commit import GroupCommit
from safeshare.store.ledger_tables import ledger_entries
from safeshare.store.metadata import metadata
from tests.factories import build_world
from tests.services.test_decisions import complete_input, facts

TARGET = 3000.0
# Each API request runs in the server's thread pool (40 threads), so a busy partnership has up to 40
# practitioners recording at once. The target is judged at 32 writers; 8 shows a quieter moment.
WRITERS = (8, 32)
TARGET_WRITERS = 32
RECORDS = int(os.environ.get("SAFESHARE_BENCH_RECORDS", "2400"))


def _service_rate(engine: Engine, url: str, writers: int) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as witness_dir:
        # As in production: the ledgers are checkpointed into a witness store in the background while recording.
        settings = Settings(
            environment=Environment.TEST, secret_key=secrets.token_urlsafe(32), database_url=url, witness_dir=witness_dir
        )
        services = SafeShare.build(engine, settings)
        world = build_world(services)
        submitted = complete_input(world, facts(), Decision.SHARE)
        actor = world.actor("practitioner_a")
        services.decisions.record(actor, submitted)  # warm caches
        services.ledger.checkpointer.start()
        try:
            rate, recorded = _rate_of_writers(writers, lambda: services.decisions.record(actor, submitted))
        finally:
            services.ledger.checkpointer.stop()
        return _checked(services, world, actor, rate, recorded)


def _checked(services: SafeShare, world, actor, rate: float, recorded: int) -> tuple[float, dict]:
    report = services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS)  # the chain held under concurrency
    if not report.ok or report.tree_size != recorded + 1:
        raise AssertionError(f"the decisions ledger does not verify after the run: {report.summary()}")
    payload = services.decisions.get(actor, 1).model_dump(mode="json", exclude={"id"})
    return rate, payload


def _rate_of_writers(writers: int, record: Callable[[], object]) -> tuple[float, int]:
    """Calls/s of `record` from `writers` threads at once, sharing RECORDS calls between them; and how many."""
    per_writer = RECORDS // writers

    def writer() -> None:
        for _ in range(per_writer):
            record()

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return writers * per_writer / (time.perf_counter() - started), writers * per_writer


def _bare_insert_rate(engine: Engine, payload: dict, count: int) -> float:
    """The same ledger rows, one committed transaction each, with nothing else around them."""
    chain, seq = GENESIS_CHAIN, 0
    started = time.perf_counter()
    for _ in range(count):
        (entry,) = seal_entries(
            "bare", [NewEntry("decision.recorded", payload)], after_seq=seq, after_chain=chain, recorded_at=dt.datetime.now(dt.UTC)
        )
        with engine.begin() as connection:
            connection.execute(insert(ledger_entries).values(
                log=entry.log, seq=entry.seq, kind=entry.kind, recorded_at=entry.recorded_at,
                payload=entry.payload_json, content_hash=entry.content_hash, corrects=None, leaf_hash=entry.leaf_hash,
                chain_hash=entry.chain_hash,
            ))
        chain, seq = entry.chain_hash, entry.seq
    return count / (time.perf_counter() - started)


class _SleepingCommit:
    """A transaction that does nothing but wait, GIL released, as long as one durable commit takes."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds

    def __enter__(self) -> _SleepingCommit:
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def commit(self) -> None:
        time.sleep(self._seconds)


def _group_commit_ceiling(commit_seconds: float, writers: int) -> float:
    """Records/s of the group commit itself: `writers` threads, no work per record, each commit as long as
    one bare INSERT's. What is left is the cost of waking callers and taking their next records, under the GIL."""
    group = GroupCommit(lambda: _SleepingCommit(commit_seconds), lambda tx, items: [None] * len(items))
    return _rate_of_writers(writers, lambda: group.submit(None))[0]


def _measure(url: str, writers: int) -> tuple[float, float]:
    """Records/s through the service with `writers` threads, and the bare INSERT rate, on a fresh database."""
    engine = make_engine(url)
    metadata.create_all(engine)
    try:
        rate, payload = _service_rate(engine, url, writers)
        bare = _bare_insert_rate(engine, payload, 300)
    finally:
        engine.dispose()
    return rate, bare


def _figures(label: str, fresh_url: Callable[[], str | None]) -> list[dict]:
    figures = []
    for writers in WRITERS:
        url = fresh_url()
        if url is None:
            return figures
        rate, bare = _measure(url, writers)
        judged = writers == TARGET_WRITERS
        figures += [
            {
                "name": f"decision records/s through the service, {writers} concurrent writers, {label}",
                "value": rate, "unit": "records/s", "target": f">= {TARGET:,.0f}/s" if judged else "informative",
                "meets": rate >= TARGET if judged else True,
                "baseline_name": "bare INSERT of the same ledger row, same durability (rows/s)", "baseline_value": bare,
            },
            {
                "name": f"service / bare INSERT ratio, {writers} writers, {label}", "value": rate / bare, "unit": "x",
                "target": "informative", "meets": True, "baseline_name": "", "baseline_value": 0.0,
            },
        ]
        if judged:
            figures.append({
                "name": f"ceiling of group commit alone: {writers} threads, no work per record, each commit as long"
                f" as a bare INSERT's, {label}",
                "value": _group_commit_ceiling(1 / bare, writers), "unit": "records/s", "target": "informative",
                "meets": True, "baseline_name": "", "baseline_value": 0.0,
            })
    return figures


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as scratch:
        names = iter(range(len(WRITERS)))
        figures = _figures("SQLite (WAL, synchronous=FULL)", lambda: f"sqlite:///{Path(scratch) / f'bench-{next(names)}.db'}")
    return figures + _figures("PostgreSQL", lambda: fresh_postgres("recording"))
