"""The log's Merkle tree (RFC 9162 / RFC 6962 §2.1) over SHA-256, in pure Python and without I/O:
leaf and node hashes, the decomposition of any RFC subtree ``D[start:end]`` into perfect aligned
subtrees (``NodeRef``), so that a store holding every perfect node can hash any range, build
inclusion and consistency proofs from O(log n) fetched nodes (``nodes_for`` says which), the RFC
9162 verification algorithms, and ``CompactRange``, the right frontier of the tree that streams
appends in O(log n) memory and hands back each perfect node as it is completed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from ledger.errors import InvalidProof, LogError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "NodeRef",
    "consistency_proof",
    "consistency_ranges",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "nodes_for",
    "perfect_cover",
    "range_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

NodeRef = tuple[int, int]
"""(level, index): the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level)."""

_sha256 = hashlib.sha256
_LEAF_PREFIX = _sha256(b"\x00")
_NODE_PREFIX = _sha256(b"\x01")


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf): the hash of one log entry."""
    h = _LEAF_PREFIX.copy()
    h.update(leaf)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    h = _NODE_PREFIX.copy()
    h.update(left)
    h.update(right)
    return h.digest()


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The RFC 9162 root of a whole list of leaf hashes, built level by level.

    Pairing neighbours and carrying an odd last node up unchanged makes the same left-full
    tree as the RFC's split at the largest power of two below n; SHA-256 of nothing for none.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n >= 2): the RFC's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_cover(start: int, end: int) -> list[NodeRef]:
    """The perfect aligned subtrees, left to right, that make up the RFC subtree D[start:end].

    They are the binary decomposition of ``end - start``, largest first. ``start`` must be aligned
    as the RFC recursion makes it (a multiple of the largest of them), else ``LogError``.
    """
    n = end - start
    if start < 0 or n <= 0:
        raise LogError(f"empty or negative range [{start}, {end})")
    level = n.bit_length() - 1
    if start & ((1 << level) - 1):
        raise LogError(f"range [{start}, {end}) is not a subtree of the RFC 9162 recursion")
    cover: list[NodeRef] = []
    pos = start
    while level >= 0:
        if n >> level & 1:
            cover.append((level, pos >> level))
            pos += 1 << level
        level -= 1
    return cover


