from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from ledger.checkpoint import open_checkpoint, parse_verifier_key
from ledger.log import CompactRange, leaf_hash, verify_consistency, verify_inclusion
from tests.api.test_accounts_api import sign_in
from tests.support import World


def test_the_ledger_publishes_its_host_unit_and_keys(world: World, client: TestClient) -> None:
    body = client.get("/v1/ledger").json()
    assert body["host"] == "pay.example.org"
    assert body["currency"] == "RTZ"
    assert body["ledger_key"] == world.ledger.key.public_bytes.hex()
    assert parse_verifier_key(body["checkpoint_verifier"]) == (
        "pay.example.org/ledger",
        world.ledger.key.public_bytes,
    )


def test_a_payment_is_included_in_the_latest_checkpoint(world: World, client: TestClient) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    posted = world.pay(alice, shop, 7_00)
    response = client.get("/v1/log/checkpoint")
    assert response.headers["content-type"].startswith("text/plain")
    checkpoint = open_checkpoint(
        response.text, name="pay.example.org/ledger", public_key=world.ledger.key.public_bytes
    )
    assert checkpoint.size == posted.index + 1
    proof = client.get(f"/v1/log/inclusion?entry={posted.index}&size={checkpoint.size}").json()
    path = [bytes.fromhex(h) for h in proof["path"]]
    verify_inclusion(
        leaf_hash(posted.record.leaf), posted.index, checkpoint.size, path, checkpoint.root
    )


def test_checkpoints_are_consistent_with_each_other(world: World, client: TestClient) -> None:
    key = world.ledger.key.public_bytes
    alice, shop = world.resident(balance=20_00), world.merchant()
    first = open_checkpoint(
        client.get("/v1/log/checkpoint").text, name="pay.example.org/ledger", public_key=key
    )
    world.pay(alice, shop, 1_00)
    world.pay(alice, shop, 2_00)
    second = open_checkpoint(
        client.get("/v1/log/checkpoint").text, name="pay.example.org/ledger", public_key=key
    )
    assert client.get("/v1/log/checkpoint").text == second.text  # no new note if no growth
    body = client.get(f"/v1/log/consistency?old={first.size}&new={second.size}").json()
    verify_consistency(
        first.size, second.size, first.root, second.root, [bytes.fromhex(h) for h in body["proof"]]
    )


def test_entries_are_served_as_leaves_with_their_records_to_the_treasurer_only(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    posted = world.pay(alice, shop, 3_00, memo="Pain")
    url = f"/v1/log/entries?start=0&end={posted.index + 5}"
    for caller in (None, alice, shop):  # who paid whom is not the public's, nor a holder's
        headers = sign_in(client, caller) if caller else {}
        assert client.get(url, headers=headers).status_code == (403 if caller else 401)
    page = client.get(url, headers=sign_in(client, world.treasurer)).json()["entries"]
    assert [e["index"] for e in page] == list(range(posted.index + 1))
    assert page[0]["type"] == "genesis"
    last = page[-1]
    assert base64.b64decode(last["leaf"]) == posted.record.leaf
    assert last["record"] == dict(posted.record.record)


def test_anyone_recomputes_the_checkpoint_from_leaf_hashes_alone(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    world.pay(alice, shop, 3_00, memo="Pain")
    checkpoint = open_checkpoint(
        client.get("/v1/log/checkpoint").text,
        name="pay.example.org/ledger",
        public_key=world.ledger.key.public_bytes,
    )
    body = client.get(f"/v1/log/leaf-hashes?start=0&end={checkpoint.size}").json()
    assert body["start"] == 0 and len(body["hashes"]) == checkpoint.size
    tree = CompactRange()
    for hashed in body["hashes"]:
        tree.append(bytes.fromhex(hashed))
    assert tree.root() == checkpoint.root
    assert "Pain" not in json.dumps(body) and str(alice.number) not in json.dumps(body)


def test_a_holder_reads_its_own_entries_with_their_proofs(world: World, client: TestClient) -> None:
    alice, bob, shop = world.resident(balance=20_00), world.resident(balance=5_00), world.merchant()
    paid = world.pay(alice, shop, 3_00)
    world.pay(bob, shop, 1_00)  # not alice's
    refund = world.pay(shop, alice, 1_00, ref=paid.record.id)
    url = f"/v1/accounts/{alice.number}/entries"
    body = client.get(url, headers=sign_in(client, alice)).json()
    checkpoint = open_checkpoint(
        body["checkpoint"], name="pay.example.org/ledger", public_key=world.ledger.key.public_bytes
    )
    assert checkpoint.size == body["size"] == refund.index + 1
    leaves = [base64.b64decode(e["leaf"]) for e in body["entries"]]
    assert leaves[:2] == [refund.record.leaf, paid.record.leaf]  # newest first
    assert [e["type"] for e in body["entries"]] == ["transfer", "transfer", "conversion"]
    for entry, leaf in zip(body["entries"], leaves, strict=True):
        path = [bytes.fromhex(h) for h in entry["proof"]]
        verify_inclusion(leaf_hash(leaf), entry["index"], checkpoint.size, path, checkpoint.root)
    page = client.get(f"{url}?limit=1", headers=sign_in(client, alice)).json()
    assert page["next_cursor"] == refund.index and len(page["entries"]) == 1
    assert client.get(url, headers=sign_in(client, bob)).status_code == 403
    assert client.get(url).status_code == 401


def test_a_key_names_its_account_only_to_those_who_may_know(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(), world.merchant()
    till = world.cashier(shop)
    phone = f"/v1/keys/{alice.key.kid}"
    anonymous = client.get(phone).json()
    assert anonymous == {
        "kid": alice.key.kid,
        "account": None,
        "role": None,
        "status": "active",
        "public_key": alice.key.public_bytes.hex(),
    }
    bob = world.resident()
    assert client.get(phone, headers=sign_in(client, bob)).json()["account"] is None
    for reader in (alice, world.treasurer):
        told = client.get(phone, headers=sign_in(client, reader)).json()
        assert (told["account"], told["role"]) == (str(alice.number), "resident")
    # a payer checks that a till's key is the shop's before it pays a payment request
    shop_key = client.get(f"/v1/keys/{till.key.kid}").json()
    assert (shop_key["account"], shop_key["role"]) == (str(shop.number), "cashier")


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/v1/log/inclusion?entry=5&size=3", "log-error"),
        ("/v1/log/inclusion?entry=0&size=100000", "log-error"),
        ("/v1/log/consistency?old=4&new=2", "log-error"),
        ("/v1/log/leaf-hashes?start=3&end=3", "log-error"),
        ("/v1/log/leaf-hashes?start=-1&end=3", "invalid-request"),
        ("/v1/log/inclusion?entry=x&size=3", "invalid-request"),
        ("/v1/nowhere", "not-found"),
    ],
)
def test_bad_log_queries_are_problems_with_a_stable_type(
    client: TestClient, path: str, problem: str
) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"urn:sou:problem:{problem}"


def test_responses_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/v1/ledger").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in headers
