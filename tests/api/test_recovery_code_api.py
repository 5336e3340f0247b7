"""A resident's printed recovery code (docs/SECURITY.md): issued by the office with the account
and again at any visit, shown once, it enrols a new phone with no office, once, after revoking
every key of the account; the office or the member cancels it; refused codes are limited per
client address."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ledger.admin import RECOVERY_TTL
from ledger.records import format_time
from ledger.signing import SigningKey
from tests.api.test_accounts_api import sign_in
from tests.api.test_open_account_api import RECOVERY, _acts, _enrol, sign_in_key
from tests.support import World


def _issue(client: TestClient, world: World, number: int) -> str:
    agent = sign_in(client, world.office)
    response = client.post(f"/v1/accounts/{number}/recovery-code", headers=agent)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["account"] == str(number)
    assert body["issued"] == format_time(world.now)
    code: str = body["recovery_code"]
    assert re.match(RECOVERY, code)
    return code


def test_a_recovery_code_enrols_a_new_phone_and_revokes_every_other_key(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=12_00), world.merchant()
    phone = world.new_device(alice)
    world.pay(alice, shop, 2_00)
    code = _issue(client, world, alice.number)
    # typed on a borrowed phone, in lower case and without its dashes
    status, device, key = _enrol(client, code.lower().replace("-", ""))
    assert status == 201, device
    assert device == {
        "kid": key.kid,
        "account": alice.account,
        "role": "resident",
        "revoked": [alice.key.kid, phone.key.kid],
    }
    for old in (alice.key, phone.key):
        assert client.post("/v1/auth/challenge", json={"kid": old.kid}).status_code == 401
    seen = client.get(f"/v1/accounts/{alice.number}", headers=sign_in_key(client, key)).json()
    assert seen["balance"] == 10_00
    used = [a[2] for a in _acts(world, alice.account) if a[0] == "account.recovery-used"]
    assert used == [{"kid": key.kid, "revoked": [alice.key.kid, phone.key.kid]}]
    # spent by its use: a second phone is refused, and the first stays enrolled
    status, again, _ = _enrol(client, code)
    assert (status, again["type"]) == (422, "urn:sou:problem:enrolment")
    assert client.post("/v1/auth/challenge", json={"kid": key.kid}).status_code == 200
    # the account no longer has a usable code; the member sees so from the new phone
    status_now = client.get(
        f"/v1/accounts/{alice.number}/recovery-code", headers=sign_in_key(client, key)
    )
    assert status_now.json() == {"account": alice.account, "issued": None}


def test_a_new_code_replaces_the_previous_one(world: World, client: TestClient) -> None:
    alice = world.resident()
    first = _issue(client, world, alice.number)
    second = _issue(client, world, alice.number)
    assert first != second
    assert _enrol(client, first)[0] == 422
    assert _enrol(client, second)[0] == 201
    codes = [a[2] for a in _acts(world, alice.account) if a[0] == "account.recovery-code"]
    assert codes == [{"replaced": False}, {"replaced": True}]


def test_the_office_or_the_member_cancels_the_code(world: World, client: TestClient) -> None:
    alice = world.resident()
    code = _issue(client, world, alice.number)
    path = f"/v1/accounts/{alice.number}/recovery-code"
    agent = sign_in(client, world.office)
    assert client.get(path, headers=agent).json() == {
        "account": alice.account,
        "issued": format_time(world.now),
    }
    mine = sign_in(client, alice)
    assert client.post(f"{path}/revoke", headers=mine).json() == {
        "account": alice.account,
        "revoked": True,
    }
    assert client.post(f"{path}/revoke", headers=agent).json()["revoked"] is False
    assert _enrol(client, code)[0] == 422
    assert client.post("/v1/auth/challenge", json={"kid": alice.key.kid}).status_code == 200
    assert RECOVERY_TTL >= 5 * 365 * 86_400  # kept with the member's papers for years


def test_only_the_office_issues_a_code_and_only_for_an_open_residents_account(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(), world.shop()
    path = f"/v1/accounts/{alice.number}/recovery-code"
    assert client.post(path).status_code == 401
    for holder in (alice, world.resident(), shop):
        headers = sign_in(client, holder)
        before = world.row_counts()
        assert client.post(path, headers=headers).status_code == 403
        assert world.row_counts() == before
        if holder is not alice:
            assert client.get(path, headers=headers).status_code == 403
    agent = sign_in(client, world.office)
    refused = client.post(f"/v1/accounts/{shop.number}/recovery-code", headers=agent)
    assert refused.status_code == 403
    assert client.post(path, headers=sign_in(client, world.treasurer)).status_code == 201


def test_a_closed_account_is_not_recovered_by_its_code(world: World, client: TestClient) -> None:
    alice = world.resident()
    code = _issue(client, world, alice.number)
    treasurer = sign_in(client, world.treasurer)
    closed = client.post(f"/v1/members/{alice.number}/close", headers=treasurer)
    assert closed.status_code == 200, closed.text
    before = world.row_counts()
    status, body, _ = _enrol(client, code)
    assert (status, body["type"]) == (422, "urn:sou:problem:enrolment"), body
    assert world.row_counts() == before
    assert "account.recovery-revoke" in [a[0] for a in _acts(world, alice.account)]


def test_refused_codes_are_limited_per_client_address(world: World, client: TestClient) -> None:
    for _ in range(10):
        assert _enrol(client, "AAAA-BBBB-CCCC-DDDD-EEEE")[0] == 422
    status, body, _ = _enrol(client, "AAAA-BBBB-CCCC-DDDD-EEEE")
    assert (status, problem_type(body)) == (429, "rate-limited")
    # a good code is refused too while the window is full: guessing gains nothing
    alice = world.resident()
    code = _issue(client, world, alice.number)
    key = SigningKey.generate()
    body = {"enrolment_code": code, "public_key": key.public_bytes.hex()}
    assert client.post("/v1/devices", json=body).status_code == 429


def problem_type(body: dict[str, object]) -> str:
    return str(body["type"]).removeprefix("urn:sou:problem:")
