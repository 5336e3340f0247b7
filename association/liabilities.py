"""The proof of liabilities: a Merkle sum tree of holder balances, and each holder's proof.

Every node carries a hash and a sum. A leaf is ``SHA-256(0x00 ‖ leaf salt ‖ holder id (UTF-8) ‖
balance (8 bytes, big-endian))`` with the balance as its sum; a parent is ``SHA-256(0x01 ‖
left hash ‖ left sum ‖ right hash ‖ right sum)`` (sums as 8 bytes, big-endian) with the sum of
both sums, so no node can claim a sum its children do not add up to, and neither child's sum can
be shifted to the other (the flaw of the first sum trees). Balances are never negative, sums
never exceed 2^63 − 1 cents: both are refused when building and when verifying. Each statement
draws a fresh 32-byte salt; a holder's leaf salt is HMAC-SHA-256(salt, holder id), so the proof
given to one holder (their leaf salt and the siblings on their path) reveals no other holder's
salt. Leaves are ordered by their hash, which the salt makes random anew for each statement, so
the sibling sums a proof shows cannot be tied to a holder. With n leaves the tree has the shape
of RFC 9162: the left subtree holds the largest power of two below n, without padding; the
empty tree's root is SHA-256 of nothing, with sum 0.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from association.errors import InvalidLiabilityProof, LiabilityError, NegativeBalance
from ledger.money import MAX_CENTS

__all__ = [
    "EMPTY_ROOT",
    "SALT_SIZE",
    "LiabilityProof",
    "Node",
    "ProofStep",
    "SumTree",
    "build",
    "leaf",
    "leaf_salt",
    "new_salt",
    "parent",
    "verify_proof",
]

HASH_SIZE = 32
SALT_SIZE = 32
MAX_SUM = MAX_CENTS
MAX_DEPTH = 64
EMPTY_ROOT = hashlib.sha256(b"").digest()


@dataclass(frozen=True)
class Node:
    hash: bytes
    sum: int


def new_salt() -> bytes:
    """A fresh random salt: one per reserve statement, never reused, never published."""
    return secrets.token_bytes(SALT_SIZE)


def leaf_salt(salt: bytes, holder: str) -> bytes:
    return hmac.new(salt, holder.encode("utf-8"), hashlib.sha256).digest()


def _check_sum(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LiabilityError(f"{what} is a whole number of cents")
    if value < 0:
        raise NegativeBalance(f"{what} is negative ({value})")
    if value > MAX_SUM:
        raise LiabilityError(f"{what} exceeds 2^63 - 1 cents")
    return value


def leaf(salt_of_leaf: bytes, holder: str, balance: int) -> Node:
    """The leaf of ``holder`` with ``balance`` cents, under its own leaf salt."""
    _check_sum(balance, f"the balance of {holder!r}")
    if not holder:
        raise LiabilityError("a holder id is not empty")
    if len(salt_of_leaf) != SALT_SIZE:
        raise LiabilityError(f"a leaf salt is {SALT_SIZE} bytes")
    digest = hashlib.sha256(
        b"\x00" + salt_of_leaf + holder.encode("utf-8") + balance.to_bytes(8, "big")
    ).digest()
    return Node(digest, balance)


def parent(left: Node, right: Node) -> Node:
    total = _check_sum(left.sum, "a node's sum") + _check_sum(right.sum, "a node's sum")
    if total > MAX_SUM:
        raise LiabilityError("the sum of two nodes exceeds 2^63 - 1 cents")
    digest = hashlib.sha256(
        b"\x01"
        + left.hash
        + left.sum.to_bytes(8, "big")
        + right.hash
        + right.sum.to_bytes(8, "big")
    ).digest()
    return Node(digest, total)


def _split(n: int) -> int:
    """The largest power of two strictly less than n (n ≥ 2), as in RFC 9162."""
    return 1 << ((n - 1).bit_length() - 1)


@dataclass(frozen=True)
class ProofStep:
    """A sibling on the path from a leaf to the root, and on which ``side`` of the path it is."""

    side: Literal["left", "right"]
    hash: bytes
    sum: int


@dataclass(frozen=True)
class LiabilityProof:
    """What one holder receives to check their balance is counted in a reserve statement."""

    holder: str
    balance: int
    leaf_salt: bytes
    path: tuple[ProofStep, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "holder": self.holder,
                "balance": self.balance,
                "leaf_salt": self.leaf_salt.hex(),
                "path": [{"side": s.side, "hash": s.hash.hex(), "sum": s.sum} for s in self.path],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> LiabilityProof:
        try:
            data = json.loads(text)
            steps = tuple(
                ProofStep(_side(s["side"]), _hex(s["hash"], HASH_SIZE), _int(s["sum"]))
                for s in data["path"]
            )
            return cls(
                holder=_str(data["holder"]),
                balance=_int(data["balance"]),
                leaf_salt=_hex(data["leaf_salt"], SALT_SIZE),
                path=steps,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidLiabilityProof(f"not a liability proof: {exc}") from None


def _side(value: object) -> Literal["left", "right"]:
    if value == "left":
        return "left"
    if value == "right":
        return "right"
    raise ValueError(f"a side is left or right, not {value!r}")


def _hex(value: object, size: int) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size or value != value.lower():
        raise ValueError(f"expected {size} bytes in lower-case hex")
    return bytes.fromhex(value)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected an integer")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


@dataclass(frozen=True)
class SumTree:
    """A built tree: its root hash and total (published), and what it needs to give proofs."""

    root_hash: bytes
    total: int
    size: int
    _leaves: tuple[tuple[str, int, bytes], ...] = field(repr=False, compare=False)
    _nodes: Mapping[tuple[int, int], Node] = field(repr=False, compare=False)
    _position: Mapping[str, int] = field(repr=False, compare=False)

    def proof(self, holder: str) -> LiabilityProof:
        position = self._position.get(holder)
        if position is None:
            raise LiabilityError(f"no leaf for the holder {holder!r}")
        steps: list[ProofStep] = []
        lo, hi = 0, self.size
        while hi - lo > 1:
            k = lo + _split(hi - lo)
            if position < k:
                sibling = self._nodes[(k, hi)]
                steps.append(ProofStep("right", sibling.hash, sibling.sum))
                hi = k
            else:
                sibling = self._nodes[(lo, k)]
                steps.append(ProofStep("left", sibling.hash, sibling.sum))
                lo = k
        _, balance, salt_of_leaf = self._leaves[position]
        return LiabilityProof(holder, balance, salt_of_leaf, tuple(reversed(steps)))


def build(balances: Mapping[str, int], salt: bytes) -> SumTree:
    """The sum tree of every holder's balance under this statement's ``salt``."""
    if len(salt) != SALT_SIZE:
        raise LiabilityError(f"the statement's salt is {SALT_SIZE} bytes")
    leaves: list[tuple[Node, str, int, bytes]] = []
    for holder, balance in balances.items():
        own_salt = leaf_salt(salt, holder)
        leaves.append((leaf(own_salt, holder, balance), holder, balance, own_salt))
    leaves.sort(key=lambda item: item[0].hash)
    nodes: dict[tuple[int, int], Node] = {}

    def subtree(lo: int, hi: int) -> Node:
        if hi - lo == 1:
            node = leaves[lo][0]
        else:
            k = lo + _split(hi - lo)
            node = parent(subtree(lo, k), subtree(k, hi))
        nodes[(lo, hi)] = node
        return node

    root = subtree(0, len(leaves)) if leaves else Node(EMPTY_ROOT, 0)
    return SumTree(
        root_hash=root.hash,
        total=root.sum,
        size=len(leaves),
        _leaves=tuple((holder, balance, own) for _, holder, balance, own in leaves),
        _nodes=nodes,
        _position={holder: i for i, (_, holder, _, _) in enumerate(leaves)},
    )


def verify_proof(
    root_hash: bytes, total: int, holder: str, balance: int, proof: LiabilityProof
) -> None:
    """Check that ``holder``'s ``balance`` is a leaf of the tree of ``root_hash`` and ``total``.

    Raises `NegativeBalance` if the balance or any sum on the path is negative, and
    `InvalidLiabilityProof` for anything else that does not add up.
    """
    if proof.holder != holder or proof.balance != balance:
        raise InvalidLiabilityProof("the proof is of another holder or another balance")
    if len(proof.path) > MAX_DEPTH:
        raise InvalidLiabilityProof("the proof's path is too long")
    _check_sum(total, "the published total")
    try:
        node = leaf(proof.leaf_salt, holder, balance)
        for step in proof.path:
            if len(step.hash) != HASH_SIZE:
                raise InvalidLiabilityProof("a sibling's hash is not 32 bytes")
            sibling = Node(step.hash, _check_sum(step.sum, "a sibling's sum"))
            if step.side == "left":
                node = parent(sibling, node)
            elif step.side == "right":
                node = parent(node, sibling)
            else:
                raise InvalidLiabilityProof(f"a sibling's side is {step.side!r}")
    except NegativeBalance:
        raise
    except LiabilityError as exc:
        if isinstance(exc, InvalidLiabilityProof):
            raise
        raise InvalidLiabilityProof(exc.message) from None
    if node.sum != total:
        raise InvalidLiabilityProof(f"the path adds up to {node.sum}, not the total {total}")
    if not hmac.compare_digest(node.hash, root_hash):
        raise InvalidLiabilityProof("the path does not lead to the published root")
