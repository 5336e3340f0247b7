from __future__ import annotations

import base64
import os

import pytest
from fastapi.testclient import TestClient

from merchants.payment_requests import PaymentRequest, sign_request
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import HOST, Holder, World


def till_request(world: World, till: Holder, merchant: Holder, cents: int) -> PaymentRequest:
    return sign_request(
        host=HOST,
        merchant=merchant.number,
        amount=cents,
        expires=world.now + 300,
        nonce=os.urandom(8),
        ref="T1-0042",
        key=till.key,
    )


def b32(pr: PaymentRequest) -> str:
    return base64.b32encode(pr.to_bytes()).decode().rstrip("=")


def test_a_till_registers_a_request_that_turns_paid_with_its_receipt(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    till = world.cashier(shop)
    pr = till_request(world, till, shop, 12_50)
    registered = client.post("/v1/payment-requests", json={"pr": b32(pr)})
    assert registered.status_code == 201
    assert registered.json()["status"] == "open"
    assert client.post("/v1/payment-requests", json={"pr": b32(pr)}).json() == registered.json()
    world.pay(alice, shop, 12_50, payreq=pr.payreq)
    status = client.get(f"/v1/payment-requests/{pr.payreq}").json()
    assert status["status"] == "paid"
    assert status["receipt"]["record"]["payreq"] == pr.payreq
    assert status["receipt"]["record"]["amount"] == 12_50


def test_a_request_expires(world: World, client: TestClient) -> None:
    shop = world.merchant()
    pr = till_request(world, shop, shop, 5_00)
    client.post("/v1/payment-requests", json={"pr": b32(pr)})
    world.now += 301
    assert client.get(f"/v1/payment-requests/{pr.payreq}").json()["status"] == "expired"


def test_a_request_signed_for_another_merchant_or_by_a_resident_is_refused(
    world: World, client: TestClient
) -> None:
    alice, shop, other = world.resident(), world.merchant(), world.merchant()
    for signer, merchant in ((other, shop), (alice, alice)):
        response = client.post(
            "/v1/payment-requests", json={"pr": b32(till_request(world, signer, merchant, 100))}
        )
        assert response.status_code == 403
        assert problem(response) == "not-authorized"


@pytest.mark.parametrize("pr", ["not base32!", "AEAAAB", "A" * 150])
def test_a_malformed_request_is_a_problem(client: TestClient, pr: str) -> None:
    response = client.post("/v1/payment-requests", json={"pr": pr})
    assert response.status_code == 422
    assert problem(response) == "payment-request"


def test_an_unknown_request_has_no_status(client: TestClient) -> None:
    response = client.get(f"/v1/payment-requests/{'ab' * 32}")
    assert response.status_code == 404
    assert problem(response) == "unknown-payment-request"


def test_a_device_revokes_a_lost_phone_of_its_own_account(world: World, client: TestClient) -> None:
    shop = world.merchant(balance=10_00)
    lost = world.new_device(shop)
    stranger = world.resident()
    refused = client.post(f"/v1/devices/{lost.key.kid}/revoke", headers=sign_in(client, stranger))
    assert refused.status_code == 403
    response = client.post(f"/v1/devices/{lost.key.kid}/revoke", headers=sign_in(client, shop))
    assert response.json() == {"kid": lost.key.kid, "status": "revoked"}
    payment = client.post(
        "/v1/transfers", json=world.transfer(lost, world.resident(), 1_00).envelope()
    )
    assert problem(payment) == "revoked-key"
