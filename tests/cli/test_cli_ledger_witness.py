"""The governance lead's witness commands, and the auditor's download of the witness store."""

import io
import tarfile

import pytest

from safeshare.cli import runtime
from safeshare.ledger.keys import public_key_base64
from safeshare.services.ledger import signing_key
from tests.cli.test_cli import cli, run, token_for  # noqa: F401  (fixture)
from tests.witnessing import record_some


@pytest.fixture
def witness_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESHARE_WITNESS_DIR", str(tmp_path / "witness"))
    runtime.reset()
    return tmp_path / "witness"


def test_a_lead_cosigns_each_new_checkpoint_and_refuses_a_fork(cli, world, witness_dir, tmp_path):
    ig = token_for(world, "ig_lead_a")
    key_file, state = tmp_path / "lead" / "witness.key", tmp_path / "lead" / "decisions.state"
    key_file.parent.mkdir()
    record_some(world, 3)
    assert run("ledger", "checkpoint", token=ig).exit_code == 0

    made = run("ledger", "witness", "keygen", "--name", "agency-a.example/witness", "--key-file", str(key_file))
    assert made.exit_code == 0 and key_file.stat().st_mode & 0o077 == 0
    assert run("ledger", "witness", "keygen", "--name", "again", "--key-file", str(key_file)).exit_code == 1  # never replaced
    registered = run("ledger", "witness", "register", "--verifier-key", made.output.strip(), token=ig)
    assert registered.exit_code == 0, registered.output

    partnership_key = public_key_base64(signing_key(runtime.services().context.settings))
    first = run("ledger", "witness", "cosign", "--key-file", str(key_file), "--state", str(state), "--public-key", partnership_key, token=ig)
    assert first.exit_code == 0 and "at size 3" in first.output, first.output
    record_some(world, 2)
    run("ledger", "checkpoint", token=ig)
    second = run("ledger", "witness", "cosign", "--key-file", str(key_file), "--state", str(state), token=ig)
    assert second.exit_code == 0 and "at size 5" in second.output and "size 3 you saw before" in second.output, second.output

    verified = run("ledger", "verify", token=ig)
    assert verified.exit_code == 0 and "agency-a.example/witness: newest cosigned checkpoint size 5" in verified.output

    # What the lead remembers no longer matches what the host now shows: a fork.
    state.write_text(state.read_text().replace(state.read_text().split('"root_hash": "')[1].split('"')[0], "A" * 43 + "="))
    record_some(world, 1)
    run("ledger", "checkpoint", token=ig)
    forked = run("ledger", "witness", "cosign", "--key-file", str(key_file), "--state", str(state), token=ig)
    assert forked.exit_code == 2 and "FORK" in forked.output


def test_the_auditor_downloads_the_witness_store_and_others_may_not(cli, world, witness_dir, tmp_path):
    record_some(world, 1)
    run("ledger", "checkpoint", token=token_for(world, "ig_lead_a"))
    out = tmp_path / "witness.tar"
    done = run("ledger", "witness-store", "--out", str(out), token=token_for(world, "auditor"))
    assert done.exit_code == 0, done.output
    with tarfile.open(fileobj=io.BytesIO(out.read_bytes())) as tar:
        assert f"decisions/checkpoints/{1:020d}.checkpoint" in tar.getnames()
    refused = run("ledger", "witness-store", "--out", str(tmp_path / "other.tar"), token=token_for(world, "ig_lead_a"))
    assert refused.exit_code == 1 and "ledger:witness-store" in refused.output
