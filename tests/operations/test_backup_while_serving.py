"""A backup made while a server records is one consistent moment: restored elsewhere, every ledger verifies and is
exactly the first entries of the live ledger, and the backup's indexes match its entries."""

from tests.cli.test_cli import cli, run  # noqa: F401  (fixture)
from tests.cli.test_cli_backup import decision_entries, need_backup_tools, restore_elsewhere
from tests.recording import Clients, decision_payload, tokens_for
from tests.servers import Server, free_ports


def test_a_backup_made_while_clients_record_restores_to_a_prefix_of_the_live_ledger(
    cli, world, database_url, tmp_path, worker_id, monkeypatch
):
    need_backup_tools()
    backup = tmp_path / "while-serving.backup"
    (port,) = free_ports(1)
    with Server(database_url, port, tmp_path / "server.log").start():
        with Clients([port], tokens_for(world, port), decision_payload(world), 4) as running:
            running.wait_for(20)
            made = run("db", "backup", str(backup))
            running.wait_for(len(running.recording.acknowledged) + 20)  # still recording after the backup
    assert made.exit_code == 0, made.output
    live = decision_entries(database_url)
    copied = decision_entries(restore_elsewhere(backup, tmp_path, worker_id, monkeypatch))
    assert 20 <= len(copied) < len(live)
    assert copied == live[: len(copied)]
