"""verify_entries: every kind of damage is detected and the first bad seq is named."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.ledger import EMPTY_ROOT, NewEntry, seal_entries, tree_root, verify_entries
from safeshare.ledger import scan, verify
from safeshare.ledger.encoding import entry_bytes
from safeshare.ledger.entry import GENESIS_CHAIN, chain_hash
from safeshare.ledger.merkle import leaf_hash
from tests.ledger.builders import (
    SIGNING_KEY,
    START,
    build_log,
    checkpoint_for,
    flip_byte,
    reseal,
    shift_timestamp,
)

LOG = build_log(30)
PUBLIC = SIGNING_KEY.public_key()


def test_an_untouched_log_verifies_and_reports_its_root():
    report = verify_entries(LOG, checkpoint_for(LOG), PUBLIC)
    assert report.ok, report.summary()
    assert (report.log, report.entries_checked, report.tree_size) == ("decisions", 30, 30)
    assert report.root_hash == tree_root([e.leaf_hash for e in LOG])
    assert report.first_bad_seq is None and report.problem is None
    assert report.key_matches_expected is True
    assert report.notes == ()
    assert report.summary().startswith("OK")


def test_an_empty_log_has_the_empty_root():
    report = verify_entries([])
    assert report.ok and report.root_hash == EMPTY_ROOT and report.log is None


def test_streams_verify_like_lists():
    assert verify_entries(iter(LOG)) == verify_entries(LOG)


def test_without_a_checkpoint_the_report_says_what_cannot_be_detected():
    report = verify_entries(LOG)
    assert report.ok and report.key_matches_expected is None
    assert any("no checkpoint given" in note for note in report.notes)


def _tampered(index, **changes):
    damaged = list(LOG)
    damaged[index] = damaged[index]._replace(**changes)
    return damaged


@pytest.mark.parametrize(
    ("damaged", "first_bad", "wording"),
    [
        (_tampered(9, payload_json=LOG[9].payload_json.replace("C-10", "C-99")), 10, "content"),
        (_tampered(0, kind="decision.withdrawn"), 1, "content"),
        (_tampered(29, recorded_at=shift_timestamp(LOG[29].recorded_at, 1)), 30, "content"),
        (_tampered(14, corrects=None), 15, "content"),
        (_tampered(15, corrects=3), 16, "content"),
        (_tampered(4, corrects=5), 5, "not an earlier seq"),
        (_tampered(6, leaf_hash=flip_byte(LOG[6].leaf_hash, 31)), 7, "leaf hash was altered"),
        (_tampered(7, chain_hash=flip_byte(LOG[7].chain_hash, 3)), 8, "chain hash"),
        (_tampered(8, seq=10), 9, "expected seq 9"),
        (_tampered(8, log="access"), 9, "belongs to log"),
        (_tampered(2, kind="Not A Kind"), 3, "invalid kind"),
        (_tampered(2, content_hash=None), 3, "no content hash"),
        (_tampered(2, content_hash=flip_byte(LOG[2].content_hash)), 3, "content"),
        (_tampered(3, leaf_hash="not bytes"), 4, "leaf hash"),
        (LOG[:11] + LOG[12:], 12, "expected seq 12"),
        (LOG[:5] + [LOG[20]] + LOG[5:], 6, "expected seq 6"),
        (LOG[:5] + [LOG[5]] + LOG[5:], 7, "expected seq 7"),
        (LOG[:3] + [LOG[17]] + LOG[4:17] + [LOG[3]] + LOG[18:], 4, "expected seq 4"),
        (LOG[:3] + [LOG[4]._replace(seq=4), LOG[3]._replace(seq=5)] + LOG[5:], 4, "does not match"),
        (LOG[:10] + [LOG[10], "garbage"] + LOG[12:], 12, "malformed"),
    ],
)
def test_damage_is_located_at_the_first_bad_seq(damaged, first_bad, wording):
    for checkpoint in (None, checkpoint_for(LOG)):
        report = verify_entries(damaged, checkpoint, PUBLIC if checkpoint else None)
        assert not report.ok
        assert report.first_bad_seq == first_bad, report.summary()
        assert wording in report.problem
        assert report.tree_size == first_bad - 1
        assert report.root_hash is None
        assert report.summary().startswith("FAILED")


def test_removing_the_newest_entries_needs_a_checkpoint_to_notice():
    assert verify_entries(LOG[:25]).ok
    report = verify_entries(LOG[:25], checkpoint_for(LOG), PUBLIC)
    assert not report.ok and report.first_bad_seq == 26
    assert "seq 26..30 are missing" in report.problem


def test_a_consistent_rewrite_is_caught_by_an_earlier_checkpoint_within_a_range():
    edited = list(LOG)
    edited[12] = edited[12]._replace(payload_json='{"case":"C-13","decision":"withhold","n":13}')
    rewritten = reseal(edited, 12)
    assert verify_entries(rewritten).ok  # every stored hash agrees with itself...
    checkpoints = [checkpoint_for(LOG, size) for size in (5, 10, 20, 30)]
    report = verify_entries(rewritten, checkpoints, PUBLIC)
    assert not report.ok  # ...but not with what was signed before
    assert report.first_bad_seq is None
    assert report.bad_range == (11, 20)
    assert "rewritten" in report.problem
    assert "within seq 11..20" in report.summary()


def test_entries_after_the_last_checkpoint_are_noted():
    report = verify_entries(LOG, checkpoint_for(LOG, 20), PUBLIC)
    assert report.ok
    assert report.notes == ("entries after seq 20 are not covered by a checkpoint",)


def test_a_checkpoint_signed_by_another_key_fails_verification():
    forged = checkpoint_for(LOG)
    report = verify_entries(LOG, forged, Ed25519PrivateKey.generate().public_key())
    assert not report.ok and report.key_matches_expected is False
    assert "different key" in report.problem


def test_without_an_expected_key_the_report_says_the_signer_is_unproven():
    report = verify_entries(LOG, checkpoint_for(LOG))
    assert report.ok and report.key_matches_expected is None
    assert any("does not show who signed" in note for note in report.notes)


def test_a_checkpoint_for_another_log_is_refused():
    report = verify_entries(LOG, checkpoint_for(build_log(30, "access"), log="access"), PUBLIC)
    assert not report.ok and report.first_bad_seq == 1
    assert "belongs to log 'decisions'" in report.problem


def test_the_hot_path_builds_exactly_the_documented_entry_bytes():
    # scan.py builds entry bytes with an f-string for speed; it must agree with encoding.py.
    odd = seal_entries(
        "access", [NewEntry("x.y-z_1", {"q": "\"\\ü\n"}), NewEntry("k", {}, 1)],
        after_seq=0, after_chain=GENESIS_CHAIN, recorded_at=START,
    )
    content = hashlib.sha256(b'{"q":"\\"\\\\\xc3\xbc\\n"}').digest()
    assert odd[0].content_hash == content
    assert odd[0].entry_bytes() == (
        b'{"content":"' + content.hex().encode() + b'","corrects":null,"kind":"x.y-z_1","log":"access",'
        b'"recorded_at":"2025-06-01T09:00:00.000000Z","seq":1}'
    )
    assert odd[1].entry_bytes() == entry_bytes("access", 2, "k", "2025-06-01T09:00:00.000000Z", hashlib.sha256(b"{}").digest(), 1)
    assert verify_entries(odd).ok
    assert not verify_entries([odd[0], odd[1]._replace(leaf_hash=leaf_hash(odd[1].entry_bytes() + b" "))]).ok
    # and entries recorded before content hashing, whose leaves bind the payload itself
    legacy = [e._replace(content_hash=None) for e in odd]
    legacy = [legacy[0]._replace(leaf_hash=leaf_hash(legacy[0].entry_bytes()))]
    legacy[0] = legacy[0]._replace(chain_hash=chain_hash(GENESIS_CHAIN, legacy[0].leaf_hash))
    assert legacy[0].entry_bytes() == (
        b'{"corrects":null,"kind":"x.y-z_1","log":"access","payload":{"q":"\\"\\\\\xc3\xbc\\n"},'
        b'"recorded_at":"2025-06-01T09:00:00.000000Z","seq":1}'
    )
    assert verify_entries(legacy).ok


@pytest.fixture
def two_processes(monkeypatch):
    """Use the forked path on a small log (it normally starts at PARALLEL_MIN entries)."""
    monkeypatch.setattr(verify, "PARALLEL_MIN", 2 * scan.BLOCK)
    monkeypatch.setattr(scan, "fork_is_safe", lambda: True)
    calls = []
    real = scan.scan_in_two_processes
    monkeypatch.setattr(verify, "scan_in_two_processes", lambda *a: calls.append(1) or real(*a))
    return calls


BIG = build_log(5000, corrections_every=97)
BIG_CHECKPOINTS = [checkpoint_for(BIG, size) for size in (1000, 2048, 3333, 5000)]


@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
@pytest.mark.parametrize("position", [None, 0, 1000, 2047, 2048, 2049, 4999])
def test_two_processes_report_exactly_what_one_process_reports(two_processes, position):
    damaged = list(BIG)
    if position is not None:
        damaged[position] = damaged[position]._replace(chain_hash=flip_byte(damaged[position].chain_hash))
    parallel = verify_entries(damaged, BIG_CHECKPOINTS, PUBLIC)
    sequential = verify_entries(damaged, BIG_CHECKPOINTS, PUBLIC, workers=1)
    assert two_processes == [1]
    assert parallel == sequential
    assert parallel.ok is (position is None)
    assert parallel.first_bad_seq == (None if position is None else position + 1)


@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_two_processes_catch_a_rewrite_in_the_second_half(two_processes):
    edited = list(BIG)
    edited[4000] = edited[4000]._replace(kind="decision.withdrawn")
    report = verify_entries(reseal(edited, 4000), BIG_CHECKPOINTS, PUBLIC)
    assert two_processes == [1]
    assert report.bad_range == (3334, 5000)


def test_erased_content_leaves_the_entry_and_its_checkpoint_verifying():
    signed = checkpoint_for(LOG)
    erased = [e._replace(payload_json=None) if e.seq in (3, 17) else e for e in LOG]
    report = verify_entries(erased, signed, SIGNING_KEY.public_key())
    assert report.ok and report.erased == (3, 17), report.summary()
    assert "2 entries have had their content erased (first seq 3)" in report.summary()
    changed = [e._replace(payload_json=e.payload_json.replace("C-4", "C-5")) if e.seq == 4 else e for e in erased]
    assert verify_entries(changed, signed, SIGNING_KEY.public_key()).first_bad_seq == 4  # what is kept is still checked


def test_the_content_of_an_entry_recorded_before_content_hashing_cannot_be_erased():
    legacy = []
    for e in LOG[:3]:
        e = e._replace(content_hash=None)
        e = e._replace(leaf_hash=leaf_hash(e.entry_bytes()))
        legacy.append(e._replace(chain_hash=chain_hash(legacy[-1].chain_hash if legacy else GENESIS_CHAIN, e.leaf_hash)))
    assert verify_entries(legacy).ok
    report = verify_entries([legacy[0], legacy[1]._replace(payload_json=None), legacy[2]])
    assert report.first_bad_seq == 2 and "before content hashing" in report.problem