def range_hash(start: int, end: int, nodes: Mapping[NodeRef, bytes]) -> bytes:
    """MTH(D[start:end]) from the perfect nodes of ``perfect_cover(start, end)`` alone.

    The cover is folded right to left, which gives the RFC's right-leaning shape. A node missing
    from ``nodes`` raises ``LogError`` naming it.
    """
    cover = perfect_cover(start, end)
    try:
        h = nodes[cover[-1]]
        for i in range(len(cover) - 2, -1, -1):
            h = node_hash(nodes[cover[i]], h)
    except KeyError as missing:
        raise LogError(f"node {missing.args[0]} is missing to hash [{start}, {end})") from None
    return h


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTH form the inclusion proof of leaf ``index`` in a tree of ``size``.

    In RFC order (bottom up), per RFC 9162 §2.1.3.1 (RFC 6962 PATH).
    """
    if not 0 <= index < size:
        raise LogError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The ranges whose MTH form the consistency proof from size ``old`` to size ``new``.

    In RFC order, per RFC 9162 §2.1.4.1 (SUBPROOF); ``0 < old <= new``, and ``old == new`` gives
    no range.
    """
    if not 0 < old <= new:
        raise LogError(f"no consistency proof from size {old} to size {new}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, new
    complete = True  # the RFC's b: is D[lo:old] the whole old tree?
    while old != hi:
        mid = lo + _split(hi - lo)
        if old <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
            complete = False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[NodeRef]:
    """The perfect nodes a store must fetch to hash every range (the union of their covers)."""
    refs: set[NodeRef] = set()
    for start, end in ranges:
        refs.update(perfect_cover(start, end))
    return refs


def inclusion_proof(index: int, size: int, nodes: Mapping[NodeRef, bytes]) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size``."""
    return [range_hash(a, b, nodes) for a, b in inclusion_ranges(index, size)]


def consistency_proof(old: int, new: int, nodes: Mapping[NodeRef, bytes]) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of size ``old`` to the tree of size ``new``."""
    return [range_hash(a, b, nodes) for a, b in consistency_ranges(old, new)]


def root_hash(size: int, nodes: Mapping[NodeRef, bytes]) -> bytes:
    """The root of the tree of ``size`` leaves (``EMPTY_ROOT`` for 0)."""
    if size < 0:
        raise LogError(f"negative tree size {size}")
    return range_hash(0, size, nodes) if size else EMPTY_ROOT


def _check_hashes(what: str, hashes: Iterable[bytes]) -> None:
    for h in hashes:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise InvalidProof(f"{what} is not a {HASH_SIZE}-byte hash")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` whose root is ``root``.

    The algorithm of RFC 9162 §2.1.3.2; raises ``InvalidProof`` unless the proof verifies.
    """
    if not 0 <= index < size:
        raise InvalidProof(f"leaf {index} is not in a tree of size {size}")
    _check_hashes("the leaf hash", (leaf_hash,))
    _check_hashes("the root", (root,))
    _check_hashes("a proof element", proof)
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise InvalidProof("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("the inclusion proof is too short")
    if r != root:
        raise InvalidProof("the inclusion proof does not lead to the root")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of size ``old`` and root ``old_root`` is a prefix of the tree of size
    ``new`` and root ``new_root``.

    The algorithm of RFC 9162 §2.1.4.2; raises ``InvalidProof`` unless the proof verifies. Equal
    sizes need an empty proof and equal roots; size 0 (root ``EMPTY_ROOT``) is a prefix of any tree
    with an empty proof.
    """
    if not 0 <= old <= new:
        raise InvalidProof(f"no consistency from size {old} to size {new}")
    _check_hashes("the old root", (old_root,))
    _check_hashes("the new root", (new_root,))
    _check_hashes("a proof element", proof)
    if old == 0 or old == new:
        if proof:
            raise InvalidProof("the consistency proof must be empty")
        if old == 0 and old_root != EMPTY_ROOT:
            raise InvalidProof("the old root is not the empty tree's root")
        if old == new and old_root != new_root:
            raise InvalidProof("the roots differ for the same size")
        return
    if not proof:
        raise InvalidProof("the consistency proof is empty")
    path: Sequence[bytes] = proof
    if old & (old - 1) == 0:
        path = [old_root, *proof]
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise InvalidProof("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("the consistency proof is too short")
    if fr != old_root:
        raise InvalidProof("the consistency proof does not lead to the old root")
    if sr != new_root:
        raise InvalidProof("the consistency proof does not lead to the new root")


class CompactRange:
    """The right frontier of a tree: O(log n) memory, for streaming appends."""

    __slots__ = ("_frontier", "_size")

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise LogError(f"negative tree size {size}")
        if len(frontier) != size.bit_count():
            raise LogError(
                f"a tree of size {size} has {size.bit_count()} frontier nodes, not {len(frontier)}"
            )
        for h in frontier:
            if not isinstance(h, bytes) or len(h) != HASH_SIZE:
                raise LogError(f"a frontier node is not a {HASH_SIZE}-byte hash")
        self._size = size
        self._frontier = list(frontier)

    @staticmethod
    def frontier_refs(size: int) -> list[NodeRef]:
        """The perfect nodes of the binary decomposition of ``size``, largest (leftmost) first."""
        if size < 0:
            raise LogError(f"negative tree size {size}")
        return perfect_cover(0, size) if size else []

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        """The hashes of ``frontier_refs(size)``, in that order (what ``__init__`` takes back)."""
        return tuple(self._frontier)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Append one leaf hash; return every perfect node it completes, as (level, index, hash),
        the leaf itself (level 0) first."""
        if len(leaf_hash) != HASH_SIZE:
            raise LogError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf_hash)}")
        index = self._size
        frontier = self._frontier
        done = [(0, index, leaf_hash)]
        h = leaf_hash
        level = 0
        while index & 1:
            index >>= 1
            level += 1
            node = _NODE_PREFIX.copy()
            node.update(frontier.pop())
            node.update(h)
            h = node.digest()
            done.append((level, index, h))
        frontier.append(h)
        self._size += 1
        return done

    def root(self) -> bytes:
        """The RFC 9162 root of the current tree (``EMPTY_ROOT`` if it is empty)."""
        frontier = self._frontier
        if not frontier:
            return EMPTY_ROOT
        h = frontier[-1]
        for i in range(len(frontier) - 2, -1, -1):
            h = node_hash(frontier[i], h)
        return h
