"""Several server processes on one database, as a large partnership runs it (processes behind a reverse proxy,
or `safeshare serve --workers N`): records made through all of them at once get one gapless run of numbers,
and every ledger verifies.

On PostgreSQL this is the advisory lock per log serialising appends across processes; on SQLite, the write
lock of the one file."""

from contextlib import ExitStack

from tests.recording import Clients, Recording, audit, decision_payload, tokens_for
from tests.servers import Server, free_ports

PROCESSES = 3
CLIENTS_PER_PROCESS = 3
RECORDS = 90


def assert_numbered_one_to_n(world, recording: Recording) -> None:
    result = audit(world, recording)
    assert recording.unanswered == 0 and recording.refused == []
    assert result.acknowledged >= RECORDS
    assert len({record["decided_by"] for record in recording.acknowledged.values()}) == 2  # both recorders
    # Nothing was cut off, so every entry is an acknowledged record: the numbers are exactly 1..N.
    assert sorted(recording.acknowledged) == list(range(1, result.entries + 1))
    assert result.present == result.acknowledged
    assert result.duplicates == () and result.gaps == ()
    assert result.verification == ()


def test_records_made_through_three_server_processes_at_once_are_numbered_without_gap_or_repeat(
    world, database_url, tmp_path
):
    ports = free_ports(PROCESSES)
    with ExitStack() as servers:
        started = [servers.enter_context(Server(database_url, port, tmp_path / f"server-{port}.log").launch()) for port in ports]
        for server in started:
            server.wait_until_healthy()
        tokens = [token for port in ports for token in tokens_for(world, port)]
        with Clients(ports, tokens, decision_payload(world), PROCESSES * CLIENTS_PER_PROCESS) as running:
            running.wait_for(RECORDS)
    assert set(running.recording.by_port) == set(ports)  # every process recorded
    assert_numbered_one_to_n(world, running.recording)


def test_records_made_through_serve_with_several_workers_are_numbered_without_gap_or_repeat(world, database_url, tmp_path):
    (port,) = free_ports(1)
    with Server(database_url, port, tmp_path / "workers.log", workers=2).start():
        with Clients([port], tokens_for(world, port), decision_payload(world), 2 * CLIENTS_PER_PROCESS) as running:
            running.wait_for(RECORDS)
    assert_numbered_one_to_n(world, running.recording)
