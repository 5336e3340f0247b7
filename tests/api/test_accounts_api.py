from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from ledger.auth import auth_message
from ledger.signing import b64url_encode
from tests.api.problems import problem
from tests.support import HOST, Holder, World


def sign_in(client: TestClient, holder: Holder) -> dict[str, str]:
    challenge = client.post("/v1/auth/challenge", json={"kid": holder.key.kid}).json()["challenge"]
    sig = b64url_encode(holder.key.sign(auth_message(HOST, challenge)))
    body = {"kid": holder.key.kid, "challenge": challenge, "sig": sig}
    token = client.post("/v1/auth/token", json=body).json()["access_token"]
    return {"authorization": f"Bearer {token}"}


def test_a_resident_signs_in_and_reads_balance_and_history(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=40_00), world.merchant()
    world.pay(alice, shop, 12_00, memo="Pain et fromage")
    headers = sign_in(client, alice)
    account = client.get(f"/v1/accounts/{alice.number}", headers=headers).json()
    assert account["balance"] == 28_00
    assert account["kind"] == "resident"
    items = client.get(f"/v1/accounts/{alice.number}/transfers", headers=headers).json()["items"]
    assert [(i["direction"], i["amount"], i["type"]) for i in items] == [
        ("out", 12_00, "transfer"),
        ("in", 40_00, "conversion"),
    ]
    assert items[0]["memo"] == "Pain et fromage"
    assert items[0]["counterpart"] == shop.account


def test_history_is_paged_newest_first_with_a_cursor(world: World, client: TestClient) -> None:
    alice, shop = world.resident(balance=40_00), world.merchant()
    for cents in (1_00, 2_00, 3_00):
        world.pay(alice, shop, cents)
    headers = sign_in(client, alice)
    url = f"/v1/accounts/{alice.number}/transfers"
    first = client.get(url, params={"limit": 2}, headers=headers).json()
    second = client.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    amounts = [i["amount"] for i in first["items"] + second["items"]]
    assert amounts == [3_00, 2_00, 1_00, 40_00]
    assert second["next_cursor"] is None


def test_a_resident_never_reads_another_residents_account(world: World, client: TestClient) -> None:
    alice, bob = world.resident(balance=5_00), world.resident(balance=7_00)
    headers = sign_in(client, alice)
    response = client.get(f"/v1/accounts/{bob.number}", headers=headers)
    assert response.status_code == 403
    assert problem(response) == "not-authorized"
    history = client.get(f"/v1/accounts/{bob.number}/transfers", headers=headers)
    assert history.status_code == 403
    anonymous = client.get(f"/v1/accounts/{bob.number}")
    assert anonymous.status_code == 401
    assert problem(anonymous) == "unauthenticated"


def test_anyone_sees_a_merchants_public_card_without_its_balance(
    world: World, client: TestClient
) -> None:
    shop = world.merchant(balance=9_00)
    card = client.get(f"/v1/accounts/{shop.number}").json()
    assert card["kind"] == "merchant"
    assert card["balance"] is None


def test_a_challenge_is_used_once(world: World, client: TestClient) -> None:
    alice = world.resident()
    challenge = client.post("/v1/auth/challenge", json={"kid": alice.key.kid}).json()["challenge"]
    sig = b64url_encode(alice.key.sign(auth_message(HOST, challenge)))
    body = {"kid": alice.key.kid, "challenge": challenge, "sig": sig}
    assert client.post("/v1/auth/token", json=body).status_code == 200
    again = client.post("/v1/auth/token", json=body)
    assert again.status_code == 401
    assert problem(again) == "unauthenticated"


