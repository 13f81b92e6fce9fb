"""Recording decisions through real servers' HTTP API from several client threads, crashing the server while
they do, and auditing the ledger afterwards. Shared by the crash and multi-process tests and by `make bench`.

Clients keep only what was acknowledged (a 201 and its body): a request cut off by a crash may or may not have
been recorded, and either is fine. The audit then holds the ledger to what was promised: every acknowledged
record present exactly as acknowledged, seq 1..N with no gap and no number twice, and every log verifies.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from safeshare.domain.decisions import Decision
from safeshare.services.ledger import Log
from safeshare.store.ledger_repository import LedgerRepository
from tests.factories import PASSWORD, World
from tests.servers import Server, free_ports, request, sign_in
from tests.services.test_decisions import complete_input, facts

RECORDERS = ("practitioner_a", "dsl_a")  # both at agency A, which holds the child the records are about
VERIFIER = "ig_lead_a"


def decision_payload(world: World) -> dict:
    return complete_input(world, facts(), Decision.SHARE).model_dump(mode="json")


@dataclass
class Recording:
    """What the clients saw: acknowledged records by number, and how many requests went unanswered."""

    acknowledged: dict[int, dict] = field(default_factory=dict)
    by_port: Counter = field(default_factory=Counter)  # acknowledged records, by the port of the server that answered
    handed_out_twice: list[int] = field(default_factory=list)
    unanswered: int = 0
    refused: list[tuple[int, object]] = field(default_factory=list)  # a 4xx: the test's own mistake
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def acknowledge(self, port: int, record: dict) -> None:
        with self._lock:
            self.by_port[port] += 1
            if record["id"] in self.acknowledged:
                self.handed_out_twice.append(record["id"])
            self.acknowledged[record["id"]] = record

    def count_unanswered(self) -> None:
        with self._lock:
            self.unanswered += 1

    def refuse(self, status: int, body: object) -> None:
        with self._lock:
            self.refused.append((status, body))


class Clients:
    """Client threads, spread over the servers' ports, each POSTing decisions until stopped."""

    def __init__(self, ports: list[int], tokens: list[str], payload: dict, threads: int, timeout: float = 15.0) -> None:
        self.recording = Recording()
        self._stop = threading.Event()
        self._payload = payload
        self._timeout = timeout
        self._threads = [
            threading.Thread(target=self._record, args=(ports[i % len(ports)], tokens[i % len(tokens)]), daemon=True)
            for i in range(threads)
        ]

    def __enter__(self) -> Clients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self._timeout * 2)
            if thread.is_alive():
                raise RuntimeError("a client thread did not stop")

    def wait_for(self, acknowledged: int, timeout: float = 60.0) -> None:
        """Until at least `acknowledged` records in all have been acknowledged."""
        deadline = time.monotonic() + timeout
        while len(self.recording.acknowledged) < acknowledged:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(self.recording.acknowledged)} of {acknowledged} records acknowledged in {timeout}s")
            if self.recording.refused:
                raise RuntimeError(f"a record was refused: {self.recording.refused[0]}")
            time.sleep(0.01)

    def _record(self, port: int, token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=self._timeout)
        try:
            while not self._stop.is_set():
                try:
                    status, body = request(port, "POST", "/api/v1/decisions", self._payload, token, connection=connection)
                except OSError:  # cut off (the server died, or is starting again): not acknowledged
                    self.recording.count_unanswered()
                    time.sleep(0.02)
                    continue  # http.client connects again on the next request
                if status == 201:
                    self.recording.acknowledge(port, body)
                elif status >= 500:
                    self.recording.count_unanswered()
                else:
                    self.recording.refuse(status, body)
                    return
        finally:
            connection.close()


@dataclass(frozen=True)
class Audit:
    acknowledged: int
    present: int  # acknowledged records found exactly as acknowledged
    missing: tuple[int, ...]  # acknowledged, but absent or not as acknowledged
    duplicates: tuple[int, ...]  # numbers handed out twice, or stored twice
    gaps: tuple[int, ...]  # numbers in 1..N with no entry
    entries: int  # N, the decisions ledger's head
    verification: tuple[str, ...]  # one summary per log that does not verify

    @property
    def ok(self) -> bool:
        return self.present == self.acknowledged and not (self.missing or self.duplicates or self.gaps or self.verification)


def audit(world: World, recording: Recording) -> Audit:
    services = world.services
    with services.context.uow_factory() as uow:
        seqs = [entry.seq for entry in LedgerRepository(uow.connection).iter_entries(Log.DECISIONS.value)]
        present = {
            number for number, record in recording.acknowledged.items()
            if _stored(uow, number) == record
        }
    stored_twice = [seq for seq, times in Counter(seqs).items() if times > 1]
    head = max(seqs, default=0)
    failures = []
    for log in Log:
        report = services.ledger.verify(world.actor(VERIFIER), log)
        if not report.ok:
            failures.append(report.summary())
    return Audit(
        acknowledged=len(recording.acknowledged),
        present=len(present),
        missing=tuple(sorted(set(recording.acknowledged) - present)),
        duplicates=tuple(sorted({*recording.handed_out_twice, *stored_twice})),
        gaps=tuple(sorted(set(range(1, head + 1)) - set(seqs))),
        entries=head,
        verification=tuple(failures),
    )


def _stored(uow, number: int) -> dict | None:
    record = uow.decisions.get(number)
    return record.model_dump(mode="json") if record is not None else None


def tokens_for(world: World, port: int, people: tuple[str, ...] = RECORDERS) -> list[str]:
    """Bearer tokens from the server on `port` for these people of the world, signed in with their password."""
    return [sign_in(port, world.people[key].details.email, PASSWORD) for key in people]


@dataclass(frozen=True)
class Campaign:
    cycles: int
    audit: Audit
    unanswered: int


def crash_campaign(world: World, database_url: str, workdir: Path, cycles: int, clients: int = 4,
                   seed: int = 0, progress=None) -> Campaign:
    """Record from `clients` threads while the server is killed with SIGKILL and started again, `cycles` times,
    each kill at a random moment after the restarted server has acknowledged a record; then audit."""
    chance = random.Random(seed)
    (port,) = free_ports(1)
    with Server(database_url, port, workdir / "crash-server.log").start() as server:
        with Clients([port], tokens_for(world, port), decision_payload(world), clients) as running:
            for cycle in range(cycles):
                running.wait_for(len(running.recording.acknowledged) + 1)
                time.sleep(chance.uniform(0.05, 0.6))
                server.kill()
                server.start()
                if progress:
                    progress(cycle + 1, len(running.recording.acknowledged))
            running.wait_for(len(running.recording.acknowledged) + clients)  # recording works after the last crash
        server.stop()
    return Campaign(cycles, audit(world, running.recording), running.recording.unanswered)
