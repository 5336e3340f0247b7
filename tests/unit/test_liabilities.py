"""The Merkle sum tree of holder balances and each holder's proof (association/liabilities.py)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from association.errors import InvalidLiabilityProof, LiabilityError, NegativeBalance
from association.liabilities import (
    EMPTY_ROOT,
    LiabilityProof,
    Node,
    ProofStep,
    SumTree,
    build,
    leaf,
    leaf_salt,
    new_salt,
    parent,
    verify_proof,
)
from ledger.money import MAX_CENTS

SALT = bytes(range(32))
BALANCES = {"1001": 50_00, "1002": 1_234_56, "1003": 0, "1004": 20_00, "1017": 3_000_00}

BALANCE_MAPS = st.dictionaries(
    st.integers(1001, 99999).map(str), st.integers(0, 10**12), min_size=1, max_size=40
)


def verify(tree: SumTree, holder: str, balance: int, proof: LiabilityProof) -> None:
    verify_proof(tree.root_hash, tree.total, holder, balance, proof)


def naive_root(balances: dict[str, int], salt: bytes) -> Node:
    """The RFC 9162-shaped tree computed the obvious way, to compare with."""
    leaves = sorted(
        (leaf(leaf_salt(salt, h), h, b) for h, b in balances.items()), key=lambda n: n.hash
    )

    def tree(nodes: list[Node]) -> Node:
        if len(nodes) == 1:
            return nodes[0]
        k = 1
        while k * 2 < len(nodes):
            k *= 2
        return parent(tree(nodes[:k]), tree(nodes[k:]))

    return tree(leaves)


def test_the_leaf_and_node_hashes_are_those_documented() -> None:
    own = leaf_salt(SALT, "1001")
    assert own == hmac.new(SALT, b"1001", hashlib.sha256).digest()
    one = leaf(own, "1001", 50_00)
    assert one == Node(
        hashlib.sha256(b"\x00" + own + b"1001" + (5000).to_bytes(8, "big")).digest(), 5000
    )
    two = leaf(leaf_salt(SALT, "1002"), "1002", 7)
    joined = hashlib.sha256(
        b"\x01" + one.hash + (5000).to_bytes(8, "big") + two.hash + (7).to_bytes(8, "big")
    ).digest()
    assert parent(one, two) == Node(joined, 5007)


def test_the_total_is_the_sum_of_the_balances_and_every_holder_proof_verifies() -> None:
    tree = build(BALANCES, SALT)
    assert tree.total == sum(BALANCES.values())
    assert tree.size == len(BALANCES)
    assert tree.root_hash == naive_root(BALANCES, SALT).hash
    for holder, balance in BALANCES.items():
        proof = LiabilityProof.from_json(tree.proof(holder).to_json())
        verify(tree, holder, balance, proof)


@settings(max_examples=60, deadline=None)
@given(BALANCE_MAPS, st.binary(min_size=32, max_size=32))
def test_every_proof_verifies_for_any_number_of_holders(
    balances: dict[str, int], salt: bytes
) -> None:
    tree = build(balances, salt)
    assert (tree.root_hash, tree.total) == (naive_root(balances, salt).hash, sum(balances.values()))
    for holder, balance in balances.items():
        verify(tree, holder, balance, tree.proof(holder))


@settings(max_examples=60, deadline=None)
@given(BALANCE_MAPS, st.data())
def test_changing_any_balance_breaks_the_proofs(
    balances: dict[str, int], data: st.DataObject
) -> None:
    tree = build(balances, SALT)
    holder = data.draw(st.sampled_from(sorted(balances)))
    other = data.draw(st.integers(0, 10**12).filter(lambda b: b != balances[holder]))
    proof = tree.proof(holder)
    with pytest.raises(InvalidLiabilityProof):
        verify(tree, holder, other, replace(proof, balance=other))
    changed = build({**balances, holder: other}, SALT)
    for someone in balances:
        with pytest.raises(InvalidLiabilityProof):
            verify(changed, someone, balances[someone], tree.proof(someone))


@settings(max_examples=40, deadline=None)
@given(BALANCE_MAPS.filter(lambda b: len(b) >= 2), st.data())
def test_dropping_a_holder_breaks_the_proofs_and_leaves_the_dropped_one_without_a_proof(
    balances: dict[str, int], data: st.DataObject
) -> None:
    full = build(balances, SALT)
    dropped = data.draw(st.sampled_from(sorted(balances)))
    partial = build({h: b for h, b in balances.items() if h != dropped}, SALT)
    with pytest.raises(LiabilityError):
        partial.proof(dropped)
    with pytest.raises(InvalidLiabilityProof):
        verify(partial, dropped, balances[dropped], full.proof(dropped))


def test_a_negative_balance_is_refused_when_building() -> None:
    with pytest.raises(NegativeBalance):
        build({**BALANCES, "1005": -1}, SALT)


def test_a_negative_leaf_is_refused_when_verifying() -> None:
    # A dishonest prover hides a debt as a negative leaf beside an honest holder.
    honest = leaf(leaf_salt(SALT, "1001"), "1001", 100_00)
    hidden_salt = leaf_salt(SALT, "ghost")
    hidden = hashlib.sha256(b"\x00" + hidden_salt + b"ghost" + (2**64 - 90_00).to_bytes(8, "big"))
    sibling = ProofStep("right", hidden.digest(), -90_00)
    root = hashlib.sha256(
        b"\x01"
        + honest.hash
        + (100_00).to_bytes(8, "big")
        + hidden.digest()
        + (2**64 - 90_00).to_bytes(8, "big")
    ).digest()
    proof = LiabilityProof("1001", 100_00, leaf_salt(SALT, "1001"), (sibling,))
    with pytest.raises(NegativeBalance):
        verify_proof(root, 10_00, "1001", 100_00, proof)
    with pytest.raises(NegativeBalance):
        verify_proof(root, 10_00, "1001", -1, replace(proof, balance=-1))


def test_sums_that_overflow_are_refused() -> None:
    with pytest.raises(LiabilityError):
        build({"1001": MAX_CENTS, "1002": 1}, SALT)
    tree = build({"1001": MAX_CENTS}, SALT)
    proof = tree.proof("1001")
    forged = replace(proof, path=(ProofStep("left", bytes(32), 1),))
    with pytest.raises(InvalidLiabilityProof):
        verify_proof(tree.root_hash, MAX_CENTS, "1001", MAX_CENTS, forged)


def test_swapping_siblings_or_sides_breaks_a_proof() -> None:
    tree = build(BALANCES, SALT)
    proof = tree.proof("1002")
    assert len(proof.path) >= 2
    swapped = (proof.path[1], proof.path[0], *proof.path[2:])
    with pytest.raises(InvalidLiabilityProof):
        verify(tree, "1002", BALANCES["1002"], replace(proof, path=swapped))
    flipped = tuple(
        replace(step, side="left" if step.side == "right" else "right") for step in proof.path
    )
    with pytest.raises(InvalidLiabilityProof):
        verify(tree, "1002", BALANCES["1002"], replace(proof, path=flipped))


def test_moving_value_between_a_node_and_its_sibling_breaks_a_proof() -> None:
    tree = build(BALANCES, SALT)
    proof = tree.proof("1017")
    step = proof.path[0]
    shifted = replace(step, sum=step.sum + 1)
    with pytest.raises(InvalidLiabilityProof):
        verify_proof(
            tree.root_hash,
            tree.total + 1,
            "1017",
            BALANCES["1017"],
            replace(proof, path=(shifted, *proof.path[1:])),
        )


def test_a_proof_is_of_one_holder_only() -> None:
    tree = build(BALANCES, SALT)
    with pytest.raises(InvalidLiabilityProof):
        verify(tree, "1004", BALANCES["1001"], tree.proof("1001"))


def test_a_proof_reveals_no_salt_but_its_holders_and_salts_are_fresh_per_statement() -> None:
    tree = build(BALANCES, SALT)
    text = tree.proof("1001").to_json()
    assert SALT.hex() not in text
    assert leaf_salt(SALT, "1002").hex() not in text
    assert new_salt() != new_salt()
    assert build(BALANCES, new_salt()).root_hash != tree.root_hash


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        "not json",
        '{"holder": "1001", "balance": 1.5, "leaf_salt": "00", "path": []}',
        '{"holder": "1001", "balance": 5, "leaf_salt": "'
        + "00" * 32
        + '", "path": [{"side": "up", "hash": "'
        + "00" * 32
        + '", "sum": 1}]}',
    ],
)
def test_a_malformed_proof_is_refused(text: str) -> None:
    with pytest.raises(InvalidLiabilityProof):
        LiabilityProof.from_json(text)


def test_no_holder_gives_the_empty_root_and_a_single_holder_is_the_root() -> None:
    assert (build({}, SALT).root_hash, build({}, SALT).total) == (EMPTY_ROOT, 0)
    tree = build({"1001": 7}, SALT)
    assert tree.root_hash == leaf(leaf_salt(SALT, "1001"), "1001", 7).hash
    assert tree.proof("1001").path == ()
    verify(tree, "1001", 7, tree.proof("1001"))
