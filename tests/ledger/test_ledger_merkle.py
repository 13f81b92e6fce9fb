"""RFC 9162 §2.1 tree hashing and proofs, against published vectors and a literal
transcription of the RFC's recursive definitions."""

from __future__ import annotations

import hashlib

import pytest

from safeshare.ledger.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

# Leaves and roots used by the Certificate Transparency reference implementations.
CT_LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_LEAF_HASHES = [leaf_hash(d) for d in CT_LEAVES]


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes, exactly as the RFC's recursion reads."""
    if not hashes:
        return _sha(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = _k(len(hashes))
    return _sha(b"\x01" + reference_mth(hashes[:k]) + reference_mth(hashes[k:]))


def reference_path(m: int, hashes: list[bytes]) -> list[bytes]:
    if len(hashes) == 1:
        return []
    k = _k(len(hashes))
    if m < k:
        return reference_path(m, hashes[:k]) + [reference_mth(hashes[k:])]
    return reference_path(m - k, hashes[k:]) + [reference_mth(hashes[:k])]


def reference_subproof(m: int, hashes: list[bytes], complete: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if complete else [reference_mth(hashes)]
    k = _k(n)
    if m <= k:
        return reference_subproof(m, hashes[:k], complete) + [reference_mth(hashes[k:])]
    return reference_subproof(m - k, hashes[k:], False) + [reference_mth(hashes[:k])]


LEAVES_64 = [leaf_hash(b"leaf %d" % i) for i in range(64)]
TREE_64 = MerkleTree(LEAVES_64)


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def test_empty_tree_hash_is_sha256_of_the_empty_string():
    assert EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert tree_root([]) == EMPTY_ROOT
    assert MerkleTree([]).root() == EMPTY_ROOT


def test_leaf_and_node_hashes_are_domain_separated():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(bytes.fromhex("101112131415161718191a1b1c1d1e1f")).hex() == "3bfb960453ebaebf33727da7a1f4db38acc051d381b6da20d6d4e88f0eabfd7a"
    left = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    right = bytes.fromhex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
    assert node_hash(left, right).hex() == "1a378704c17da31e2d05b6d121c2bb2c7d76f6ee6fa8f983e596c2d034963c57"
    # The same 64 bytes hashed as a leaf and as a node must differ.
    assert leaf_hash(left + right) != node_hash(left, right)


@pytest.mark.parametrize("n", range(9))
def test_tree_heads_match_ct_vectors(n):
    assert tree_root(CT_LEAF_HASHES[:n]).hex() == CT_ROOTS[n]
    assert MerkleTree(CT_LEAF_HASHES).root(n).hex() == CT_ROOTS[n]


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_inclusion_proofs_match_ct_vectors(index, size, expected):
    proof = inclusion_proof(CT_LEAF_HASHES, index, size)
    assert [p.hex() for p in proof] == expected
    assert verify_inclusion(CT_LEAF_HASHES[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "expected"), CT_CONSISTENCY)
def test_consistency_proofs_match_ct_vectors(old, new, expected):
    proof = consistency_proof(CT_LEAF_HASHES, old, new)
    assert [p.hex() for p in proof] == expected
    assert verify_consistency(old, bytes.fromhex(CT_ROOTS[old]), new, bytes.fromhex(CT_ROOTS[new]), proof)


@pytest.mark.parametrize("size", range(1, 65))
def test_roots_of_every_size_up_to_64_match_the_rfc_recursion(size):
    assert TREE_64.root(size) == reference_mth(LEAVES_64[:size]) == tree_root(LEAVES_64[:size])


@pytest.mark.parametrize("size", range(1, 65))
def test_inclusion_proofs_for_every_leaf_of_every_size_up_to_64(size):
    root = TREE_64.root(size)
    for index in range(size):
        proof = TREE_64.inclusion_proof(index, size)
        assert proof == reference_path(index, LEAVES_64[:size])
        assert verify_inclusion(LEAVES_64[index], index, size, proof, root)
        assert not verify_inclusion(_flip(LEAVES_64[index]), index, size, proof, root)
        assert not verify_inclusion(LEAVES_64[index], index, size, proof, _flip(root))
        for position in range(len(proof)):
            damaged = list(proof)
            damaged[position] = _flip(damaged[position])
            assert not verify_inclusion(LEAVES_64[index], index, size, damaged, root)
        if proof:
            assert not verify_inclusion(LEAVES_64[index], index, size, proof[:-1], root)
        assert not verify_inclusion(LEAVES_64[index], index, size, proof + [root], root)
        if size > 1:
            other = (index + 1) % size
            assert not verify_inclusion(LEAVES_64[index], other, size, proof, root)


@pytest.mark.parametrize("new_size", range(1, 65))
def test_consistency_proofs_for_every_pair_of_sizes_up_to_64(new_size):
    new_root = TREE_64.root(new_size)
    for old_size in range(1, new_size + 1):
        old_root = TREE_64.root(old_size)
        proof = TREE_64.consistency_proof(old_size, new_size)
        assert proof == reference_subproof(old_size, LEAVES_64[:new_size], True)
        assert verify_consistency(old_size, old_root, new_size, new_root, proof)
        assert not verify_consistency(old_size, _flip(old_root), new_size, new_root, proof)
        assert not verify_consistency(old_size, old_root, new_size, _flip(new_root), proof)
        for position in range(len(proof)):
            damaged = list(proof)
            damaged[position] = _flip(damaged[position])
            assert not verify_consistency(old_size, old_root, new_size, new_root, damaged)
        if proof:
            assert not verify_consistency(old_size, old_root, new_size, new_root, proof[:-1])
            assert not verify_consistency(old_size, old_root, new_size, new_root, proof + [new_root])


def test_a_forked_log_has_no_consistency_proof():
    forked = LEAVES_64[:10] + [leaf_hash(b"rewritten")] + LEAVES_64[11:20]
    proof = MerkleTree(forked).consistency_proof(12, 20)
    assert not verify_consistency(12, TREE_64.root(12), 20, MerkleTree(forked).root(), proof)


def test_edge_cases_of_consistency():
    root8 = TREE_64.root(8)
    assert verify_consistency(0, EMPTY_ROOT, 8, root8, [])
    assert not verify_consistency(0, root8, 8, root8, [])
    assert verify_consistency(8, root8, 8, root8, [])
    assert not verify_consistency(8, root8, 8, root8, [root8])
    assert not verify_consistency(9, root8, 8, root8, [])
    assert not verify_consistency(3, TREE_64.root(3), 8, root8, [])


def test_malformed_proofs_are_refused_not_raised():
    root = TREE_64.root(8)
    assert not verify_inclusion(LEAVES_64[0], 0, 8, [b"short"], root)
    assert not verify_inclusion(LEAVES_64[0], -1, 8, [], root)
    assert not verify_inclusion(b"\x00" * 31, 0, 1, [], root)
    assert not verify_consistency(2, root, 8, root, ["not bytes"])


def test_proof_generation_refuses_impossible_requests():
    with pytest.raises(ValueError):
        TREE_64.inclusion_proof(8, 8)
    with pytest.raises(ValueError):
        TREE_64.consistency_proof(0, 8)
    with pytest.raises(ValueError):
        TREE_64.consistency_proof(9, 8)
    with pytest.raises(ValueError):
        TREE_64.root(65)


def test_a_compact_range_extends_the_tree_and_proves_consistency_without_the_earlier_leaves():
    from safeshare.ledger.merkle import CompactRange

    leaves = [leaf_hash(bytes([i])) for i in range(40)]
    tree = MerkleTree(leaves)
    for old in range(0, 41):
        kept = CompactRange.of(leaves[:old])
        assert kept.root() == tree.root(old)
        assert len(kept.nodes) == bin(old).count("1")  # one node per perfect subtree, not one per leaf
        for new in range(old, 41):
            extended, root, proof = kept.extended(leaves[old:new])
            assert root == tree.root(new) and extended.root() == root and extended.size == new
            if 0 < old < new:
                assert proof == tree.consistency_proof(old, new)
                assert verify_consistency(old, tree.root(old), new, root, proof)
            else:
                assert proof == []


def test_a_compact_range_needs_exactly_its_nodes():
    from safeshare.ledger.merkle import CompactRange

    with pytest.raises(ValueError, match="perfect subtrees"):
        CompactRange(5, [EMPTY_ROOT])
