"""A member's devices at the office (issue 20): listed with label and last use, revoked one by
one by an agent or the treasurer, all at once for a lost phone with a new enrolment code."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from ledger.acts import acts
from ledger.records import format_time
from ledger.signing import SigningKey
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import World


def _post(client: TestClient, path: str, body: object) -> Any:
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def test_a_members_devices_are_listed_with_label_enrolment_and_last_sign_in(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    enrolled = world.now
    world.now += 3600
    phone = world.new_device(alice)
    world.now += 600
    headers = sign_in(client, alice)  # alice's first key signs in now; the phone never has
    signed_in_at = world.now
    world.now += 60
    response = client.get(f"/v1/accounts/{alice.number}/devices", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["account"] == alice.account
    assert [d["kid"] for d in body["devices"]] == [phone.key.kid, alice.key.kid]
    newest, first = body["devices"]
    assert newest == {
        "kid": phone.key.kid,
        "role": "resident",
        "label": None,
        "status": "active",
        "enrolled": format_time(enrolled + 3600),
        "last_used": None,
    }
    assert first["enrolled"] == format_time(enrolled)
    assert first["last_used"] == format_time(signed_in_at)
    # the agent and the treasurer read them too; another resident does not
    for reader in (world.office, world.treasurer):
        seen = client.get(f"/v1/accounts/{alice.number}/devices", headers=sign_in(client, reader))
        assert seen.status_code == 200
        assert seen.json() == body
    other = client.get(
        f"/v1/accounts/{alice.number}/devices", headers=sign_in(client, world.resident())
    )
    assert other.status_code == 403


def test_the_enrolment_label_is_shown(world: World, client: TestClient) -> None:
    alice = world.resident()
    key = SigningKey.generate()
    lost = client.post(
        f"/v1/accounts/{alice.number}/lost-phone", headers=sign_in(client, world.office)
    ).json()
    body = {
        "enrolment_code": lost["enrolment_code"],
        "public_key": key.public_bytes.hex(),
        "label": "porte-monnaie (web)",
    }
    assert client.post("/v1/devices", json=body).status_code == 201
    devices = client.get(
        f"/v1/accounts/{alice.number}/devices", headers=sign_in(client, world.treasurer)
    ).json()["devices"]
    assert devices[0]["kid"] == key.kid
    assert devices[0]["label"] == "porte-monnaie (web)"
    assert devices[0]["status"] == "active"


def test_an_agent_revokes_one_key_and_it_signs_nothing_more(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=10_00), world.merchant()
    phone = world.new_device(alice)
    agent = sign_in(client, world.office)
    refused = client.post(
        f"/v1/accounts/{alice.number}/devices/{phone.key.kid}/revoke",
        headers=sign_in(client, alice),
    )
    assert refused.status_code == 403
    response = client.post(
        f"/v1/accounts/{alice.number}/devices/{phone.key.kid}/revoke", headers=agent
    )
    assert response.status_code == 200
    assert response.json() == {"account": alice.account, "kid": phone.key.kid, "status": "revoked"}
    assert client.get(f"/v1/keys/{phone.key.kid}").json()["status"] == "revoked"
    # a payment it signs is refused; one by alice's other key still goes through
    paid = _post(
        client, "/v1/transfers", world.transfer(alice, shop, 1_00, key=phone.key).envelope()
    )
    assert paid.status_code == 401
    assert problem(paid) == "revoked-key"
    ok = _post(client, "/v1/transfers", world.transfer(alice, shop, 1_00).envelope())
    assert ok.status_code == 201
    # nor can it sign in
    challenge = client.post("/v1/auth/challenge", json={"kid": phone.key.kid})
    assert challenge.status_code == 401
    # again: the same answer, nothing more in the log
    size = world.log_size()
    again = client.post(
        f"/v1/accounts/{alice.number}/devices/{phone.key.kid}/revoke", headers=agent
    )
    assert again.status_code == 200
    assert world.log_size() == size
    # the act names the agent who did it
    with world.ledger.unit_of_work(write=False) as uow:
        revoked = [a for a in acts(uow, subject=phone.key.kid) if a.act == "key.revoke"]
    assert [a.actor for a in revoked] == [f"key {world.office.key.kid} (agent)"]


def test_a_key_of_another_account_is_not_revoked_through_this_one(
    world: World, client: TestClient
) -> None:
    alice, bob = world.resident(), world.resident()
    treasurer = sign_in(client, world.treasurer)
    response = client.post(
        f"/v1/accounts/{alice.number}/devices/{bob.key.kid}/revoke", headers=treasurer
    )
    assert response.status_code == 404
    assert client.get(f"/v1/keys/{bob.key.kid}").json()["status"] == "active"


def test_an_agent_does_not_touch_the_associations_or_an_offices_keys(
    world: World, client: TestClient
) -> None:
    agent = sign_in(client, world.office)
    treasurer = world.treasurer
    listed = client.get(f"/v1/accounts/{treasurer.number}/devices", headers=agent)
    assert listed.status_code == 403
    for holder in (treasurer, world.office):  # not even its own office's key
        revoked = client.post(
            f"/v1/accounts/{holder.number}/devices/{holder.key.kid}/revoke", headers=agent
        )
        assert revoked.status_code == 403
        assert client.get(f"/v1/keys/{holder.key.kid}").json()["status"] == "active"
    # its own office's devices it reads, as any device of an account does
    assert (
        client.get(f"/v1/accounts/{world.office.number}/devices", headers=agent).status_code == 200
    )


def test_lost_phone_revokes_every_key_and_a_new_phone_sees_the_same_balance_and_history(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant()
    tablet = world.new_device(alice)
    world.pay(alice, shop, 4_50, memo="Pain")
    before = sign_in(client, alice)
    history = client.get(f"/v1/accounts/{alice.number}/transfers", headers=before).json()
    assert (
        client.post(f"/v1/accounts/{alice.number}/lost-phone", headers=before).status_code == 403
    )  # not by the member's own device
    world.now += 60
    response = client.post(
        f"/v1/accounts/{alice.number}/lost-phone", headers=sign_in(client, world.office)
    )
    assert response.status_code == 200
    lost = response.json()
    assert lost["account"] == alice.account
    assert lost["revoked"] == [alice.key.kid, tablet.key.kid]
    assert lost["expires"] == format_time(world.now + 7 * 24 * 3600)
    for old in (alice.key, tablet.key):
        assert client.get(f"/v1/keys/{old.kid}").json()["status"] == "revoked"
    # the old token and the old key are refused
    assert client.get(f"/v1/accounts/{alice.number}", headers=before).status_code == 401
    paid = _post(client, "/v1/transfers", world.transfer(alice, shop, 1_00).envelope())
    assert paid.status_code == 401
    # the new phone enrols with the code on the same account
    key = SigningKey.generate()
    enrolled = client.post(
        "/v1/devices",
        json={"enrolment_code": lost["enrolment_code"], "public_key": key.public_bytes.hex()},
    )
    assert enrolled.status_code == 201
    assert enrolled.json() == {
        "kid": key.kid,
        "account": alice.account,
        "role": "resident",
        "revoked": [],
    }
    new = alice.__class__(alice.number, key, "resident")
    headers = sign_in(client, new)
    assert client.get(f"/v1/accounts/{alice.number}", headers=headers).json()["balance"] == 25_50
    assert client.get(f"/v1/accounts/{alice.number}/transfers", headers=headers).json() == history
    ok = _post(client, "/v1/transfers", world.transfer(new, shop, 5_00).envelope())
    assert ok.status_code == 201
    # the code is used once
    again = client.post(
        "/v1/devices",
        json={
            "enrolment_code": lost["enrolment_code"],
            "public_key": SigningKey.generate().public_bytes.hex(),
        },
    )
    assert again.status_code == 422
    with world.ledger.unit_of_work(write=False) as uow:
        done = [a for a in acts(uow, subject=alice.account) if a.act == "key.lost-phone"]
    assert [(a.actor, a.detail) for a in done] == [
        (f"key {world.office.key.kid} (agent)", {"revoked": [alice.key.kid, tablet.key.kid]})
    ]


def test_lost_phone_is_for_a_residents_open_account(world: World, client: TestClient) -> None:
    treasurer = sign_in(client, world.treasurer)
    shop = world.merchant()
    assert (
        client.post(f"/v1/accounts/{shop.number}/lost-phone", headers=treasurer).status_code == 403
    )
    assert client.get(f"/v1/keys/{shop.key.kid}").json()["status"] == "active"
    frozen = world.resident()
    world.set_status(frozen, "frozen")
    refused = client.post(f"/v1/accounts/{frozen.number}/lost-phone", headers=treasurer)
    assert problem(refused) == "account-not-open"
    assert client.get(f"/v1/keys/{frozen.key.kid}").json()["status"] == "active"
    missing = client.post("/v1/accounts/999999/lost-phone", headers=treasurer)
    assert missing.status_code == 404


def test_the_wallet_forgets_itself_by_revoking_its_own_key(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    headers = sign_in(client, alice)
    response = client.post(f"/v1/devices/{alice.key.kid}/revoke", headers=headers)
    assert response.status_code == 200
    assert client.get(f"/v1/keys/{alice.key.kid}").json()["status"] == "revoked"
    assert client.get(f"/v1/accounts/{alice.number}", headers=headers).status_code == 401
