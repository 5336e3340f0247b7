"""The reserve's bank accounts and statements over HTTP: treasurer only, problems for refusals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.integration.test_banking import DATA, DIGITAL, MARCH, PAPER, bank_conversion, march
from tests.support import World

OCTET = {"content-type": "application/octet-stream"}


def post_file(client: TestClient, headers: dict[str, str], name: str) -> Any:
    return client.post(
        "/v1/bank-statements", content=(DATA / name).read_bytes(), headers={**headers, **OCTET}
    )


def test_the_treasurer_imports_a_statement_and_converts_a_top_up(
    world: World, client: TestClient
) -> None:
    alice = march(world, registered=False)
    headers = sign_in(client, world.treasurer)
    made = client.post(
        "/v1/bank-accounts",
        json={"iban": "FR76 1027 8360 5500 0204 8150 165", "reserve": "digital", "label": "CIC"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert made.json() == {
        "iban": DIGITAL,
        "reserve": "digital",
        "label": "CIC",
        "ledger_account": "11",
    }
    imported = post_file(client, headers, MARCH)
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert (body["iban"], body["lines"], body["matched"], body["open"]) == (DIGITAL, 3, 2, 1)
    number = body["id"]

    listed = client.get("/v1/bank-statements", headers=headers).json()
    assert [(s["id"], s["format"], s["closing_balance"], s["open"]) for s in listed] == [
        (number, "camt.053", 72_00, 1)
    ]
    detail = client.get(f"/v1/bank-statements/{number}", headers=headers).json()
    assert [(i["status"], i["member"]) for i in detail["items"]] == [
        ("matched", None),
        ("matched", None),
        ("open", "1002"),
    ]

    envelope = bank_conversion(world, alice, 50_00).envelope()
    path = f"/v1/bank-statements/{number}/lines/3/conversion"
    converted = client.post(path, json=envelope, headers=headers)
    assert converted.status_code == 201, converted.text
    assert converted.json()["line"]["status"] == "matched"
    again = client.post(path, json=envelope, headers=headers)
    assert (again.status_code, again.json()["entry"]) == (200, converted.json()["entry"])
    assert world.balance(alice) == 70_00

    (digital,) = client.get("/v1/reserve/check", headers=headers).json()
    assert (digital["bank"], digital["expected"], digital["difference"]) == (72_00, 72_00, 0)
    assert digital["balanced"] is True


def test_a_line_is_resolved_with_a_note_and_a_wrong_top_up_is_a_problem(
    world: World, client: TestClient
) -> None:
    alice = march(world)
    headers = sign_in(client, world.treasurer)
    number = post_file(client, headers, MARCH).json()["id"]
    wrong = bank_conversion(world, alice, 49_00).envelope()
    before = world.row_counts()
    refused = client.post(
        f"/v1/bank-statements/{number}/lines/3/conversion", json=wrong, headers=headers
    )
    assert (refused.status_code, problem(refused)) == (422, "top-up-refused")
    assert world.row_counts() == before
    resolved = client.post(
        f"/v1/bank-statements/{number}/lines/3/resolve",
        json={"note": "Virement à rembourser"},
        headers=headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["status"], resolved.json()["note"]) == (
        "resolved",
        "Virement à rembourser",
    )
    twice = client.post(
        f"/v1/bank-statements/{number}/lines/3/resolve", json={"note": "x"}, headers=headers
    )
    assert (twice.status_code, problem(twice)) == (422, "line-not-open")


def test_a_line_is_matched_by_hand_and_a_wrong_target_is_a_problem(
    world: World, client: TestClient
) -> None:
    march(world, deposit=119_50)
    headers = sign_in(client, world.treasurer)
    number = post_file(client, headers, MARCH).json()["id"]
    (digital,) = client.get("/v1/reserve/check", headers=headers).json()
    (deposit,) = digital["in_transit"]
    path = f"/v1/bank-statements/{number}/lines/1/match"
    for body, status, kind in (
        ({"batch": 1, "note": "x"}, 422, "line-match-refused"),  # matched at import already
        ({"entry": deposit["entry"], "batch": 1, "note": "x"}, 400, "malformed"),
        ({"entry": deposit["entry"], "note": ""}, 422, "invalid-request"),
        ({"entry": deposit["entry"], "note": "x", "amount": 1}, 422, "invalid-request"),
        ({"entry": 1.5, "note": "x"}, 422, "invalid-request"),
    ):
        refused = client.post(path, json=body, headers=headers)
        assert (refused.status_code, problem(refused)) == (status, kind), body
    assert (
        client.get(f"/v1/bank-statements/{number}", headers=headers).json()["items"][0]["status"]
        == "open"
    )
    note = "Bordereau de 119,50 €, la banque a compté 120,00 €"
    matched = client.post(path, json={"entry": deposit["entry"], "note": note}, headers=headers)
    assert matched.status_code == 200, matched.text
    line = matched.json()
    assert (line["status"], line["entry"], line["note"]) == ("matched", deposit["entry"], note)
    (digital,) = client.get("/v1/reserve/check", headers=headers).json()
    assert (digital["in_transit"], digital["unexplained"]) == ([], 50)


def test_a_duplicate_file_is_a_conflict_and_writes_nothing(
    world: World, client: TestClient
) -> None:
    march(world)
    headers = sign_in(client, world.treasurer)
    assert post_file(client, headers, MARCH).status_code == 201
    before = world.row_counts()
    again = post_file(client, headers, MARCH)
    assert (again.status_code, problem(again)) == (409, "duplicate-statement")
    assert world.row_counts() == before


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("csv_fr_debit_credit_iso8859-15.csv", 422, "wrong-account"),
        ("csv_fr_sou_digital_2026-04_wrong_opening.csv", 422, "broken-chain"),
    ],
)
def test_a_file_of_another_account_or_out_of_order_is_refused(
    world: World, client: TestClient, name: str, status: int, kind: str
) -> None:
    march(world)
    headers = sign_in(client, world.treasurer)
    post_file(client, headers, MARCH)
    before = world.row_counts()
    refused = post_file(client, headers, name)
    assert (refused.status_code, problem(refused)) == (status, kind)
    assert world.row_counts() == before


def test_a_malformed_file_is_a_bad_request(world: World, client: TestClient) -> None:
    march(world)
    headers = sign_in(client, world.treasurer)
    refused = client.post("/v1/bank-statements", content=b"\x00\x01", headers={**headers, **OCTET})
    assert (refused.status_code, problem(refused)) == (400, "malformed-statement")


ROUTES = [
    ("post", "/v1/bank-accounts", {"iban": PAPER, "reserve": "paper", "label": "CIC"}),
    ("get", "/v1/bank-accounts", None),
    ("post", "/v1/bank-statements", None),
    ("get", "/v1/bank-statements", None),
    ("get", "/v1/bank-statements/1", None),
    ("post", "/v1/bank-statements/1/lines/3/resolve", {"note": "frais"}),
    ("post", "/v1/bank-statements/1/lines/1/match", {"entry": 1, "note": "x"}),
    ("get", "/v1/reserve/check", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_only_the_treasurer_reaches_the_reserve_accounts(
    world: World, client: TestClient, method: str, path: str, body: object
) -> None:
    march(world)
    statement = (DATA / MARCH).read_bytes()
    resident = sign_in(client, world.resident())
    before = world.row_counts()
    for headers, status in ((resident, 403), ({}, 401)):
        if body is None and method == "post":
            response = client.post(path, content=statement, headers={**headers, **OCTET})
        else:
            response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, response.text
    assert world.row_counts() == before


def test_a_top_up_needs_the_treasurers_token_even_with_a_signed_record(
    world: World, client: TestClient
) -> None:
    alice = march(world)
    treasurer = sign_in(client, world.treasurer)
    number = post_file(client, treasurer, MARCH).json()["id"]
    envelope = bank_conversion(world, alice, 50_00).envelope()
    resident = sign_in(client, alice)
    before = world.row_counts()
    response = client.post(
        f"/v1/bank-statements/{number}/lines/3/conversion", json=envelope, headers=resident
    )
    assert response.status_code == 403
    assert world.row_counts() == before
