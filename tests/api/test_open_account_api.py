"""A resident's account opened at the office (name, contact, consent to the privacy notice) with
a short-lived enrolment code the tablet shows as a QR code of `/E/{code}`, and a member who lost
every device recovered there after an identity check (issue 21)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.acts import acts
from ledger.admin import PRIVACY_NOTICE, QR_CODE_TTL
from ledger.persistence.tables import HOLDERS
from ledger.records import format_time
from ledger.signing import SigningKey
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.api.test_qr_and_events import decode
from tests.support import HOST, Holder, World

CODE = r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$"
RECOVERY = r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){4}$"  # 20 characters: 100 bits


def _enrol(client: TestClient, code: str) -> tuple[int, Any, SigningKey]:
    key = SigningKey.generate()
    body = {"enrolment_code": code, "public_key": key.public_bytes.hex(), "label": "téléphone"}
    response = client.post("/v1/devices", json=body)
    return response.status_code, response.json(), key


def _holder(world: World, number: int) -> tuple[str, str | None] | None:
    with world.engine.connect() as conn:
        row = conn.execute(
            select(HOLDERS.c.name, HOLDERS.c.detail).where(HOLDERS.c.account == number)
        ).first()
    return None if row is None else (row.name, row.detail)


def _acts(world: World, subject: str) -> list[tuple[str, str, dict[str, object]]]:
    with world.ledger.unit_of_work(write=False) as uow:
        return [(a.act, a.actor, a.detail) for a in reversed(acts(uow, subject=subject))]


def test_an_agent_opens_a_residents_account_and_the_phone_enrols_with_its_code(
    world: World, client: TestClient
) -> None:
    agent = sign_in(client, world.office)
    body = {
        "kind": "resident",
        "name": "  Camille   Martin ",
        "contact": "camille@example.org",
        "consent": True,
    }
    response = client.post("/v1/accounts", json=body, headers=agent)
    assert response.status_code == 201, response.text
    opened = response.json()
    number = int(opened["number"])
    code = opened["enrolment"]["code"]
    assert re.match(CODE, code)
    assert opened["enrolment"] == {
        "code": code,
        "expires_at": format_time(world.now + QR_CODE_TTL),
        "url": f"https://{HOST}/E/{code}",
    }
    assert QR_CODE_TTL == 15 * 60
    # the name trimmed, the contact beside it in the holder's detail (a JSON object)
    name, detail = _holder(world, number) or ("", None)
    assert name == "Camille Martin"
    assert json.loads(detail or "null") == {"contact": "camille@example.org"}
    # opened, consented (with the notice's version) and a code issued, each by the agent
    actor = f"key {world.office.key.kid} (agent)"
    assert _acts(world, str(number)) == [
        ("account.open", actor, {"kind": "resident"}),
        ("account.consent", actor, {"privacy_notice": PRIVACY_NOTICE}),
        ("key.code", actor, {"role": "resident", "refund_limit": None}),
        ("account.recovery-code", actor, {"replaced": False}),
    ]
    assert re.match(RECOVERY, opened["recovery_code"])
    # the phone enrols with the code, once, as a resident's key of the new account
    status, device, key = _enrol(client, code)
    assert status == 201
    assert (device["account"], device["role"]) == (str(number), "resident")
    mine = client.get(f"/v1/accounts/{number}", headers=sign_in_key(client, key))
    assert mine.json()["balance"] == 0
    assert mine.json()["name"] == "Camille Martin"
    status, again, _ = _enrol(client, code)
    assert status == 422
    assert again["type"] == "urn:sou:problem:enrolment"


def sign_in_key(client: TestClient, key: SigningKey) -> dict[str, str]:
    return sign_in(client, Holder(0, key, "resident"))


def test_a_phone_contact_and_no_contact_are_both_accepted(world: World, client: TestClient) -> None:
    treasurer = sign_in(client, world.treasurer)
    for contact, stored in (("+33 6 12 34 56 78", {"contact": "+33 6 12 34 56 78"}), (None, None)):
        body: dict[str, object] = {"kind": "resident", "name": "Jon", "consent": True}
        if contact:
            body["contact"] = contact
        response = client.post("/v1/accounts", json=body, headers=treasurer)
        assert response.status_code == 201
        _, detail = _holder(world, int(response.json()["number"])) or ("", None)
        assert (None if detail is None else json.loads(detail)) == stored


def test_without_consent_no_account_is_opened(world: World, client: TestClient) -> None:
    agent = sign_in(client, world.office)
    before = world.row_counts()
    for consent in ({"consent": False}, {}):
        body = {"kind": "resident", "name": "Camille Martin", **consent}
        response = client.post("/v1/accounts", json=body, headers=agent)
        assert response.status_code == 422
        assert problem(response) == "consent-required"
    assert world.row_counts() == before


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 141},
        {"name": 12},
        {"kind": "merchant"},
        {"kind": "association"},
        {"contact": "not a contact"},
        {"contact": "12"},
        {"consent": "yes"},
        {"device": "extra field"},
    ],
)
def test_a_bad_request_opens_nothing(
    world: World, client: TestClient, change: dict[str, object]
) -> None:
    agent = sign_in(client, world.office)
    before = world.row_counts()
    body = {"kind": "resident", "name": "Camille Martin", "consent": True, **change}
    response = client.post("/v1/accounts", json=body, headers=agent)
    assert response.status_code == 422
    assert problem(response) == "invalid-request"
    assert world.row_counts() == before


def test_a_name_of_140_characters_is_kept_whole(world: World, client: TestClient) -> None:
    body = {"kind": "resident", "name": "é" * 140, "consent": True}
    response = client.post("/v1/accounts", json=body, headers=sign_in(client, world.office))
    assert response.status_code == 201
    assert _holder(world, int(response.json()["number"])) == ("é" * 140, None)


def test_only_an_agent_or_the_treasurer_opens_an_account(world: World, client: TestClient) -> None:
    body = {"kind": "resident", "name": "Camille Martin", "consent": True}
    shop = world.shop()
    assert client.post("/v1/accounts", json=body).status_code == 401
    for holder in (world.resident(), shop, world.cashier(shop)):
        headers = sign_in(client, holder)
        before = world.row_counts()
        response = client.post("/v1/accounts", json=body, headers=headers)
        assert response.status_code == 403
        assert world.row_counts() == before


def test_the_code_expires_after_a_quarter_of_an_hour(world: World, client: TestClient) -> None:
    body = {"kind": "resident", "name": "Camille Martin", "consent": True}
    agent = sign_in(client, world.office)
    first = client.post("/v1/accounts", json=body, headers=agent).json()["enrolment"]["code"]
    second = client.post("/v1/accounts", json=body, headers=agent).json()["enrolment"]["code"]
    world.now += QR_CODE_TTL
    assert _enrol(client, first)[0] == 201  # at the last second still
    world.now += 1
    status, refused, _ = _enrol(client, second)
    assert status == 422
    assert refused["type"] == "urn:sou:problem:enrolment"


@pytest.mark.parametrize(("suffix", "media_type"), [("svg", "image/svg+xml"), ("png", "image/png")])
def test_the_qr_code_encodes_the_enrolment_address_for_the_office_only(
    world: World, client: TestClient, suffix: str, media_type: str
) -> None:
    body = {"kind": "resident", "name": "Camille Martin", "consent": True}
    agent = sign_in(client, world.office)
    enrolment = client.post("/v1/accounts", json=body, headers=agent).json()["enrolment"]
    path = f"/v1/enrolment-codes/{enrolment['code']}/qr.{suffix}"
    for headers in (agent, sign_in(client, world.treasurer)):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
        assert response.headers["cache-control"] == "no-store"
        assert decode(response.content, media_type).text == enrolment["url"].upper()
    assert client.get(path).status_code == 401
    assert client.get(path, headers=sign_in(client, world.resident())).status_code == 403
    malformed = client.get(f"/v1/enrolment-codes/not-a-code/qr.{suffix}", headers=agent)
    assert malformed.status_code == 422


def test_the_enrolment_address_serves_the_wallet(client: TestClient) -> None:
    for path in ("/E/ABCD-EFGH-JKLM", "/e/abcd-efgh-jklm"):
        page = client.get(path)
        assert page.status_code == 200
        assert 'src="/static/wallet.js"' in page.text


def test_a_member_who_lost_every_device_is_recovered_at_the_office(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=12_00), world.merchant()
    phone = world.new_device(alice)
    world.pay(alice, shop, 2_00)
    agent = sign_in(client, world.office)
    body = {"identity_check": "passport", "note": "photo conforme, vue au comptoir"}
    response = client.post(f"/v1/accounts/{alice.number}/recover", json=body, headers=agent)
    assert response.status_code == 200, response.text
    recovered = response.json()
    code = recovered["enrolment"]["code"]
    assert recovered == {
        "account": alice.account,
        "revoked": [alice.key.kid, phone.key.kid],
        "enrolment": {
            "code": code,
            "expires_at": format_time(world.now + QR_CODE_TTL),
            "url": f"https://{HOST}/E/{code}",
        },
    }
    # the old keys are refused; the new phone enrols on the same account, balance kept
    for old in (alice.key, phone.key):
        assert client.post("/v1/auth/challenge", json={"kid": old.kid}).status_code == 401
    status, device, key = _enrol(client, code)
    assert (status, device["account"]) == (201, alice.account)
    seen = client.get(f"/v1/accounts/{alice.number}", headers=sign_in_key(client, key)).json()
    assert seen["balance"] == 10_00
    history = client.get(
        f"/v1/accounts/{alice.number}/transfers", headers=sign_in_key(client, key)
    ).json()
    assert len(history["items"]) == 2
    recover_acts = [a for a in _acts(world, alice.account) if a[0] == "account.recover"]
    assert recover_acts == [
        (
            "account.recover",
            f"key {world.office.key.kid} (agent)",
            {
                "identity_check": "passport",
                "note": "photo conforme, vue au comptoir",
                "revoked": [alice.key.kid, phone.key.kid],
            },
        )
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"identity_check": "driving-licence"},
        {},
        {"identity_check": "passport", "note": "passeport 18AB12345"},
        {"identity_check": "identity-card", "note": "n° X4RTBPFW4 vu"},
        {"identity_check": "other", "note": "x" * 141},
    ],
)
def test_a_recovery_without_a_proper_identity_check_changes_nothing(
    world: World, client: TestClient, body: dict[str, object]
) -> None:
    alice = world.resident()
    agent = sign_in(client, world.office)
    before = world.row_counts()
    response = client.post(f"/v1/accounts/{alice.number}/recover", json=body, headers=agent)
    assert response.status_code == 422
    assert problem(response) == "invalid-request"
    assert world.row_counts() == before


def test_only_the_office_recovers_a_residents_account(world: World, client: TestClient) -> None:
    alice, shop = world.resident(), world.shop()
    body = {"identity_check": "identity-card"}
    path = f"/v1/accounts/{alice.number}/recover"
    assert client.post(path, json=body).status_code == 401
    for holder in (alice, world.resident(), shop):
        headers = sign_in(client, holder)
        before = world.row_counts()
        assert client.post(path, json=body, headers=headers).status_code == 403
        assert world.row_counts() == before
    # a shop's account is not recovered this way (its owner's keys go through the merchants)
    agent = sign_in(client, world.office)
    refused = client.post(f"/v1/accounts/{shop.number}/recover", json=body, headers=agent)
    assert refused.status_code == 403
    assert client.post(path, json=body, headers=sign_in(client, world.treasurer)).status_code == 200
