"""A real `safeshare serve` is killed (SIGKILL) while clients are sealing decisions and sending requests, a few
times over. After each restart every request that got no answer is sent again with its Idempotency-Key. In the end
every key has exactly one sealed record, whether or not its first try had been committed when the server died,
and the ledger still verifies (the check behind `safeshare ledger verify`). Runs on the suite's backend (a SQLite file, or a PostgreSQL database
of the test prefix)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from safeshare.domain.decisions import Decision
from safeshare.services import SafeShare
from safeshare.services.ledger import Log
from safeshare.settings import Environment, Settings
from safeshare.store.engine import make_engine
from safeshare.store.ledger_tables import ledger_entries
from safeshare.store.migrate import upgrade
from safeshare.store.tables import idempotency_keys
from tests import databases
from tests.exchange import decision_input, request_input
from tests.factories import PASSWORD, build_world

PORTS = range(8150, 8160)  # this checkout's range; two test workers take halves of it
CLIENTS = 12
CYCLES = 3
SECRET = "crash-test-secret-key-of-at-least-32-characters"


@dataclass
class Call:
    """One sealing request and what came of it: the answer's id once there is one."""

    kind: str  # "decisions" or "requests"
    key: str
    body: dict
    token: str
    answer: str | None = None


def free_port(worker_id: str) -> int:
    half = len(PORTS) // 2
    start = PORTS.start + (half if worker_id.endswith("1") else 0)
    for port in range(start, start + half):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


class Server:
    def __init__(self, database_url: str, port: int, log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SAFESHARE_")}
        self.env |= {"SAFESHARE_DATABASE_URL": database_url, "SAFESHARE_ENVIRONMENT": "test", "SAFESHARE_SECRET_KEY": SECRET}
        self.port, self.log, self.process = port, log, None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from safeshare.cli.main import app; app()", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=out, stderr=out,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            try:
                if httpx.get(self.url + "/sign-in", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("the server did not start: " + self.log.read_text()[-2000:])

    def kill_now(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill_now()
            self.process.wait(timeout=30)


@pytest.fixture
def crash_database_url(tmp_path, worker_id) -> str:
    if databases.backend() == "postgresql":
        url = databases.postgres_database_url(f"{databases.POSTGRES_DATABASE_PREFIX}_crash_{worker_id}")
        return url.replace("postgresql+psycopg://", "postgresql://", 1)
    return databases.sqlite_url(tmp_path)


def send(client: httpx.Client, base: str, call: Call, arriving: Callable[[], bool] | None = None) -> None:
    """Send the call; keep its answer if one comes back. A dropped connection leaves it unanswered, and so does
    `arriving()` saying, as an answer starts to arrive, that it has just killed the server."""
    headers = {"Authorization": f"Bearer {call.token}", "Idempotency-Key": call.key}
    try:
        with client.stream("POST", f"{base}/api/v1/{call.kind}", json=call.body, headers=headers) as response:
            if arriving is not None and response.status_code == 201 and arriving():
                return  # committed, but its answer is lost with the server
            response.read()
    except httpx.TransportError:
        return
    assert response.status_code == 201, response.text
    call.answer = str(response.json()["id"])


def count(engine, table, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_every_request_cut_off_by_a_crash_and_sent_again_is_sealed_exactly_once(crash_database_url, tmp_path, worker_id):
    engine = make_engine(crash_database_url)
    upgrade(engine)
    settings = Settings(environment=Environment.TEST, database_url=crash_database_url, secret_key=SECRET)
    world = build_world(SafeShare.build(engine, settings))
    server = Server(crash_database_url, free_port(worker_id), tmp_path / "server.log")
    calls: list[Call] = []
    cut_off_but_committed = 0
    try:
        server.start()
        tokens = {
            who: httpx.post(f"{server.url}/api/v1/auth/token", json={"email": f"{who}@agency.example", "password": PASSWORD}).json()["access_token"]
            for who in ("practitioner_a", "practitioner_b")
        }

        def new_call(index: int) -> Call:
            if index % 2:
                body = request_input(world, "child_b", why_needed=f"Assessing the risk to Bea (request {index})").model_dump(mode="json")
                return Call("requests", str(uuid.uuid4()), body, tokens["practitioner_b"])
            body = decision_input(world, "child_a", Decision.DO_NOT_SHARE, question=f"Decision {index}").model_dump(mode="json")
            return Call("decisions", str(uuid.uuid4()), body, tokens["practitioner_a"])

        for cycle in range(CYCLES):
            # Killed as the kill_after-th answer starts to arrive: that request is committed and its caller never
            # learns so; others committed in the same batch may be cut off too.
            kill_after = random.randint(8, 30)
            stop = threading.Event()
            lock = threading.Lock()
            answers = [0]

            def arriving() -> bool:
                with lock:
                    answers[0] += 1
                    if answers[0] != kill_after:
                        return False
                    server.kill_now()
                    return True

            def load(_: int) -> None:
                with httpx.Client(timeout=20) as client:
                    while not stop.is_set():
                        with lock:
                            call = new_call(len(calls))
                            calls.append(call)
                        send(client, server.url, call, arriving)
                        if call.answer is None:
                            return  # the server is gone

            clients = [threading.Thread(target=load, args=(i,)) for i in range(CLIENTS)]
            for client in clients:
                client.start()
            server.process.wait(timeout=60)
            stop.set()
            for client in clients:
                client.join(timeout=30)
                assert not client.is_alive()

            # What the crash cut off but had already committed: the retries below must not seal these again.
            sealed = count(engine, ledger_entries, ledger_entries.c.log.in_(["decisions", "requests"]))
            cut_off_but_committed += sealed - sum(c.answer is not None for c in calls)
            server.start()
            with httpx.Client(timeout=20) as client, ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda c: send(client, server.url, c), [c for c in calls if c.answer is None]))
            assert all(c.answer is not None for c in calls), f"cycle {cycle}: a retry got no answer"

        for kind in ("decisions", "requests"):
            keyed = [c for c in calls if c.kind == kind]
            assert len({c.answer for c in keyed}) == len(keyed), f"two keys got one {kind} record"
            assert count(engine, ledger_entries, ledger_entries.c.log == kind) == len(keyed), f"a {kind} record was sealed twice"
        assert count(engine, idempotency_keys) == len(calls)
        assert cut_off_but_committed >= CYCLES  # each crash cut off at least the request whose answer had begun
        for log in (Log.DECISIONS, Log.REQUESTS, Log.ACCESS):
            report = world.services.ledger.verify(world.actor("ig_lead_a"), log)
            assert report.ok, report
    finally:
        server.stop()
        engine.dispose()
