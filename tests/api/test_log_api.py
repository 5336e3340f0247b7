from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from ledger.checkpoint import open_checkpoint, parse_verifier_key
from ledger.log import leaf_hash, verify_consistency, verify_inclusion
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


def test_entries_are_served_as_leaves_with_their_records(world: World, client: TestClient) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    posted = world.pay(alice, shop, 3_00)
    page = client.get(f"/v1/log/entries?start=0&end={posted.index + 5}").json()["entries"]
    assert [e["index"] for e in page] == list(range(posted.index + 1))
    assert page[0]["type"] == "genesis"
    last = page[-1]
    assert base64.b64decode(last["leaf"]) == posted.record.leaf
    assert last["record"] == dict(posted.record.record)


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/v1/log/inclusion?entry=5&size=3", "log-error"),
        ("/v1/log/inclusion?entry=0&size=100000", "log-error"),
        ("/v1/log/consistency?old=4&new=2", "log-error"),
        ("/v1/log/entries?start=3&end=3", "log-error"),
        ("/v1/log/entries?start=-1&end=3", "invalid-request"),
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
