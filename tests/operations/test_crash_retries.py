"""A real `safeshare serve` is killed (SIGKILL) while clients are sealing decisions and sending requests, a few
times over. After each restart every request that got no answer is sent again with its Idempotency-Key. In the end
every key has exactly one sealed record, whether or not its first try had been committed when the server died,
and the ledger still verifies (the check behind `safeshare ledger verify`). Runs on the suite's database."""

from __future__ import annotations

import http.client
import random
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import func, select

from safeshare.domain.decisions import Decision
from safeshare.services.ledger import Log
from safeshare.store.ledger_tables import ledger_entries
from safeshare.store.tables import idempotency_keys
from tests.exchange import decision_input, request_input
from tests.recording import tokens_for
from tests.servers import Server, free_ports, request

CLIENTS = 12
CYCLES = 3


@dataclass
class Call:
    """One sealing request and what came of it: the answer's id once there is one."""

    kind: str  # "decisions" or "requests"
    key: str
    body: dict
    token: str
    answer: str | None = None


def send(port: int, call: Call, arriving: Callable[[], bool] | None = None,
         connection: http.client.HTTPConnection | None = None) -> None:
    """Send the call; keep its answer if one comes back. A dropped connection leaves it unanswered, and so does
    `arriving()` saying, as an answer arrives, that it has just killed the server."""
    try:
        status, body = request(port, "POST", f"/api/v1/{call.kind}", call.body, call.token, timeout=20,
                               connection=connection, headers={"Idempotency-Key": call.key})
    except OSError:
        return
    if arriving is not None and status == 201 and arriving():
        return  # committed, but its answer is lost with the server
    assert status == 201, body
    call.answer = str(body["id"])


def count(engine, table, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_every_request_cut_off_by_a_crash_and_sent_again_is_sealed_exactly_once(world, engine, database_url, tmp_path):
    (port,) = free_ports(1)
    calls: list[Call] = []
    cut_off_but_committed = 0
    with Server(database_url, port, tmp_path / "server.log").start() as server:
        decider, requester = tokens_for(world, port, ("practitioner_a", "practitioner_b"))

        def new_call(index: int) -> Call:
            if index % 2:
                body = request_input(world, "child_b", why_needed=f"Assessing the risk to Bea (request {index})").model_dump(mode="json")
                return Call("requests", str(uuid.uuid4()), body, requester)
            body = decision_input(world, "child_a", Decision.DO_NOT_SHARE, question=f"Decision {index}").model_dump(mode="json")
            return Call("decisions", str(uuid.uuid4()), body, decider)

        for cycle in range(CYCLES):
            # Killed as the kill_after-th answer arrives: that request is committed and its caller never
            # learns so; others committed in the same batch may be cut off too.
            kill_after = random.randint(8, 30)
            stop = threading.Event()
            killed = threading.Event()
            lock = threading.Lock()
            answers = [0]

            def arriving() -> bool:
                with lock:
                    answers[0] += 1
                    if answers[0] != kill_after:
                        return False
                    server.kill()
                    killed.set()
                    return True

            def load() -> None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                try:
                    while not stop.is_set():
                        with lock:
                            call = new_call(len(calls))
                            calls.append(call)
                        send(port, call, arriving, connection)
                        if call.answer is None:
                            return  # the server is gone
                finally:
                    connection.close()

            clients = [threading.Thread(target=load) for _ in range(CLIENTS)]
            for client in clients:
                client.start()
            assert killed.wait(timeout=60), f"cycle {cycle}: the server was not killed"
            stop.set()
            for client in clients:
                client.join(timeout=30)
                assert not client.is_alive()

            # What the crash cut off but had already committed: the retries below must not seal these again.
            sealed = count(engine, ledger_entries, ledger_entries.c.log.in_(["decisions", "requests"]))
            cut_off_but_committed += sealed - sum(c.answer is not None for c in calls)
            server.start()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda c: send(port, c), [c for c in calls if c.answer is None]))
            assert all(c.answer is not None for c in calls), f"cycle {cycle}: a retry got no answer"

    for kind in ("decisions", "requests"):
        keyed = [c for c in calls if c.kind == kind]
        assert len({c.answer for c in keyed}) == len(keyed), f"two keys got one {kind} record"
        assert count(engine, ledger_entries, ledger_entries.c.log == kind) == len(keyed), f"a {kind} record was sealed twice"
    assert count(engine, idempotency_keys) == len(calls)
    assert cut_off_but_committed >= CYCLES  # each crash cut off at least the request whose answer had arrived
    for log in (Log.DECISIONS, Log.REQUESTS, Log.ACCESS):
        report = world.services.ledger.verify(world.actor("ig_lead_a"), log)
        assert report.ok, report
