"""Signing keys and signed checkpoints (C2SP tlog-checkpoint in a signed note)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.ledger.checkpoint import (
    CheckpointFormatError,
    check_signature,
    parse_checkpoint,
    read_checkpoint,
    sign_checkpoint,
    write_checkpoint,
)
from safeshare.ledger.keys import (
    generate_private_key_seed,
    key_id,
    load_private_key,
    load_public_key,
    public_key_base64,
    public_key_bytes,
    verifier_key,
)

# RFC 8032 §7.1 test 1: the seed and the public key it must derive.
RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
ROOT = hashlib.sha256(b"root").digest()
SIGNED_AT = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return load_private_key(base64.b64encode(bytes.fromhex(RFC8032_SEED)).decode())


def test_keys_load_from_a_base64_seed_and_derive_the_rfc8032_public_key(key):
    assert public_key_bytes(key).hex() == RFC8032_PUBLIC
    assert load_public_key(public_key_base64(key)).public_bytes_raw().hex() == RFC8032_PUBLIC


def test_generated_seeds_are_32_random_bytes_in_base64():
    first, second = generate_private_key_seed(), generate_private_key_seed()
    assert len(base64.b64decode(first)) == 32
    assert first != second
    assert public_key_bytes(load_private_key(first)) != public_key_bytes(load_private_key(second))


@pytest.mark.parametrize("seed", ["not base64!", base64.b64encode(b"short").decode(), ""])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(ValueError):
        load_private_key(seed)


def test_verifier_keys_follow_the_signed_note_format(key):
    vkey = verifier_key("safeshare", key)
    name, hex_id, encoded = vkey.split("+", 2)
    raw = bytes.fromhex(RFC8032_PUBLIC)
    assert name == "safeshare"
    assert bytes.fromhex(hex_id) == hashlib.sha256(b"safeshare\n\x01" + raw).digest()[:4] == key_id("safeshare", raw)
    assert base64.b64decode(encoded) == b"\x01" + raw
    assert load_public_key(vkey).public_bytes_raw() == raw
    with pytest.raises(ValueError, match="key id"):
        load_public_key(f"other+{hex_id}+{encoded}")


def test_checkpoint_text_layout(key):
    checkpoint = sign_checkpoint("decisions", 42, ROOT, key, timestamp=SIGNED_AT)
    body, signatures = checkpoint.text.split("\n\n")
    assert body.split("\n") == [
        "safeshare/decisions",
        "42",
        base64.b64encode(ROOT).decode(),
        "timestamp 2025-01-02T03:04:05.000006Z",
        "public-key " + verifier_key("safeshare", key),
    ]
    assert signatures.startswith("\u2014 safeshare ") and signatures.endswith("\n")
    blob = base64.b64decode(signatures.split(" ")[2])
    assert blob[:4] == key_id("safeshare", public_key_bytes(key))
    key.public_key().verify(blob[4:], (body + "\n").encode())  # raises if wrong
    assert (checkpoint.log, checkpoint.tree_size, checkpoint.root_hash) == ("decisions", 42, ROOT)


def test_signature_checks_with_and_without_the_expected_key(key):
    checkpoint = sign_checkpoint("decisions", 42, ROOT, key, timestamp=SIGNED_AT)
    assert check_signature(checkpoint, key.public_key()) [:2] == (True, True)
    assert check_signature(checkpoint, public_key_base64(key))[:2] == (True, True)
    embedded_only = check_signature(checkpoint)
    assert embedded_only.valid and embedded_only.key_matches_expected is None
    assert "does not show who signed" in embedded_only.detail


def test_a_different_key_is_reported_as_not_matching(key):
    checkpoint = sign_checkpoint("decisions", 42, ROOT, key, timestamp=SIGNED_AT)
    other = Ed25519PrivateKey.generate().public_key()
    verdict = check_signature(checkpoint, other)
    assert verdict == (False, False, "signed by a different key than the expected one")


def test_a_forger_cannot_reuse_the_signature_on_changed_content(key):
    checkpoint = sign_checkpoint("decisions", 42, ROOT, key, timestamp=SIGNED_AT)
    for old, new in [("\n42\n", "\n43\n"), ("2025-01-02", "2025-01-03"), ("safeshare/decisions", "safeshare/access")]:
        forged = parse_checkpoint(checkpoint.text.replace(old, new, 1))
        assert not check_signature(forged, key.public_key()).valid
        assert not check_signature(forged).valid


def test_a_forger_with_their_own_key_is_caught_only_by_the_expected_key(key):
    forger = Ed25519PrivateKey.generate()
    forged = sign_checkpoint("decisions", 42, hashlib.sha256(b"other").digest(), forger, timestamp=SIGNED_AT)
    assert check_signature(forged).valid  # self-consistent...
    assert check_signature(forged, key.public_key()).key_matches_expected is False  # ...but not ours


def test_checkpoints_round_trip_through_files(key, tmp_path):
    checkpoint = sign_checkpoint("access", 0, hashlib.sha256(b"").digest(), key, timestamp=SIGNED_AT)
    write_checkpoint(checkpoint, tmp_path / "access.checkpoint")
    assert read_checkpoint(tmp_path / "access.checkpoint") == checkpoint


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("\n\n", "\n"),
        lambda t: t.replace("\n42\n", "\n042\n"),
        lambda t: t.replace("\n42\n", "\n-1\n"),
        lambda t: t.replace("timestamp ", "time "),
        lambda t: t.replace("safeshare/decisions", "decisions"),
        lambda t: t.replace("safeshare/decisions", "safeshare/Bad Log"),
        lambda t: t.replace("\u2014 ", "- "),
        lambda t: t[:-1],
        lambda t: t.replace("public-key ", "public-key x"),
    ],
)
def test_malformed_checkpoints_are_refused(key, mutate):
    text = sign_checkpoint("decisions", 42, ROOT, key, timestamp=SIGNED_AT).text
    with pytest.raises(CheckpointFormatError):
        parse_checkpoint(mutate(text))


def test_signatures_by_other_keys_are_tolerated(key):
    cosigner = Ed25519PrivateKey.generate()
    text = sign_checkpoint("decisions", 42, ROOT, key, timestamp=SIGNED_AT).text
    extra = base64.b64encode(key_id("witness", public_key_bytes(cosigner)) + b"\x00" * 64).decode()
    checkpoint = parse_checkpoint(text + f"\u2014 witness {extra}\n")
    assert len(checkpoint.signatures) == 2
    assert check_signature(checkpoint, key.public_key()).valid
