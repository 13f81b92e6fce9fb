"""A backup made while a server records is one consistent moment: restored elsewhere, every ledger verifies and is
exactly the first entries of the live ledger, and the backup's indexes match its entries."""

import shutil

from safeshare.cli import runtime
from safeshare.services.ledger import Log
from safeshare.store.engine import make_engine
from safeshare.store.ledger_repository import LedgerRepository
from tests import databases
from tests.cli.test_cli import cli, run  # noqa: F401  (fixture)
from tests.recording import Clients, decision_payload, tokens_for
from tests.servers import Server, free_ports


def _leaves(url: str) -> list[bytes]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return LedgerRepository(connection).leaf_hashes(Log.DECISIONS.value)
    finally:
        engine.dispose()


def test_a_backup_made_while_clients_record_restores_to_a_prefix_of_the_live_ledger(
    cli, world, database_url, tmp_path, worker_id, monkeypatch
):
    if databases.backend() == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        databases.skip_or_fail("pg_dump and pg_restore are not installed: run `make postgresql-client`")
    backup = tmp_path / "while-serving.backup"
    (port,) = free_ports(1)
    with Server(database_url, port, tmp_path / "server.log").start():
        with Clients([port], tokens_for(world, port), decision_payload(world), 4) as running:
            running.wait_for(20)
            made = run("db", "backup", str(backup))
            running.wait_for(len(running.recording.acknowledged) + 20)  # still recording after the backup
    assert made.exit_code == 0, made.output
    live = _leaves(database_url)

    if databases.backend() == "postgresql":
        elsewhere = databases.postgres_database_url(f"{databases.POSTGRES_DATABASE_PREFIX}_restored_{worker_id}")
    else:
        elsewhere = databases.sqlite_url(tmp_path / "elsewhere")
    monkeypatch.setenv("SAFESHARE_DATABASE_URL", elsewhere)
    runtime.reset()
    restored = run("db", "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "every ledger verifies" in restored.output
    copied = _leaves(elsewhere)
    assert 20 <= len(copied) < len(live)
    assert copied == live[: len(copied)]
