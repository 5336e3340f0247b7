from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.admin import issue_enrolment_code, open_account
from ledger.receipts import Receipt, verify_receipt
from ledger.records import canonical_json, prefix, sign_record
from ledger.signing import SigningKey, b64url_decode
from tests.api.problems import problem
from tests.support import Holder, World


def post_json(client: TestClient, path: str, body: object) -> Any:
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def test_a_phone_enrols_its_key_with_a_one_time_code(world: World, client: TestClient) -> None:
    with world.ledger.unit_of_work() as uow:
        number = open_account(uow, kind="resident", now=world.now)
        code = issue_enrolment_code(uow, account=number, role="resident", now=world.now)
        uow.commit()
    key = SigningKey.generate()
    body = {"enrolment_code": code, "public_key": key.public_bytes.hex(), "label": "phone"}
    response = client.post("/v1/devices", json=body)
    assert response.status_code == 201
    assert response.json() == {
        "kid": key.kid,
        "account": str(number),
        "role": "resident",
        "revoked": [],
    }
    again = client.post(
        "/v1/devices", json={**body, "public_key": SigningKey.generate().public_bytes.hex()}
    )
    assert again.status_code == 422
    assert problem(again) == "enrolment"


@pytest.mark.parametrize(
    "body",
    [
        {"enrolment_code": "X", "public_key": "zz" * 32},
        {"enrolment_code": "X", "public_key": "00" * 32, "extra": 1},
        {"public_key": "00" * 32},
        {"enrolment_code": 12, "public_key": "00" * 32},
    ],
)
def test_a_malformed_enrolment_is_an_invalid_request(client: TestClient, body: object) -> None:
    response = client.post("/v1/devices", json=body)
    assert response.status_code == 422
    assert problem(response) == "invalid-request"


def paid(world: World) -> tuple[Holder, Holder, dict[str, Any]]:
    alice, shop = world.resident(balance=30_00), world.merchant()
    envelope = world.transfer(alice, shop, 12_50).envelope()
    return alice, shop, envelope


def test_a_signed_payment_gets_a_receipt_signed_by_the_ledger(
    world: World, client: TestClient
) -> None:
    alice, shop, envelope = paid(world)
    response = post_json(client, "/v1/transfers", envelope)
    assert response.status_code == 201
    body = response.json()
    record = body["record"]
    receipt = Receipt(
        record, prefix("receipt") + canonical_json(record), b64url_decode(body["sig"])
    )
    verify_receipt(receipt, ledger_key=world.ledger.key.public_bytes)
    assert (record["from"], record["to"], record["amount"]) == (alice.account, shop.account, 12_50)
    assert (world.balance(alice), world.balance(shop)) == (17_50, 12_50)


def test_a_retried_payment_returns_the_same_receipt_and_moves_money_once(
    world: World, client: TestClient
) -> None:
    alice, _, envelope = paid(world)
    first = post_json(client, "/v1/transfers", envelope)
    again = post_json(client, "/v1/transfers", envelope)
    assert again.status_code == 200
    assert again.content == first.content
    assert world.balance(alice) == 17_50


def test_the_same_nonce_with_another_amount_is_a_conflict(world: World, client: TestClient) -> None:
    alice, _, envelope = paid(world)
    assert post_json(client, "/v1/transfers", envelope).status_code == 201
    record = {**envelope["record"], "amount": 1_00}
    response = post_json(client, "/v1/transfers", sign_record(record, alice.key).envelope())
    assert response.status_code == 409
    assert problem(response) == "duplicate-conflict"


def test_a_payment_beyond_the_balance_is_refused_and_leaves_no_trace(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=10_00), world.merchant()
    before = world.row_counts()
    response = post_json(client, "/v1/transfers", world.transfer(alice, shop, 10_01).envelope())
    assert response.status_code == 422
    assert problem(response) == "insufficient-funds"
    assert world.row_counts() == before


def test_a_forged_signature_is_refused(world: World, client: TestClient) -> None:
    alice, shop = world.resident(balance=10_00), world.merchant()
    envelope = world.transfer(alice, shop, 1_00, key=SigningKey.generate()).envelope()
    envelope["record"] = {**envelope["record"], "kid": alice.key.kid}
    response = post_json(client, "/v1/transfers", envelope)
    assert response.status_code == 401
    assert problem(response) == "invalid-signature"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"alg": "Ed25519", "alg": "Ed25519", "record": {}, "sig": ""}', "malformed-json"),
        (b'{"alg": "Ed25519", "record": {"amount": 12.5}, "sig": ""}', "malformed-json"),
        (b'{"alg": "Ed25519", "record": {"amount": NaN}, "sig": ""}', "malformed-json"),
        (b"not json", "malformed-json"),
        (b"\xff\xfe", "malformed-json"),
        (b'{"pad": "' + b"x" * 20_000 + b'"}', "malformed-json"),
        (b"[1, 2]", "malformed-record"),
        (b'{"alg": "Ed25519", "record": {}, "sig": "", "more": 1}', "malformed-record"),
        (b'{"alg": "RS256", "record": {}, "sig": ""}', "malformed-record"),
    ],
)
def test_a_malformed_body_is_a_problem_and_writes_nothing(
    world: World, client: TestClient, raw: bytes, expected: str
) -> None:
    before = world.row_counts()
    response = client.post(
        "/v1/transfers", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert problem(response) == expected
    assert world.row_counts() == before


def test_amounts_as_strings_or_floats_in_a_signed_record_are_malformed(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=10_00), world.merchant()
    envelope = world.transfer(alice, shop, 1_00).envelope()
    for amount in ("100", 1.0, True):
        bad = {**envelope, "record": {**envelope["record"], "amount": amount}}
        response = client.post("/v1/transfers", content=json.dumps(bad))
        assert response.status_code == 400
        assert problem(response) in ("malformed-json", "malformed-record")