def test_an_expired_challenge_or_a_wrong_signature_gives_no_token(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    challenge = client.post("/v1/auth/challenge", json={"kid": alice.key.kid}).json()["challenge"]
    wrong = b64url_encode(alice.key.sign(auth_message("other.example.org", challenge)))
    response = client.post(
        "/v1/auth/token", json={"kid": alice.key.kid, "challenge": challenge, "sig": wrong}
    )
    assert problem(response) == "invalid-signature"
    world.now += 121
    sig = b64url_encode(alice.key.sign(auth_message(HOST, challenge)))
    late = client.post(
        "/v1/auth/token", json={"kid": alice.key.kid, "challenge": challenge, "sig": sig}
    )
    assert problem(late) == "unauthenticated"


def test_the_token_of_a_revoked_key_opens_nothing(world: World, client: TestClient) -> None:
    alice = world.resident(balance=5_00)
    headers = sign_in(client, alice)
    assert client.get(f"/v1/accounts/{alice.number}", headers=headers).status_code == 200
    world.revoke(alice.key)
    response = client.get(f"/v1/accounts/{alice.number}", headers=headers)
    assert response.status_code == 401
    assert problem(response) == "revoked-key"


def test_an_expired_or_forged_token_is_refused(world: World, client: TestClient) -> None:
    alice = world.resident(balance=5_00)
    headers = sign_in(client, alice)
    world.now += 901
    expired = client.get(f"/v1/accounts/{alice.number}", headers=headers)
    assert problem(expired) == "unauthenticated"
    forged = {"authorization": headers["authorization"][:-4] + "AAAA"}
    assert problem(client.get(f"/v1/accounts/{alice.number}", headers=forged)) == "unauthenticated"
    assert (
        problem(client.get(f"/v1/accounts/{alice.number}", headers={"authorization": "Basic x"}))
        == "unauthenticated"
    )


def test_authentication_is_rate_limited_per_key(world: World, client: TestClient) -> None:
    alice, bob = world.resident(), world.resident()
    for _ in range(10):
        assert client.post("/v1/auth/challenge", json={"kid": alice.key.kid}).status_code == 200
    refused = client.post("/v1/auth/challenge", json={"kid": alice.key.kid})
    assert refused.status_code == 429
    assert problem(refused) == "rate-limited"
    assert refused.headers["retry-after"] == "60"
    assert client.post("/v1/auth/challenge", json={"kid": bob.key.kid}).status_code == 200


def test_an_oversized_request_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/v1/devices", content=b"x" * (65 * 1024), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert problem(response) == "too-large"


def test_an_oversized_body_sent_without_its_length_is_refused_as_it_is_read(
    world: World, client: TestClient
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(70):
            yield b" " * 1024  # whitespace: valid JSON padding, were it let through

    before = world.row_counts()
    response = client.post(
        "/v1/transfers", content=chunks(), headers={"content-type": "application/json"}
    )
    assert (response.status_code, problem(response)) == (413, "too-large")
    assert response.headers["x-frame-options"] == "DENY"
    assert world.row_counts() == before


def test_history_lines_name_the_counterpart_the_office_and_the_method(
    world: World, client: TestClient
) -> None:
    from ledger.persistence.tables import HOLDERS

    alice, shop = world.resident(balance=40_00), world.merchant()
    with world.ledger.unit_of_work() as uow:
        uow.connection.execute(
            HOLDERS.insert(),
            [
                {"account": shop.number, "name": "CAE Hemen Lan"},
                {"account": world.office.number, "name": "Comptoir du Port"},
            ],
        )
        uow.commit()
    paid = world.pay(alice, shop, 12_00)
    world.pay(shop, alice, 2_00, ref=paid.record.id)  # a refund of part of it
    headers = sign_in(client, alice)
    items = client.get(f"/v1/accounts/{alice.number}/transfers", headers=headers).json()["items"]
    assert [(i["type"], i["counterpart_name"], i["ref"] is not None) for i in items[:2]] == [
        ("transfer", "CAE Hemen Lan", True),
        ("transfer", "CAE Hemen Lan", False),
    ]
    top_up = items[2]
    assert (top_up["type"], top_up["method"], top_up["office"], top_up["office_name"]) == (
        "conversion",
        "cash",
        world.office.account,
        "Comptoir du Port",
    )


def test_a_payer_sees_whom_it_pays_before_paying_and_cannot_list_the_members(
    world: World, client: TestClient
) -> None:
    from ledger.persistence.tables import HOLDERS

    alice, bob, shop = world.resident(balance=5_00), world.resident(), world.merchant()
    with world.ledger.unit_of_work() as uow:
        uow.connection.execute(
            HOLDERS.insert(),
            [
                {"account": bob.number, "name": "Camille Martin"},
                {"account": shop.number, "name": "CAE Hemen Lan"},
            ],
        )
        uow.commit()
    assert client.get(f"/v1/accounts/{bob.number}/payee").status_code == 401  # signed in only
    headers = sign_in(client, alice)
    payee = client.get(f"/v1/accounts/{bob.number}/payee", headers=headers).json()
    assert payee == {
        "number": bob.account,
        "kind": "resident",
        "name": "Camille M.",
        "status": "open",
    }
    assert client.get(f"/v1/accounts/{shop.number}/payee", headers=headers).json()["name"] == (
        "CAE Hemen Lan"
    )
    unknown = client.get("/v1/accounts/999999/payee", headers=headers)
    assert unknown.status_code == 404 and problem(unknown) == "unknown-account"
    answers = [
        client.get(f"/v1/accounts/{n}/payee", headers=headers).status_code for n in range(1, 20)
    ]
    assert 429 in answers  # a device tries numbers: it is stopped within a minute
    assert answers.count(429) >= len(answers) - 10
