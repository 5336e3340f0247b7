"""A merchant's business days over HTTP: who sees them, closing, exports, a CAE's view."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.records import sign_record
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World

TODAY = "2026-03-14"  # the World's clock


def test_the_merchant_sees_todays_takings_per_till_and_per_hour(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=50_00), world.shop()
    till = world.cashier(shop)
    payment = world.pay(alice, shop, 12_50, payreq=world.register_request(shop, 12_50))
    world.pay(shop, alice, 2_50, ref=payment.record.id, key=till.key)
    day = client.get(f"/v1/merchants/{shop.number}/days/today", headers=sign_in(client, shop))
    assert day.status_code == 200, day.text
    body = day.json()
    assert (body["date"], body["status"], body["count"], body["credits"]) == (
        TODAY,
        "open",
        1,
        12_50,
    )
    assert (body["refunds"], body["net"]) == (2_50, 10_00)
    assert [t["refunds"] for t in body["tills"] if t["till"] == till.key.kid] == [2_50]
    assert body["hours"] == [{"hour": 11, "payments": 1, "credits": 12_50}]
    assert body["lines"] == []  # listed on request only
    url = f"/v1/merchants/{shop.number}/days/today?lines=true"
    listed = client.get(url, headers=sign_in(client, shop)).json()["lines"]
    assert [(line["direction"], line["amount"]) for line in listed] == [
        ("in", 12_50),
        ("out", 2_50),
    ]
    assert listed[1]["ref"] == payment.record.id


@pytest.mark.parametrize(
    ("reader", "date", "status"),
    [
        ("merchant", TODAY, 200),
        ("merchant", "2026-03-13", 200),
        ("cashier", "today", 200),
        ("cashier", "2026-03-13", 403),
        ("other_merchant", "today", 403),
        ("resident", "today", 403),
        ("treasurer", "today", 403),
        ("anonymous", "today", 401),
    ],
)
def test_who_reads_a_merchants_day(
    world: World, client: TestClient, reader: str, date: str, status: int
) -> None:
    shop = world.shop()
    makers: dict[str, Callable[[], Holder | None]] = {
        "merchant": lambda: shop,
        "cashier": lambda: world.cashier(shop),
        "other_merchant": lambda: world.shop(name="Primeur"),
        "resident": lambda: world.resident(),
        "treasurer": lambda: world.treasurer,
        "anonymous": lambda: None,
    }
    holder = makers[reader]()
    headers = sign_in(client, holder) if holder else {}
    response = client.get(f"/v1/merchants/{shop.number}/days/{date}", headers=headers)
    assert response.status_code == status, response.text


def close(client: TestClient, shop: Holder, declared: int) -> tuple[int, dict[str, Any]]:
    headers = sign_in(client, shop)
    url = f"/v1/merchants/{shop.number}/days/{TODAY}"
    record = client.get(f"{url}/record?declared={declared}", headers=headers).json()["record"]
    envelope = sign_record(record, shop.key).envelope()
    response = client.post(f"{url}/close", json=envelope)
    return response.status_code, response.json()


def test_the_merchant_closes_its_day_with_a_declared_total_once(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=50_00), world.shop()
    world.pay(alice, shop, 20_00)
    status, body = close(client, shop, 19_50)
    assert status == 201, body
    assert (body["day"]["status"], body["day"]["difference"]) == ("closed", -50)
    size = world.log_size()
    status, body = close(client, shop, 20_00)
    assert (status, body["type"]) == (409, "urn:sou:problem:day-closed")
    assert world.log_size() == size


def test_a_day_record_with_other_figures_is_refused(world: World, client: TestClient) -> None:
    alice, shop = world.resident(balance=50_00), world.shop()
    world.pay(alice, shop, 20_00)
    headers = sign_in(client, shop)
    url = f"/v1/merchants/{shop.number}/days/{TODAY}"
    record = client.get(f"{url}/record", headers=headers).json()["record"]
    record["credits"] = 25_00
    response = client.post(f"{url}/close", json=sign_record(record, shop.key).envelope())
    assert response.status_code == 409
    assert problem(response) == "day-statement-changed"


def test_the_accountant_gets_french_csv_and_a_pdf(world: World, client: TestClient) -> None:
    alice, shop = world.resident(balance=5_000_00), world.shop()
    world.pay(alice, shop, 1_234_56)
    headers = sign_in(client, shop)
    url = f"/v1/merchants/{shop.number}"
    lines = client.get(f"{url}/days/{TODAY}/statement.csv", headers=headers)
    assert lines.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(lines.content.decode("utf-8-sig")), delimiter=";"))
    assert "1\u00a0234,56" in rows[1]  # the amount, with a no-break space (ledger.money)
    period = client.get(f"{url}/takings.csv?first=2026-03-13&last=2026-03-15", headers=headers)
    rows = list(csv.reader(io.StringIO(period.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 3 + 1  # header, three days, total
    pdf = client.get(f"{url}/days/{TODAY}/statement.pdf", headers=headers)
    assert pdf.content.startswith(b"%PDF")
    cashier = sign_in(client, world.cashier(shop))
    assert client.get(f"{url}/days/{TODAY}/statement.csv", headers=cashier).status_code == 403


def test_a_cae_sees_the_sum_of_its_entrepreneurs_who_see_only_their_own(
    world: World, client: TestClient
) -> None:
    cae = world.shop(name="CAE Coop'Actions", kind="cae")
    ana = world.shop(name="Ana couture", kind="cae", parent=cae, analytic_code="ANA")
    ben = world.shop(name="Ben vélos", kind="cae", parent=cae, analytic_code="BEN")
    alice = world.resident(balance=100_00)
    world.pay(alice, ana, 30_00)
    world.pay(alice, ben, 12_00)
    view = client.get(f"/v1/merchants/{cae.number}/consolidated", headers=sign_in(client, cae))
    assert view.status_code == 200, view.text
    body = view.json()
    assert [(e["analytic_code"], e["credits"]) for e in body["entrepreneurs"]] == [
        ("ANA", 30_00),
        ("BEN", 12_00),
    ]
    assert (body["credits"], body["balance"]) == (42_00, 42_00)
    assert body["balance"] == world.balance(ana) + world.balance(ben)
    as_ana = sign_in(client, ana)
    assert client.get(f"/v1/merchants/{ben.number}/days/today", headers=as_ana).status_code == 403
    assert client.get(f"/v1/merchants/{cae.number}/consolidated", headers=as_ana).status_code == 403
    as_cae = sign_in(client, cae)
    assert client.get(f"/v1/merchants/{ben.number}/days/today", headers=as_cae).status_code == 200
    theft = world.transfer(ben, ana, 5_00, key=ana.key)
    before = world.row_counts()
    response = client.post("/v1/transfers", json=theft.envelope())
    assert response.status_code == 403
    assert world.row_counts() == before
