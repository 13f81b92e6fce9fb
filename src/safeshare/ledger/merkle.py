"""RFC 9162 (§2.1) Merkle tree hashing, inclusion proofs and consistency proofs, SHA-256.

Leaves are addressed by 0-based index (ledger seq ``s`` is leaf index ``s - 1``). Functions
take *leaf hashes* (``leaf_hash(data)``), not raw leaf data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_sha256 = hashlib.sha256
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = _sha256(b"").digest()
HASH_SIZE = 32


def leaf_hash(data: bytes) -> bytes:
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(NODE_PREFIX + left + right).digest()


def reduce_level(level: list[bytes]) -> list[bytes]:
    """The next level up; an odd last node is carried up unchanged, which yields RFC 9162's
    left-balanced tree."""
    sha = _sha256
    pairs = iter(level)
    parents = [sha(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs)]
    if len(level) & 1:
        parents.append(level[-1])
    return parents


def tree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) for the given leaf hashes."""
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        level = reduce_level(level)
    return level[0]


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """All levels of the tree over ``leaf_hashes`` so roots of any prefix and proofs are
    cheap. Memory is about twice that of the leaf hashes."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        level = list(leaf_hashes)
        self._levels = [level]
        while len(level) > 1:
            level = reduce_level(level)
            self._levels.append(level)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        self._check_size(size)
        return self.subtree_root(0, size) if size else EMPTY_ROOT

    def subtree_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]); ``start`` must be where RFC 9162's recursion puts a subtree."""
        width = end - start
        if width <= 0:
            raise ValueError("empty subtree")
        if width & (width - 1) == 0 and start % width == 0:
            # A complete, aligned subtree is stored as-is at its level.
            return self._levels[width.bit_length() - 1][start // width]
        k = _split(width)
        return node_hash(self.subtree_root(start, start + k), self.subtree_root(start + k, end))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) — RFC 9162 §2.1.3.1."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside a tree of size {size}")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self.subtree_root(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree_root(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]) — RFC 9162 §2.1.4.1."""
        new_size = self.size if new_size is None else new_size
        self._check_size(new_size)
        if not 0 < old_size <= new_size:
            raise ValueError(f"need 0 < old_size <= new_size, got {old_size}, {new_size}")
        proof: list[bytes] = []
        start, end, m, complete = 0, new_size, old_size, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self.subtree_root(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree_root(start, start + k))
                start, m, complete = start + k, m - k, False
        if not complete:
            proof.append(self.subtree_root(start, end))
        proof.reverse()
        return proof

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} outside 0..{self.size}")


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    return MerkleTree(leaf_hashes).inclusion_proof(index, size)


def consistency_proof(
    leaf_hashes: Sequence[bytes], old_size: int, new_size: int | None = None
) -> list[bytes]:
    return MerkleTree(leaf_hashes).consistency_proof(old_size, new_size)


def _valid_hashes(*hashes: object) -> bool:
    return all(type(h) is bytes and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2. Never raises on malformed input; returns False instead."""
    if not _valid_hashes(leaf, root, *proof) or not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, old_root: bytes, new_size: int, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2. Never raises on malformed input; returns False instead.

    An empty old tree is consistent with anything (the proof must be empty); equal sizes
    need an empty proof and equal roots."""
    if not _valid_hashes(old_root, new_root, *proof) or not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class CompactRange:
    """The roots of the perfect subtrees that make up ``D[0:size]``, largest first: all it takes to
    extend the tree, and to prove the old tree consistent with the new, without the earlier leaves
    (every node of an RFC 9162 consistency proof that lies in the old tree is one of these)."""

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        widths = _decomposition(size)
        if len(widths) != len(nodes):
            raise ValueError(f"a tree of size {size} has {len(widths)} perfect subtrees, not {len(nodes)}")
        self.size = size
        self.nodes = tuple(nodes)
        self._known: dict[tuple[int, int], bytes] = {}
        start = 0
        for width, node in zip(widths, nodes, strict=True):
            self._known[(start, start + width)] = node
            start += width

    @classmethod
    def of(cls, leaf_hashes: Sequence[bytes]) -> CompactRange:
        return cls().extended(leaf_hashes)[0]

    def root(self) -> bytes:
        return self._root_of(0, self.size, ()) if self.size else EMPTY_ROOT

    def extended(self, new_leaves: Sequence[bytes]) -> tuple[CompactRange, bytes, list[bytes]]:
        """The range after appending ``new_leaves``, its root, and PROOF(size, D[new size])
        (empty when this tree was empty or nothing was added)."""
        new_size = self.size + len(new_leaves)
        start, nodes = 0, []
        for width in _decomposition(new_size):
            nodes.append(self._root_of(start, start + width, new_leaves))
            start += width
        root = self._root_of(0, new_size, new_leaves) if new_size else EMPTY_ROOT
        proof = self._consistency(new_size, new_leaves) if 0 < self.size < new_size else []
        return CompactRange(new_size, nodes), root, proof

    def _root_of(self, start: int, end: int, new_leaves: Sequence[bytes]) -> bytes:
        if start >= self.size:
            return tree_root(new_leaves[start - self.size : end - self.size])
        known = self._known.get((start, end))
        if known is not None:
            return known
        if end - start <= 1:  # an earlier leaf that no kept node covers
            raise ValueError(f"the subtree {start}..{end} is not in the compact range")
        k = _split(end - start)
        return node_hash(self._root_of(start, start + k, new_leaves), self._root_of(start + k, end, new_leaves))

    def _consistency(self, new_size: int, new_leaves: Sequence[bytes]) -> list[bytes]:
        proof: list[bytes] = []
        start, end, m, complete = 0, new_size, self.size, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self._root_of(start + k, end, new_leaves))
                end = start + k
            else:
                proof.append(self._root_of(start, start + k, new_leaves))
                start, m, complete = start + k, m - k, False
        if not complete:
            proof.append(self._root_of(start, end, new_leaves))
        proof.reverse()
        return proof


def _decomposition(size: int) -> list[int]:
    """Widths of the perfect subtrees of a tree of ``size`` leaves, left to right (its binary digits)."""
    return [1 << bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
