"""The public key route: a wallet reads a till's public key to check a payment request."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.signing import SigningKey
from merchants.payment_requests import verify_request
from tests.api.problems import problem
from tests.api.test_merchants_api import till_request
from tests.support import HOST, World


def test_anyone_reads_a_till_key_and_checks_a_request_with_it(
    world: World, client: TestClient
) -> None:
    shop = world.merchant()
    till = world.cashier(shop)
    response = client.get(f"/v1/keys/{till.key.kid}")
    assert response.status_code == 200
    assert response.json() == {
        "kid": till.key.kid,
        "account": shop.account,
        "role": "cashier",
        "status": "active",
        "public_key": till.key.public_bytes.hex(),
    }
    pr = till_request(world, till, shop, 12_50)
    verify_request(pr, host=HOST, public_key=bytes.fromhex(response.json()["public_key"]))


def test_a_revoked_key_reads_as_revoked(world: World, client: TestClient) -> None:
    alice = world.resident()
    world.revoke(alice.key)
    body = client.get(f"/v1/keys/{alice.key.kid}").json()  # a resident's: no account told
    assert (body["status"], body["role"], body["account"]) == ("revoked", None, None)
    till = world.cashier(world.merchant())
    world.revoke(till.key)
    body = client.get(f"/v1/keys/{till.key.kid}").json()
    assert (body["status"], body["role"]) == ("revoked", "cashier")


def test_an_unknown_key_is_not_found(client: TestClient) -> None:
    response = client.get(f"/v1/keys/{SigningKey.generate().kid}")
    assert response.status_code == 404
    assert problem(response) == "not-found"


def test_a_malformed_kid_is_refused(client: TestClient) -> None:
    response = client.get("/v1/keys/NOT-A-KID")
    assert response.status_code == 422
    assert problem(response) == "invalid-request"
