"""The treasurer reviews merchant applications (approved, or refused with a reason), edits a
merchant's card (each change an act, old → new) and its tills; the public directory lists the
approved merchants with their public fields only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.signing import SigningKey
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import World

IBAN = "FR76 3000 6000 0112 3456 7890 189"
OTHER_IBAN = "FR7630004000031234567890143"


def application(name: str, activity: str) -> dict[str, Any]:
    return {
        "kind": "business",
        "legal_name": name,
        "address": "3 place des Halles, 64100 Bayonne",
        "activity": activity,
        "iban": IBAN,
    }


def apply(client: TestClient, treasurer: dict[str, str], name: str, activity: str) -> int:
    response = client.post("/v1/merchants", json=application(name, activity), headers=treasurer)
    assert response.status_code == 201, response.text
    return int(response.json()["account"])


def acts(client: TestClient, treasurer: dict[str, str], subject: int) -> list[dict[str, Any]]:
    found = client.get("/v1/audit/acts?limit=200", headers=treasurer).json()
    return [a for a in found if a["subject"] == str(subject)]


def listed(client: TestClient, treasurer: dict[str, str], status: str) -> list[str]:
    response = client.get(f"/v1/merchants?status={status}", headers=treasurer)
    assert response.status_code == 200, response.text
    return [a["legal_name"] for a in response.json()["applications"]]


def test_applications_are_listed_by_where_they_stand(world: World, client: TestClient) -> None:
    treasurer = sign_in(client, world.treasurer)
    fish = apply(client, treasurer, "Poissonnerie Uhaina", "poissonnerie")
    bread = apply(client, treasurer, "Boulangerie Ogia", "boulangerie")
    apply(client, treasurer, "Librairie Liburu", "librairie")
    assert client.post(f"/v1/merchants/{bread}/approve", headers=treasurer).status_code == 200
    refused = client.post(
        f"/v1/merchants/{fish}/refuse", json={"reason": "Hors du territoire"}, headers=treasurer
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["decision"] == "refused"
    assert refused.json()["refusal_reason"] == "Hors du territoire"
    assert listed(client, treasurer, "pending") == ["Librairie Liburu"]
    assert listed(client, treasurer, "approved") == ["Boulangerie Ogia"]
    assert listed(client, treasurer, "refused") == ["Poissonnerie Uhaina"]
    one = client.get("/v1/merchants?status=refused", headers=treasurer).json()["applications"][0]
    assert one["activity"] == "poissonnerie"
    assert one["address"].startswith("3 place des Halles")
    assert one["applied"].endswith("Z")
    assert acts(client, treasurer, fish)[0]["act"] == "merchant.refuse"
    assert acts(client, treasurer, fish)[0]["detail"] == {"reason": "Hors du territoire"}
    assert client.get("/v1/merchants?status=closed", headers=treasurer).status_code == 422


def test_a_refused_merchant_stays_frozen_and_is_decided_once(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    number = apply(client, treasurer, "Garage Motor", "garage")
    reason = {"reason": "Activité hors de la charte"}
    assert client.post(f"/v1/merchants/{number}/refuse", json=reason, headers=treasurer).is_success
    assert client.get(f"/v1/accounts/{number}/payee", headers=treasurer).json()["status"] != "open"
    before = world.row_counts()
    for path, body in (("refuse", reason), ("approve", None)):
        again = client.post(f"/v1/merchants/{number}/{path}", json=body, headers=treasurer)
        assert (again.status_code, problem(again)) == (409, "merchant-already-decided")
        assert again.json()["decision"] == "refused"
    approved = apply(client, treasurer, "Café Kafe", "café")
    client.post(f"/v1/merchants/{approved}/approve", headers=treasurer)
    before = world.row_counts()
    late = client.post(f"/v1/merchants/{approved}/refuse", json=reason, headers=treasurer)
    assert (late.status_code, problem(late)) == (409, "merchant-already-decided")
    assert world.row_counts() == before


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        (None, 422, "invalid-request"),
        ({}, 422, "invalid-request"),
        ({"reason": ""}, 422, "invalid-request"),
        ({"reason": "x" * 281}, 422, "invalid-request"),
        ({"reason": "   "}, 400, "malformed"),
    ],
)
def test_a_refusal_needs_a_reason_and_without_one_writes_nothing(
    world: World, client: TestClient, body: dict[str, Any] | None, status: int, kind: str
) -> None:
    treasurer = sign_in(client, world.treasurer)
    number = apply(client, treasurer, "Bar Txoko", "bar")
    before = world.row_counts()
    response = client.post(f"/v1/merchants/{number}/refuse", json=body, headers=treasurer)
    assert (response.status_code, problem(response)) == (status, kind)
    assert world.row_counts() == before
    assert listed(client, treasurer, "pending") == ["Bar Txoko"]


def test_each_card_edit_is_one_act_listing_old_and_new_values(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    number = apply(client, treasurer, "Épicerie Denda", "épicerie")
    change = {
        "address": "8 rue Pannecau, 64100 Bayonne",
        "activity": "épicerie fine",
        "iban": OTHER_IBAN,
        "closing_minutes": 120,
        "latitude_e6": 43_490_312,
        "longitude_e6": -1_474_201,
    }
    response = client.patch(f"/v1/merchants/{number}/card", json=change, headers=treasurer)
    assert response.status_code == 200, response.text
    card = response.json()["merchant"]
    assert (card["address"], card["activity"], card["iban"]) == (
        change["address"],
        "épicerie fine",
        OTHER_IBAN,
    )
    assert (card["closing_minutes"], card["latitude_e6"], card["longitude_e6"]) == (
        120,
        43_490_312,
        -1_474_201,
    )
    act = acts(client, treasurer, number)[0]
    assert act["act"] == "merchant.card"
    assert act["detail"]["changed"] == {
        "address": {"from": "3 place des Halles, 64100 Bayonne", "to": change["address"]},
        "activity": {"from": "épicerie", "to": "épicerie fine"},
        "iban": {"from": "FR76 •••• 0189", "to": "FR76 •••• 0143"},
        "bic": {"from": "AGRIFRPPXXX", "to": "BNPAFRPP"},  # the IBAN's bank, found by its code
        "closing_minutes": {"from": 0, "to": 120},
        "latitude_e6": {"from": None, "to": 43_490_312},
        "longitude_e6": {"from": None, "to": -1_474_201},
    }
    assert "30006000011234567890189" not in str(act) and "3000400003" not in str(act)
    count = len(acts(client, treasurer, number))
    same = client.patch(f"/v1/merchants/{number}/card", json=change, headers=treasurer)
    assert same.json()["changed"] == {}
    assert len(acts(client, treasurer, number)) == count  # nothing changed: no act
    moved = client.patch(
        f"/v1/merchants/{number}/card", json={"clear_position": True}, headers=treasurer
    )
    assert moved.json()["merchant"]["latitude_e6"] is None
    assert set(acts(client, treasurer, number)[0]["detail"]["changed"]) == {
        "latitude_e6",
        "longitude_e6",
    }


@pytest.mark.parametrize(
    ("change", "status", "kind"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188", "activity": "bar"}, 400, "invalid-iban"),
        ({"iban": "US12 3456 7890 1234 5678 90"}, 400, "invalid-iban"),
        ({"activity": "   ", "closing_minutes": 60}, 400, "malformed"),
        ({"latitude_e6": 43_000_000}, 400, "malformed"),
        ({"latitude_e6": 91_000_000, "longitude_e6": 0}, 422, "invalid-request"),
        ({"closing_minutes": 1440}, 422, "invalid-request"),
        ({"legal_name": "Autre"}, 422, "invalid-request"),
    ],
)
def test_a_bad_card_edit_is_refused_and_changes_nothing(
    world: World, client: TestClient, change: dict[str, Any], status: int, kind: str
) -> None:
    treasurer = sign_in(client, world.treasurer)
    number = apply(client, treasurer, "Bar Txoko", "bar à vin")
    before = (world.row_counts(), client.get(f"/v1/merchants/{number}/profile", headers=treasurer))
    response = client.patch(f"/v1/merchants/{number}/card", json=change, headers=treasurer)
    assert (response.status_code, problem(response)) == (status, kind)
    after = client.get(f"/v1/merchants/{number}/profile", headers=treasurer)
    assert (world.row_counts(), after.json()) == (before[0], before[1].json())


def test_a_card_of_no_merchant_is_not_found(world: World, client: TestClient) -> None:
    treasurer = sign_in(client, world.treasurer)
    resident = world.resident()
    response = client.patch(
        f"/v1/merchants/{resident.number}/card", json={"activity": "x"}, headers=treasurer
    )
    assert (response.status_code, problem(response)) == (404, "unknown-merchant")


def test_the_tills_show_their_refund_limits_and_a_new_limit_is_a_new_till(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    shop = world.shop()
    till = world.cashier(shop, refund_limit=20_00)
    listed_tills = client.get(f"/v1/merchants/{shop.number}/tills", headers=treasurer).json()
    assert [(t["kid"], t["refund_limit"], t["status"]) for t in listed_tills["tills"]] == [
        (till.key.kid, 20_00, "active")
    ]
    issued = client.post(
        f"/v1/merchants/{shop.number}/tills", json={"refund_limit": 35_00}, headers=treasurer
    )
    assert issued.status_code == 201, issued.text
    code = issued.json()["enrolment_code"]
    public_key = SigningKey.generate().public_bytes.hex()
    enrolled = client.post(
        "/v1/devices", json={"enrolment_code": code, "public_key": public_key, "label": "Caisse 2"}
    )
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["role"] == "cashier"
    revoked = client.post(
        f"/v1/accounts/{shop.number}/devices/{till.key.kid}/revoke", headers=treasurer
    )
    assert revoked.status_code == 200
    tills = client.get(f"/v1/merchants/{shop.number}/tills", headers=treasurer).json()["tills"]
    assert [(t["label"], t["refund_limit"], t["status"]) for t in tills] == [
        ("Caisse 2", 35_00, "active"),
        (None, 20_00, "revoked"),
    ]
    pending = apply(client, treasurer, "Bar Txoko", "bar")
    early = client.post(
        f"/v1/merchants/{pending}/tills", json={"refund_limit": 10_00}, headers=treasurer
    )
    assert (early.status_code, problem(early)) == (422, "merchant-not-approved")


PUBLIC_FIELDS = {"account", "name", "activity", "address", "latitude_e6", "longitude_e6"}


def test_the_directory_lists_only_approved_merchants_with_public_fields(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    grocer = apply(client, treasurer, "Épicerie Denda", "Épicerie fine")
    baker = apply(client, treasurer, "Boulangerie Ogia", "boulangerie")
    refused = apply(client, treasurer, "Garage Motor", "épicerie de nuit")
    apply(client, treasurer, "Librairie Liburu", "épicerie et livres")  # pending
    for number in (grocer, baker):
        client.post(f"/v1/merchants/{number}/approve", headers=treasurer)
    client.post(f"/v1/merchants/{refused}/refuse", json={"reason": "non"}, headers=treasurer)
    client.patch(
        f"/v1/merchants/{grocer}/card",
        json={"latitude_e6": 43_490_312, "longitude_e6": -1_474_201},
        headers=treasurer,
    )
    response = client.get("/v1/directory")  # no token
    assert response.status_code == 200
    body = response.json()
    assert [m["name"] for m in body["merchants"]] == ["Boulangerie Ogia", "Épicerie Denda"]
    assert all(set(m) == PUBLIC_FIELDS for m in body["merchants"])
    assert "FR76" not in response.text and "3000" not in response.text
    assert "business" not in response.text and "pending" not in response.text
    assert body["activities"] == ["boulangerie", "Épicerie fine"]
    grocery = client.get("/v1/directory", params={"activity": "ÉPICERIE"}).json()["merchants"]
    assert grocery == [
        {
            "account": str(grocer),
            "name": "Épicerie Denda",
            "activity": "Épicerie fine",
            "address": "3 place des Halles, 64100 Bayonne",
            "latitude_e6": 43_490_312,
            "longitude_e6": -1_474_201,
        }
    ]
    unaccented = client.get("/v1/directory", params={"activity": "epicerie"}).json()
    assert unaccented["merchants"] == grocery
    assert client.get("/v1/directory?activity=fleuriste").json()["merchants"] == []
    assert client.get("/v1/directory", params={"activity": "x" * 141}).status_code == 422


def test_only_the_pages_with_a_map_may_load_openstreetmap_tiles(client: TestClient) -> None:
    tiles = "https://tile.openstreetmap.org"
    for path in ("/annuaire", "/association"):
        response = client.get(path)
        assert response.status_code == 200
        policies = response.headers.get_list("content-security-policy")
        assert len(policies) == 1 and f"img-src 'self' data: {tiles};" in policies[0]
        assert "default-src 'self'" in policies[0]
    for path in ("/", "/till", "/v1/directory"):
        policies = client.get(path).headers.get_list("content-security-policy")
        assert len(policies) == 1 and tiles not in policies[0]
    assert "/annuaire" in client.get("/").text  # the wallet links to the directory
