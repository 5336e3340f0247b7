"""The log's Merkle tree against the spec's vectors and a naive RFC 6962 §2.1 implementation."""

from __future__ import annotations

import hashlib
import random
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidProof, LogError
from ledger.log import (
    EMPTY_ROOT,
    CompactRange,
    NodeRef,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    merkle_root,
    node_hash,
    nodes_for,
    perfect_cover,
    range_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 1100  # every size up to this is compared with the naive tree

# --- a naive tree, straight from RFC 6962 §2.1 -------------------------------------------------

LEAVES = [i.to_bytes(4, "big") + b"sou" * (i % 5) for i in range(MAX_SIZE)]


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) over LEAVES, recursively (memoised only to keep the test fast)."""
    n = hi - lo
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + LEAVES[lo])
    k = _k(n)
    return _sha(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi))


def naive_path(m: int, lo: int, hi: int) -> list[bytes]:
    """PATH(m, D[lo:hi]), m relative to lo."""
    n = hi - lo
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*naive_path(m, lo, lo + k), mth(lo + k, hi)]
    return [*naive_path(m - k, lo + k, hi), mth(lo, lo + k)]


def naive_subproof(m: int, lo: int, hi: int, b: bool) -> list[bytes]:
    """SUBPROOF(m, D[lo:hi], b), m relative to lo."""
    n = hi - lo
    if m == n:
        return [] if b else [mth(lo, hi)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, lo, lo + k, b), mth(lo + k, hi)]
    return [*naive_subproof(m - k, lo + k, hi, False), mth(lo, lo + k)]


def naive_proof(m: int, n: int) -> list[bytes]:
    return naive_subproof(m, 0, n, True)


@cache
def stored_nodes() -> dict[NodeRef, bytes]:
    """Every perfect node of the tree over LEAVES, as a database would hold them."""
    compact = CompactRange()
    nodes: dict[NodeRef, bytes] = {}
    for leaf in LEAVES:
        for level, index, h in compact.append(leaf_hash(leaf)):
            nodes[level, index] = h
    return nodes


def fetch(ranges: list[tuple[int, int]]) -> dict[NodeRef, bytes]:
    """Only the nodes `nodes_for` asks for, as a store would fetch them."""
    nodes = stored_nodes()
    return {ref: nodes[ref] for ref in nodes_for(ranges)}


def flip(h: bytes, i: int = 0) -> bytes:
    return h[:i] + bytes([h[i] ^ 1]) + h[i + 1 :]


# --- the spec's vectors -------------------------------------------------------------------------


def load_vectors() -> dict[str, Any]:
    """spec/vectors.json through tests/vectors.py (the checkout is put on sys.path if pytest did
    not, i.e. without `pythonpath = ["."]` in its configuration)."""
    checkout = str(Path(__file__).resolve().parents[2])
    if checkout not in sys.path:
        sys.path.append(checkout)
    from tests.vectors import load_vectors as load

    return load()


@pytest.fixture(scope="module")
def merkle() -> dict[str, Any]:
    vectors: dict[str, Any] = load_vectors()["merkle"]
    return vectors


@pytest.fixture(scope="module")
def vector_nodes(merkle: dict[str, Any]) -> dict[NodeRef, bytes]:
    compact = CompactRange()
    nodes: dict[NodeRef, bytes] = {}
    for leaf_hex in merkle["leaves_hex"]:
        for level, index, h in compact.append(leaf_hash(bytes.fromhex(leaf_hex))):
            nodes[level, index] = h
    return nodes


def test_the_empty_root_is_the_hash_of_nothing(merkle: dict[str, Any]) -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == merkle["roots_hex"]["0"]
    assert CompactRange().root() == EMPTY_ROOT
    assert root_hash(0, {}) == EMPTY_ROOT


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert leaf_hash(b"ab") == _sha(b"\x00ab")
    assert node_hash(b"a" * 32, b"b" * 32) == _sha(b"\x01" + b"a" * 32 + b"b" * 32)


def test_the_vector_roots_for_sizes_0_to_8_are_reproduced_byte_for_byte(
    merkle: dict[str, Any], vector_nodes: dict[NodeRef, bytes]
) -> None:
    leaves = [bytes.fromhex(x) for x in merkle["leaves_hex"]]
    compact = CompactRange()
    assert compact.root().hex() == merkle["roots_hex"]["0"]
    for size in range(1, len(leaves) + 1):
        compact.append(leaf_hash(leaves[size - 1]))
        expected = merkle["roots_hex"][str(size)]
        assert compact.root().hex() == expected
        assert root_hash(size, vector_nodes).hex() == expected
    assert sorted(merkle["roots_hex"], key=int) == [str(n) for n in range(9)]


def test_the_vector_inclusion_proofs_are_reproduced_and_verify(
    merkle: dict[str, Any], vector_nodes: dict[NodeRef, bytes]
) -> None:
    assert merkle["inclusion"]
    for case in merkle["inclusion"]:
        index, size = case["index"], case["size"]
        proof = inclusion_proof(index, size, vector_nodes)
        assert [p.hex() for p in proof] == case["path_hex"]
        leaf = leaf_hash(bytes.fromhex(merkle["leaves_hex"][index]))
        root = bytes.fromhex(merkle["roots_hex"][str(size)])
        verify_inclusion(leaf, index, size, proof, root)


def test_the_vector_consistency_proofs_are_reproduced_and_verify(
    merkle: dict[str, Any], vector_nodes: dict[NodeRef, bytes]
) -> None:
    assert merkle["consistency"]
    for case in merkle["consistency"]:
        old, new = case["old"], case["new"]
        proof = consistency_proof(old, new, vector_nodes)
        assert [p.hex() for p in proof] == case["proof_hex"]
        old_root = bytes.fromhex(merkle["roots_hex"][str(old)])
        new_root = bytes.fromhex(merkle["roots_hex"][str(new)])
        verify_consistency(old, new, old_root, new_root, proof)


# --- the naive tree, every size -----------------------------------------------------------------


def test_roots_match_the_naive_tree_for_every_size_up_to_1100() -> None:
    nodes = stored_nodes()
    compact = CompactRange()
    for size in range(1, MAX_SIZE + 1):
        compact.append(leaf_hash(LEAVES[size - 1]))
        assert compact.size == size
        assert compact.root() == mth(0, size)
        assert root_hash(size, fetch([(0, size)])) == mth(0, size)
    assert root_hash(MAX_SIZE, nodes) == mth(0, MAX_SIZE)


def test_compact_range_emits_each_perfect_node_once_with_its_naive_hash() -> None:
    compact = CompactRange()
    seen: set[NodeRef] = set()
    for size in range(1, MAX_SIZE + 1):
        emitted = compact.append(leaf_hash(LEAVES[size - 1]))
        assert emitted[0] == (0, size - 1, leaf_hash(LEAVES[size - 1]))
        assert [level for level, _, _ in emitted] == list(range(len(emitted)))
        for level, index, h in emitted:
            assert (level, index) not in seen
            seen.add((level, index))
            assert h == mth(index << level, (index + 1) << level)
        # everything complete in a tree of `size` leaves, and nothing else: 2n - popcount(n)
        assert len(seen) == 2 * size - size.bit_count()


def test_inclusion_proofs_match_the_naive_tree_for_every_size_up_to_1100() -> None:
    rng = random.Random(6962)
    for size in range(1, MAX_SIZE + 1):
        root = mth(0, size)
        indices = {0, size - 1, size // 2, *(rng.randrange(size) for _ in range(3))}
        for index in indices:
            ranges = inclusion_ranges(index, size)
            assert len(nodes_for(ranges)) <= 2 * size.bit_length()
            proof = inclusion_proof(index, size, fetch(ranges))
            assert proof == naive_path(index, 0, size)
            verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, root)


def test_consistency_proofs_match_the_naive_tree_for_every_size_up_to_1100() -> None:
    rng = random.Random(9162)
    for new in range(1, MAX_SIZE + 1):
        new_root = mth(0, new)
        olds = {1, new, max(1, new - 1), *(rng.randint(1, new) for _ in range(3))}
        for old in olds:
            ranges = consistency_ranges(old, new)
            assert len(nodes_for(ranges)) <= 2 * new.bit_length()
            proof = consistency_proof(old, new, fetch(ranges))
            assert proof == naive_proof(old, new)
            verify_consistency(old, new, mth(0, old), new_root, proof)


def test_every_proof_of_every_tree_up_to_64_leaves_matches_the_naive_tree() -> None:
    nodes = stored_nodes()
    for size in range(1, 65):
        for index in range(size):
            assert inclusion_proof(index, size, nodes) == naive_path(index, 0, size)
        for old in range(1, size + 1):
            assert consistency_proof(old, size, nodes) == naive_proof(old, size)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_proofs_match_the_naive_tree_and_verify(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, MAX_SIZE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    old = data.draw(st.integers(1, size), label="old")
    proof = inclusion_proof(index, size, fetch(inclusion_ranges(index, size)))
    assert proof == naive_path(index, 0, size)
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, mth(0, size))
    cproof = consistency_proof(old, size, fetch(consistency_ranges(old, size)))
    assert cproof == naive_proof(old, size)
    verify_consistency(old, size, mth(0, old), mth(0, size), cproof)


# --- perfect covers -----------------------------------------------------------------------------


def test_perfect_covers_tile_their_range_with_aligned_perfect_subtrees() -> None:
    for size in range(1, 300):
        for start, end in [(0, size), *inclusion_ranges(size // 3, size)]:
            cover = perfect_cover(start, end)
            pos = start
            for level, index in cover:
                assert index << level == pos
                pos += 1 << level
            assert pos == end
            assert [level for level, _ in cover] == sorted((lv for lv, _ in cover), reverse=True)
            assert range_hash(start, end, stored_nodes()) == mth(start, end)


def test_a_range_that_is_not_a_subtree_of_the_recursion_has_no_cover() -> None:
    with pytest.raises(LogError):
        perfect_cover(1, 3)
    with pytest.raises(LogError):
        perfect_cover(2, 6)
    with pytest.raises(LogError):
        perfect_cover(5, 5)
    assert perfect_cover(4, 7) == [(1, 2), (0, 6)]


def test_the_frontier_is_the_binary_decomposition_of_the_size() -> None:
    assert CompactRange.frontier_refs(0) == []
    assert CompactRange.frontier_refs(1) == [(0, 0)]
    assert CompactRange.frontier_refs(8) == [(3, 0)]
    assert CompactRange.frontier_refs(13) == [(3, 0), (2, 2), (0, 12)]


def test_a_missing_stored_node_is_reported() -> None:
    nodes = dict(stored_nodes())
    del nodes[2, 0]
    with pytest.raises(LogError, match=r"\(2, 0\)"):
        root_hash(5, nodes)


def test_proofs_are_refused_for_leaves_or_sizes_outside_the_tree() -> None:
    with pytest.raises(LogError):
        inclusion_ranges(5, 5)
    with pytest.raises(LogError):
        inclusion_ranges(-1, 5)
    with pytest.raises(LogError):
        consistency_ranges(0, 5)
    with pytest.raises(LogError):
        consistency_ranges(6, 5)
    assert consistency_ranges(5, 5) == []
    assert inclusion_ranges(0, 1) == []


# --- CompactRange -------------------------------------------------------------------------------


def test_a_compact_range_restored_from_stored_nodes_continues_identically() -> None:
    nodes = stored_nodes()
    for size in [0, 1, 2, 3, 7, 8, 100, 511, 512, 1000]:
        restored = CompactRange(size, [nodes[ref] for ref in CompactRange.frontier_refs(size)])
        assert restored.size == size
        assert restored.root() == mth(0, size)
        for i in range(size, size + 40):
            for level, index, h in restored.append(leaf_hash(LEAVES[i])):
                assert nodes[level, index] == h
            assert restored.root() == mth(0, i + 1)
        assert CompactRange(restored.size, restored.frontier).root() == restored.root()


def test_a_compact_range_refuses_a_frontier_of_the_wrong_shape() -> None:
    with pytest.raises(LogError):
        CompactRange(3, [EMPTY_ROOT])
    with pytest.raises(LogError):
        CompactRange(1, [b"short"])
    with pytest.raises(LogError):
        CompactRange(-1)
    with pytest.raises(LogError):
        CompactRange().append(b"not a hash")


# --- verification rejects what it must ----------------------------------------------------------


def inclusion_shape(index: int, size: int) -> list[bool] | None:
    """What the verifier sees of (index, size): for each proof element, is it a left sibling?"""
    if not 0 <= index < size:
        return None
    return [end <= index for _, end in inclusion_ranges(index, size)]


def consistency_shape(old: int, new: int) -> tuple[bool, list[bool]] | None:
    """What the verifier sees of (old, new): is old a power of two, and for each proof element,
    is it left of the old size?"""
    if not 0 < old < new:
        return None
    return old & (old - 1) == 0, [end <= old for _, end in consistency_ranges(old, new)]


def test_inclusion_verification_rejects_altered_proofs_leaves_roots_indices_and_sizes() -> None:
    nodes = stored_nodes()
    for size in [*range(1, 34), 100, 1000]:
        root = mth(0, size)
        for index in range(0, size, max(1, size // 17)):
            leaf = leaf_hash(LEAVES[index])
            proof = inclusion_proof(index, size, nodes)
            verify_inclusion(leaf, index, size, proof, root)
            bad: list[tuple[bytes, int, int, list[bytes], bytes]] = [
                (flip(leaf), index, size, proof, root),
                (leaf, index, size, proof, flip(root, 31)),
                (leaf, index, size, proof, root[:31]),
                (leaf, index, size, [*proof, root], root),
            ]
            for i in range(len(proof)):
                altered = [*proof[:i], flip(proof[i], i % 32), *proof[i + 1 :]]
                bad.append((leaf, index, size, altered, root))
                bad.append((leaf, index, size, [*proof[:i], *proof[i + 1 :]], root))
                bad.append((leaf, index, size, [*proof[:i], proof[i][:31], *proof[i + 1 :]], root))
            if len(proof) > 1 and proof[0] != proof[-1]:
                bad.append((leaf, index, size, proof[::-1], root))
            # Another index or size is caught unless it has exactly the same proof shape (then
            # only the root tells the trees apart, which the verifier already checks).
            for other_index, other_size in [
                (index - 1, size),
                (index + 1, size),
                (size, size),
                (index, size + 1),
                (index, size - 1),
                (index, 2 * size),
            ]:
                if inclusion_shape(other_index, other_size) != inclusion_shape(index, size):
                    bad.append((leaf, other_index, other_size, proof, root))
            for args in bad:
                with pytest.raises(InvalidProof):
                    verify_inclusion(*args)


def test_consistency_verification_rejects_altered_proofs_roots_and_sizes() -> None:
    nodes = stored_nodes()
    for new in [*range(2, 34), 100, 1000]:
        new_root = mth(0, new)
        for old in range(1, new, max(1, new // 17)):
            old_root = mth(0, old)
            proof = consistency_proof(old, new, nodes)
            verify_consistency(old, new, old_root, new_root, proof)
            bad: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
                (old, new, flip(old_root), new_root, proof),
                (old, new, old_root, flip(new_root, 31), proof),
                (old, new, new_root, old_root, proof),
                (old, new, old_root, new_root, [*proof, new_root]),
                (old, new, old_root, new_root, []),
                (new, new, old_root, new_root, proof),
                (new + 1, new, old_root, new_root, proof),
                (0, new, old_root, new_root, proof),
            ]
            for i in range(len(proof)):
                altered = [*proof[:i], flip(proof[i], i % 32), *proof[i + 1 :]]
                bad.append((old, new, old_root, new_root, altered))
                bad.append((old, new, old_root, new_root, [*proof[:i], *proof[i + 1 :]]))
            if len(proof) > 1 and proof[0] != proof[-1]:
                bad.append((old, new, old_root, new_root, proof[::-1]))
            for other_old, other_new in [(old - 1, new), (old + 1, new), (old, new + 1)]:
                if consistency_shape(other_old, other_new) != consistency_shape(old, new):
                    bad.append((other_old, other_new, old_root, new_root, proof))
            for args in bad:
                with pytest.raises(InvalidProof):
                    verify_consistency(*args)


def test_consistency_with_the_same_or_the_empty_tree_needs_no_proof() -> None:
    root = mth(0, 5)
    verify_consistency(5, 5, root, root, [])
    verify_consistency(0, 5, EMPTY_ROOT, root, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(InvalidProof):
        verify_consistency(5, 5, root, flip(root), [])
    with pytest.raises(InvalidProof):
        verify_consistency(5, 5, root, root, [root])
    with pytest.raises(InvalidProof):
        verify_consistency(0, 5, root, root, [])
    with pytest.raises(InvalidProof):
        verify_consistency(3, 5, mth(0, 3), root, [])


@pytest.mark.parametrize("size", range(0, 70))
def test_the_level_by_level_root_is_the_logs_root(size: int) -> None:
    hashes = [leaf_hash(bytes([n % 256, n // 256])) for n in range(size)]
    tree = CompactRange()
    for h in hashes:
        tree.append(h)
    assert merkle_root(hashes) == tree.root()
