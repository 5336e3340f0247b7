"""Every write × every kind of signer: the expected status, asserted in one table.

On the write routes the caller is the key that signed: a transfer envelope or a payment
request carries its signer's `kid`, and no bearer token replaces the signature. Each row
fixes the record (what is asked) and each column changes only who signs it; a refusal
must leave the ledger exactly as it was.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ledger.records import SignedRecord
from ledger.signing import SigningKey
from merchants.payment_requests import sign_request
from tests.support import HOST, Holder, World

SIGNERS = (
    "alice",  # the resident who paid the shop
    "other_resident",
    "merchant",  # the shop's own key
    "cashier",  # a till of the shop, refund limit 20,00
    "other_cashier",  # a till of another merchant
    "agent",
    "treasurer",
    "revoked",  # a revoked key of the account the record acts for
)


@dataclass
class Cast:
    world: World
    alice: Holder
    shop: Holder
    other_shop: Holder
    paid: str  # id of alice's 40,00 payment to the shop, to refund

    def key(self, signer: str, acts_for: Holder) -> SigningKey:
        w = self.world
        if signer == "revoked":
            lost = w.new_device(acts_for)
            w.revoke(lost.key)
            return lost.key
        make: dict[str, Callable[[], Holder]] = {
            "alice": lambda: self.alice,
            "other_resident": lambda: w.resident(),
            "merchant": lambda: self.shop,
            "cashier": lambda: w.cashier(self.shop, refund_limit=20_00),
            "other_cashier": lambda: w.cashier(self.other_shop, refund_limit=20_00),
            "agent": lambda: w.office,
            "treasurer": lambda: w.treasurer,
        }
        return make[signer]().key


def _transfer(payer: str, payee: str, cents: int, *, refund: bool = False) -> Operation:
    def build(c: Cast, key: SigningKey) -> SignedRecord:
        holders = {"alice": c.alice, "shop": c.shop, "other_shop": c.other_shop}
        return c.world.transfer(
            holders[payer], holders[payee], cents, ref=c.paid if refund else None, key=key
        )

    return Operation("alice" if payer == "alice" else "shop", build)


@dataclass
class Operation:
    acts_for: str  # whose revoked key is tried
    build: Callable[[Cast, SigningKey], SignedRecord]


OPERATIONS: dict[str, tuple[Operation, tuple[int, ...]]] = {
    # operation: (how to build it, expected status per signer in the order of SIGNERS)
    "alice pays the shop 5,00": (
        _transfer("alice", "shop", 5_00),
        (201, 403, 403, 403, 403, 403, 403, 401),
    ),
    "the shop refunds alice 5,00": (
        _transfer("shop", "alice", 5_00, refund=True),
        (403, 403, 201, 201, 403, 403, 403, 401),
    ),
    "the shop refunds alice 30,00, above the till's limit": (
        _transfer("shop", "alice", 30_00, refund=True),
        (403, 403, 201, 403, 403, 403, 403, 401),
    ),
    "the shop pays another merchant 5,00": (
        _transfer("shop", "other_shop", 5_00),
        (403, 403, 201, 403, 403, 403, 403, 401),
    ),
}


def _cast(world: World) -> Cast:
    alice, shop, other_shop = world.resident(balance=100_00), world.merchant(), world.merchant()
    paid = world.pay(alice, shop, 40_00).record.id
    return Cast(world, alice, shop, other_shop, paid)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("signer", SIGNERS)
def test_each_signer_gets_the_expected_status_on_each_signed_write(
    world: World, client: TestClient, operation: str, signer: str
) -> None:
    cast = _cast(world)
    op, expected = OPERATIONS[operation]
    acts_for = {"alice": cast.alice, "shop": cast.shop, "office": world.office}[op.acts_for]
    record = op.build(cast, cast.key(signer, acts_for))
    before = world.row_counts()
    response = client.post("/v1/transfers", json=record.envelope())
    assert response.status_code == expected[SIGNERS.index(signer)], response.text
    if response.status_code != 201:
        assert response.headers["content-type"] == "application/problem+json"
        assert world.row_counts() == before


REGISTRATION = (403, 403, 201, 201, 403, 403, 403, 401)


@pytest.mark.parametrize("signer", SIGNERS)
def test_only_the_shops_own_keys_register_its_payment_requests(
    world: World, client: TestClient, signer: str
) -> None:
    cast = _cast(world)
    pr = sign_request(
        host=HOST,
        merchant=cast.shop.number,
        amount=12_50,
        expires=world.now + 300,
        nonce=os.urandom(8),
        ref="T1",
        key=cast.key(signer, cast.shop),
    )
    body = {"pr": base64.b32encode(pr.to_bytes()).decode().rstrip("=")}
    response = client.post("/v1/payment-requests", json=body)
    assert response.status_code == REGISTRATION[SIGNERS.index(signer)], response.text
    assert client.get(f"/v1/payment-requests/{pr.payreq}").status_code == (
        200 if response.status_code == 201 else 404
    )
