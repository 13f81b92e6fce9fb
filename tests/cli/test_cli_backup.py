"""`safeshare db backup` and `db restore` on the suite's database: a restore brings back exactly what was backed
up, proved by every ledger and by checkpoints kept outside the database; a damaged, cut short or foreign backup,
or one that would replace data without --force, is refused before anything changes."""

import io
import json
import shutil
import tarfile

import pytest

from safeshare.cli import runtime
from safeshare.domain.decisions import Decision
from safeshare.ledger import sign_checkpoint, write_checkpoint
from safeshare.services.ledger import Log, signing_key
from safeshare.settings import Environment, Settings
from safeshare.store.engine import make_engine
from safeshare.store.ledger_repository import LedgerRepository
from tests import databases
from tests.cli.test_cli import cli, run, token_for  # noqa: F401  (fixture)
from tests.services.test_decisions import complete_input, facts


def record(world, count=1):
    for _ in range(count):
        world.services.decisions.record(world.actor("practitioner_a"), complete_input(world, facts(), Decision.SHARE))


def decisions_recorded(world) -> int:
    return world.services.ledger.verify(world.actor("ig_lead_a"), Log.DECISIONS).tree_size


def witness(world, path):
    """A checkpoint of the decisions ledger now, kept in a file outside the database."""
    write_checkpoint(world.services.ledger.checkpoint(world.actor("ig_lead_a"), Log.DECISIONS), path)
    return path


def need_backup_tools() -> None:
    if databases.backend() == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        databases.skip_or_fail("pg_dump and pg_restore are not installed: run `make postgresql-client`")


def restore_elsewhere(backup, tmp_path, worker_id, monkeypatch) -> str:
    """Restore `backup` into a new, empty database of the suite's kind (as on a replacement server); its URL."""
    if databases.backend() == "postgresql":
        elsewhere = databases.postgres_database_url(f"{databases.POSTGRES_DATABASE_PREFIX}_restored_{worker_id}")
    else:
        elsewhere = databases.sqlite_url(tmp_path / "elsewhere")
    monkeypatch.setenv("SAFESHARE_DATABASE_URL", elsewhere)
    runtime.reset()
    restored = run("db", "restore", str(backup))  # no --force: nothing there to replace
    assert restored.exit_code == 0, restored.output
    assert "every ledger verifies" in restored.output
    return elsewhere


def decision_entries(url: str) -> list[bytes]:
    """The leaf hashes of the decisions ledger at `url`."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return LedgerRepository(connection).leaf_hashes(Log.DECISIONS.value)
    finally:
        engine.dispose()


@pytest.fixture
def backup(cli, world, tmp_path):
    need_backup_tools()
    record(world, 2)
    path = tmp_path / "safeshare.backup"
    made = run("db", "backup", str(path))
    assert made.exit_code == 0, made.output
    assert "every ledger in it verifies" in made.output
    return path


def test_a_restore_brings_back_exactly_what_was_backed_up_and_proves_it_against_a_witnessed_checkpoint(
    backup, world, tmp_path
):
    at_backup = witness(world, tmp_path / "decisions-2.checkpoint")
    assert backup.stat().st_mode & 0o777 == 0o600  # every record in clear: its owner's only
    copy = "database.pgdump" if databases.backend() == "postgresql" else "database.sqlite3"
    with tarfile.open(backup) as tar:
        assert {m.name for m in tar.getmembers()} == {"manifest.json", "manifest.sig", copy}
    record(world, 3)  # recorded after the backup: a restore loses them
    after_backup = witness(world, tmp_path / "decisions-5.checkpoint")

    refused = run("db", "restore", str(backup))
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--force" in refused.output
    assert decisions_recorded(world) == 5

    restored = run("db", "restore", str(backup), "--force", "--checkpoint", str(at_backup), "--checkpoint", str(after_backup))
    assert restored.exit_code == 0, restored.output
    assert "every ledger verifies and agrees with the checkpoints given" in restored.output
    assert "entries 3..5 were recorded after it and are lost" in restored.output
    assert decisions_recorded(world) == 2
    verified = run("ledger", "verify", "--log", "decisions", token=token_for(world, "ig_lead_a"))
    assert verified.exit_code == 0 and "OK" in verified.output


def test_a_restore_that_disagrees_with_a_witnessed_checkpoint_fails_loudly(backup, world, tmp_path):
    settings = Settings(environment=Environment.TEST)
    other_history = sign_checkpoint("decisions", 2, bytes(32), signing_key(settings))
    write_checkpoint(other_history, tmp_path / "other.checkpoint")
    restored = run("db", "restore", str(backup), "--force", "--checkpoint", str(tmp_path / "other.checkpoint"))
    assert restored.exit_code == 1
    assert "FAILED" in restored.output and "do not serve it" in restored.output


def test_a_backup_restores_into_a_new_empty_database_without_force(backup, world, tmp_path, worker_id, monkeypatch):
    live = decision_entries(world.services.context.settings.database_url)
    assert decision_entries(restore_elsewhere(backup, tmp_path, worker_id, monkeypatch)) == live


def _flip_a_bit_in_the_database_copy(path):
    with tarfile.open(path) as tar:
        copy = next(m for m in tar.getmembers() if m.name.startswith("database."))
    data = bytearray(path.read_bytes())
    data[copy.offset_data + copy.size // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _cut(path, keep):
    path.write_bytes(path.read_bytes()[:keep])


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda p: _cut(p, p.stat().st_size // 2), "truncated"),
        (lambda p: _cut(p, 700), "truncated"),
        (_flip_a_bit_in_the_database_copy, "does not match the SHA-256 in its signed manifest"),
        (lambda p: p.write_bytes(b"not a backup\n"), "not a complete SafeShare backup"),
    ],
    ids=["cut in half", "cut in the manifest", "a flipped bit in the database copy", "not a backup"],
)
def test_a_damaged_or_truncated_backup_is_refused_and_changes_nothing(backup, world, damage, says):
    record(world)
    damage(backup)
    refused = run("db", "restore", str(backup), "--force")
    assert refused.exit_code == 1
    assert "is refused" in refused.output and says in refused.output
    assert decisions_recorded(world) == 3


def test_a_backup_whose_manifest_was_changed_is_refused(backup, world, tmp_path):
    with tarfile.open(backup) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(members["manifest.json"])
    manifest["ledgers"]["decisions"]["tree_size"] = 1
    members["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.backup"
    with tarfile.open(forged, "w") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    refused = run("db", "restore", str(forged), "--force")
    assert refused.exit_code == 1
    assert "not signed by this installation's ledger signing key" in refused.output


def test_a_backup_never_overwrites_a_file(backup):
    again = run("db", "backup", str(backup))
    assert again.exit_code == 1
    assert "already exists" in again.output
