"""The association's office over HTTP: merchants' approval, fee rules, reconversion batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from merchants.sepa import validate
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World

APPLICATION: dict[str, Any] = {
    "kind": "business",
    "legal_name": "Épicerie du Port",
    "address": "3 quai des Corsaires, 64100 Bayonne",
    "activity": "épicerie",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "closing_minutes": 120,
}


def test_the_treasurer_approves_a_merchant_who_can_then_be_paid(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    applied = client.post("/v1/merchants", json=APPLICATION, headers=treasurer)
    assert applied.status_code == 201, applied.text
    number = int(applied.json()["account"])
    assert applied.json()["status"] == "pending"
    alice = world.resident(balance=10_00)
    early = world.transfer(alice, Holder(number, alice.key, "merchant"), 1_00)
    refused = client.post("/v1/transfers", json=early.envelope())
    assert (refused.status_code, problem(refused)) == (422, "account-not-open")
    approved = client.post(f"/v1/merchants/{number}/approve", headers=treasurer)
    assert approved.json()["status"] == "approved"
    paid = world.transfer(alice, Holder(number, alice.key, "merchant"), 1_00)
    assert client.post("/v1/transfers", json=paid.envelope()).status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "kind"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, 400, "invalid-iban"),
        ({"iban": "US12 3456 7890 1234 5678 90"}, 400, "invalid-iban"),
        ({"legal_name": "   "}, 400, "malformed"),
        ({"kind": "bank"}, 422, "invalid-request"),
        ({"closing_minutes": 1440}, 422, "invalid-request"),
        ({"parent": 1001}, 404, "unknown-merchant"),
    ],
)
def test_a_bad_application_is_refused_and_writes_nothing(
    world: World, client: TestClient, change: dict[str, Any], status: int, kind: str
) -> None:
    treasurer = sign_in(client, world.treasurer)
    before = world.row_counts()
    response = client.post("/v1/merchants", json={**APPLICATION, **change}, headers=treasurer)
    assert (response.status_code, problem(response)) == (status, kind), response.text
    assert world.row_counts() == before


@pytest.mark.parametrize("caller", ["merchant", "cashier", "resident", "agent", "anonymous"])
def test_only_the_treasurer_runs_the_association_office(
    world: World, client: TestClient, caller: str
) -> None:
    shop = world.shop()
    makers: dict[str, Callable[[], Holder | None]] = {
        "merchant": lambda: shop,
        "cashier": lambda: world.cashier(shop),
        "resident": lambda: world.resident(),
        "agent": lambda: world.office,
        "anonymous": lambda: None,
    }
    holder = makers[caller]()
    headers = sign_in(client, holder) if holder else {}
    expected = 401 if holder is None else 403
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/v1/merchants", APPLICATION),
        ("POST", f"/v1/merchants/{shop.number}/approve", None),
        ("POST", f"/v1/merchants/{shop.number}/membership", {"paid_until": "2026-12-31"}),
        ("PUT", "/v1/fee-rules/business", {"rate": 0}),
        ("GET", "/v1/reconversions/waiting", None),
        ("POST", "/v1/payout-batches", {"payouts": [{}]}),
        ("GET", "/v1/payout-batches/1", None),
        ("GET", "/v1/payout-batches/1/sepa.xml", None),
        ("POST", "/v1/payout-batches/1/executed", None),
    ]
    for method, url, body in calls:
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == expected, (method, url, response.text)


def test_a_merchant_reconverts_and_the_treasurer_pays_the_batch(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    rule = {"rate": 250, "minimum": 10_00, "membership_required": True}
    assert client.put("/v1/fee-rules/business", json=rule, headers=treasurer).status_code == 200
    assert client.get("/v1/fee-rules").json() == [{"kind": "business", **rule}]
    shop = world.shop(balance=300_00)
    world.deposit(300_00)
    merchant = sign_in(client, shop)
    quote = client.post(
        "/v1/reconversions/quote", json={"account": shop.number, "amount": 200_00}, headers=merchant
    )
    assert (quote.status_code, problem(quote)) == (422, "reconversion-membership-unpaid")
    client.post(
        f"/v1/merchants/{shop.number}/membership",
        json={"paid_until": "2026-12-31"},
        headers=treasurer,
    )
    quote = client.post(
        "/v1/reconversions/quote", json={"account": shop.number, "amount": 200_00}, headers=merchant
    )
    assert quote.json() == {"gross": 200_00, "fee": 5_00, "net": 195_00, "rate": 250}
    wrong = world.record("reconversion", shop.key, from_=shop.account, amount=200_00, fee=4_00)
    response = client.post("/v1/reconversions", json=wrong.envelope())
    assert (response.status_code, problem(response)) == (422, "reconversion-fee-mismatch")
    record = world.record("reconversion", shop.key, from_=shop.account, amount=200_00, fee=5_00)
    assert client.post("/v1/reconversions", json=record.envelope()).status_code == 201
    assert client.post("/v1/reconversions", json=record.envelope()).status_code == 200
    (waiting,) = client.get("/v1/reconversions/waiting", headers=treasurer).json()
    payout = world.record(
        "payout", world.treasurer.key, reconversion=waiting["record_id"], amount=waiting["net"]
    )
    made = client.post(
        "/v1/payout-batches", json={"payouts": [payout.envelope()]}, headers=treasurer
    )
    assert made.status_code == 201, made.text
    number = made.json()["id"]
    sepa = client.get(f"/v1/payout-batches/{number}/sepa.xml", headers=treasurer)
    assert (validate(sepa.content).count, validate(sepa.content).total) == (1, 195_00)
    executed = client.post(f"/v1/payout-batches/{number}/executed", headers=treasurer)
    assert executed.json()["status"] == "executed"
    assert client.get("/v1/reconversions/waiting", headers=treasurer).json() == []


def test_a_resident_cannot_reconvert(world: World, client: TestClient) -> None:
    alice = world.resident(balance=50_00)
    record = world.record("reconversion", alice.key, from_=alice.account, amount=20_00, fee=0)
    before = world.row_counts()
    response = client.post("/v1/reconversions", json=record.envelope())
    assert (response.status_code, problem(response)) == (422, "reconversion-not-a-merchant")
    assert world.row_counts() == before
