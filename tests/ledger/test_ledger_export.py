"""Exports verified offline with only the export file, the checkpoint file and a public key."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.ledger import (
    ExportFormatError,
    LedgerIntegrityError,
    export_bytes,
    export_log,
    export_with_checkpoint,
    public_key_base64,
    read_checkpoint,
    read_export,
    verifier_key,
    verify_export,
)
from safeshare.ledger.merkle import tree_root
from tests.ledger.builders import SIGNING_KEY, START, build_log, checkpoint_for, flip_byte

LOG = build_log(40)


@pytest.fixture
def exported(tmp_path):
    export_path, checkpoint_path = tmp_path / "decisions.jsonl", tmp_path / "decisions.checkpoint"
    report, checkpoint = export_with_checkpoint(LOG, export_path, checkpoint_path, SIGNING_KEY, timestamp=START)
    assert report.ok and checkpoint.tree_size == 40
    return export_path, checkpoint_path


def test_an_export_verifies_offline_against_the_expected_key(exported):
    report = verify_export(*exported, public_key=public_key_base64(SIGNING_KEY))
    assert report.ok, report.summary()
    assert report.key_matches_expected is True
    assert report.root_hash == read_checkpoint(exported[1]).root_hash == tree_root([e.leaf_hash for e in LOG])
    assert verify_export(*exported, public_key=verifier_key("safeshare", SIGNING_KEY)).ok


def test_the_export_format_can_be_checked_without_this_code(exported):
    # An auditor's own tool: slice out the entry bytes and the content, hash, chain, compare.
    chain = bytes(32)
    for seq, line in enumerate(exported[0].read_bytes().splitlines(keepends=True), start=1):
        record = json.loads(line)
        entry_at = line.rindex(b',"entry":{') + len(b',"entry":')
        entry_bytes, content = line[entry_at:-81], line[len(b'{"chain_hash":"') + 64 + len(b'","content":') : entry_at - 9]
        leaf = hashlib.sha256(b"\x00" + entry_bytes).digest()
        chain = hashlib.sha256(b"\x02" + chain + leaf).digest()
        assert json.loads(entry_bytes) == record["entry"] and json.loads(content) == record["content"]
        assert hashlib.sha256(content).hexdigest() == record["entry"]["content"]
        assert record["entry"]["seq"] == seq
        assert (leaf.hex(), chain.hex()) == (record["leaf_hash"], record["chain_hash"])


def test_exports_round_trip_entries_exactly(tmp_path):
    assert export_log(LOG, tmp_path / "x.jsonl") == 40
    assert list(read_export(tmp_path / "x.jsonl")) == LOG
    assert export_bytes(LOG) == (tmp_path / "x.jsonl").read_bytes()


def test_a_different_expected_key_is_reported(exported):
    report = verify_export(*exported, public_key=Ed25519PrivateKey.generate().public_key())
    assert not report.ok and report.key_matches_expected is False


def test_without_an_expected_key_the_signer_is_not_vouched_for(exported):
    report = verify_export(*exported)
    assert report.ok and report.key_matches_expected is None
    assert any("does not show who signed" in note for note in report.notes)


def _rewrite_line(path, seq, change):
    lines = path.read_bytes().splitlines(keepends=True)
    lines[seq - 1] = change(lines[seq - 1])
    path.write_bytes(b"".join(lines))


@pytest.mark.parametrize(
    ("seq", "change", "wording"),
    [
        (17, lambda line: line.replace(b'"decision":"share"', b'"decision":"withhold"'), "content"),
        (3, lambda line: line.replace(b"decision.recorded", b"decision.withdrawn"), "content"),
        (40, lambda line: line.replace(b'"n":40', b'"n":41'), "content"),
        (8, lambda line: line.replace(b"T09:00:08.", b"T09:00:09."), "content"),
        (12, lambda line: line[:20] + (b"0" if line[20:21] != b"0" else b"1") + line[21:], "chain hash"),
        (5, lambda line: line.replace(b"}\n", b"} \n"), "not a well-formed export line"),
        (6, lambda line: b"\xff" + line, "not UTF-8"),
    ],
)
def test_a_tampered_export_is_detected_offline(exported, seq, change, wording):
    _rewrite_line(exported[0], seq, change)
    report = verify_export(*exported, public_key=SIGNING_KEY.public_key())
    assert not report.ok
    assert report.first_bad_seq == seq, report.summary()
    assert wording in report.problem


def test_deleted_and_reordered_lines_are_located(exported):
    export_path = exported[0]
    lines = export_path.read_bytes().splitlines(keepends=True)
    export_path.write_bytes(b"".join(lines[:9] + lines[10:]))
    assert verify_export(*exported, public_key=SIGNING_KEY.public_key()).first_bad_seq == 10
    export_path.write_bytes(b"".join(lines[:20] + [lines[30]] + lines[21:30] + [lines[20]] + lines[31:]))
    assert verify_export(*exported, public_key=SIGNING_KEY.public_key()).first_bad_seq == 21
    export_path.write_bytes(b"".join(lines[:33]))
    report = verify_export(*exported, public_key=SIGNING_KEY.public_key())
    assert report.first_bad_seq == 34 and "missing" in report.problem


def test_a_tampered_checkpoint_file_is_detected(exported):
    checkpoint_path = exported[1]
    checkpoint_path.write_text(checkpoint_path.read_text().replace("\n40\n", "\n39\n"))
    report = verify_export(*exported, public_key=SIGNING_KEY.public_key())
    assert not report.ok and "no valid signature" in report.problem
    checkpoint_path.write_text("garbage")
    assert "checkpoint file unreadable" in verify_export(*exported).problem


def test_a_missing_export_file_is_reported(tmp_path, exported):
    assert "export file unreadable" in verify_export(tmp_path / "absent.jsonl", exported[1]).problem


def test_a_damaged_log_is_not_exported_or_signed(tmp_path):
    damaged = list(LOG)
    damaged[25] = damaged[25]._replace(chain_hash=flip_byte(damaged[25].chain_hash))
    with pytest.raises(LedgerIntegrityError) as failure:
        export_with_checkpoint(damaged, tmp_path / "e.jsonl", tmp_path / "e.checkpoint", SIGNING_KEY)
    assert failure.value.report.first_bad_seq == 26
    assert not (tmp_path / "e.jsonl").exists() and not (tmp_path / "e.checkpoint").exists()


def test_exporting_checks_earlier_checkpoints_too(tmp_path):
    earlier = checkpoint_for(build_log(41))  # signed for a log that has since lost an entry
    with pytest.raises(LedgerIntegrityError, match="missing"):
        export_with_checkpoint(LOG, tmp_path / "e.jsonl", tmp_path / "e.checkpoint", SIGNING_KEY, earlier_checkpoints=[earlier])


def test_read_export_names_the_malformed_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(export_bytes(LOG[:3]) + b"{}\n")
    with pytest.raises(ExportFormatError, match="line 4"):
        list(read_export(path))


def test_an_export_carries_erased_entries_without_content_and_still_verifies(tmp_path):
    erased = [e._replace(payload_json=None) if e.seq == 5 else e for e in LOG]
    export_log(erased, tmp_path / "x.jsonl")
    assert b'"content":null' in (tmp_path / "x.jsonl").read_bytes().splitlines()[4]
    assert list(read_export(tmp_path / "x.jsonl")) == erased
    report = verify_export(tmp_path / "x.jsonl", None)
    assert report.ok and report.erased == (5,)
