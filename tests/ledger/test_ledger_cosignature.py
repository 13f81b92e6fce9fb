"""Cosignatures (C2SP tlog-cosignature v1) and the witness's own checks (C2SP tlog-witness)."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeshare.ledger import sign_checkpoint, tree_root
from safeshare.ledger.cosignature import (
    add_checkpoint_request,
    cosign,
    cosigner_vkey,
    parse_add_checkpoint_request,
    parse_cosigner_vkey,
    verify_cosignature,
    with_cosignatures,
)
from safeshare.ledger.keys import public_key_base64
from safeshare.ledger.merkle import MerkleTree, leaf_hash
from safeshare.ledger.witness import WitnessRefusal, check_offered, next_state
from tests.ledger.builders import SIGNING_KEY, START

WITNESS = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
LEAVES = [leaf_hash(bytes([i])) for i in range(9)]
TREE = MerkleTree(LEAVES)
LOG_KEY = public_key_base64(SIGNING_KEY)


def checkpoint(size, root=None):
    return sign_checkpoint("decisions", size, root or TREE.root(size), SIGNING_KEY, timestamp=START)


def test_a_cosignature_is_the_c2sp_v1_timestamped_signature_over_the_checkpoint_body():
    cp = checkpoint(5)
    signed = cosign(cp, "agency.example/w", WITNESS, 1_700_000_000)
    name, _, encoded = signed.line.removeprefix("\u2014 ").partition(" ")
    blob = base64.b64decode(encoded)
    raw = WITNESS.public_key().public_bytes_raw()
    assert name == "agency.example/w"
    assert blob[:4] == hashlib.sha256(b"agency.example/w\n\x04" + raw).digest()[:4]
    assert int.from_bytes(blob[4:12], "big") == 1_700_000_000
    WITNESS.public_key().verify(blob[12:], b"cosignature/v1\ntime 1700000000\n" + cp.body.encode())
    assert verify_cosignature(cp, signed.line, "agency.example/w", raw) is not None
    assert verify_cosignature(checkpoint(6), signed.line, "agency.example/w", raw) is None
    assert parse_cosigner_vkey(cosigner_vkey("agency.example/w", WITNESS)) == ("agency.example/w", raw)
    assert with_cosignatures(cp, [signed.line]).text.endswith(signed.line + "\n")


def test_the_witness_cosigns_only_a_consistent_larger_tree():
    first = check_offered(add_checkpoint_request(0, [], checkpoint(3)), "decisions", None, LOG_KEY)
    state = next_state("decisions", first, None, LOG_KEY)
    grown = add_checkpoint_request(3, TREE.consistency_proof(3, 8), checkpoint(8))
    assert check_offered(grown, "decisions", state, None).tree_size == 8
    old, proof, offered = parse_add_checkpoint_request(grown)
    assert (old, offered.tree_size) == (3, 8) and proof == TREE.consistency_proof(3, 8)

    forked = MerkleTree([leaf_hash(b"other"), *LEAVES[1:]])
    with pytest.raises(WitnessRefusal, match="FORK"):
        check_offered(add_checkpoint_request(3, forked.consistency_proof(3, 8), checkpoint(8, forked.root(8))), "decisions", state, None)
    with pytest.raises(WitnessRefusal, match="FORK"):
        check_offered(add_checkpoint_request(3, [], checkpoint(3, tree_root(LEAVES[1:4]))), "decisions", state, None)
    with pytest.raises(WitnessRefusal, match="ROLLBACK"):
        check_offered(add_checkpoint_request(3, [], checkpoint(2)), "decisions", state, None)
    stranger = sign_checkpoint("decisions", 8, TREE.root(8), WITNESS, timestamp=START)
    with pytest.raises(WitnessRefusal, match="partnership's key"):
        check_offered(add_checkpoint_request(3, TREE.consistency_proof(3, 8), stranger), "decisions", state, None)
    with pytest.raises(WitnessRefusal, match="not the one this witness pinned"):
        check_offered(grown, "decisions", state, public_key_base64(WITNESS))
    with pytest.raises(WitnessRefusal, match="first time"):
        check_offered(grown, "decisions", None, None)
