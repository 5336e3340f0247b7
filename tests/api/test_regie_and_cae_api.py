"""A local authority's (régie's) monthly statement, a CAE's consolidated CSV and the list of
past payout batches, over HTTP."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World

DAY = 86_400


def rows_of(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def reconvert(world: World, client: TestClient, shop: Holder, cents: int) -> int:
    """The shop reconverts `cents` (no fee) and the treasurer pays it in a batch of its
    own."""
    treasurer = sign_in(client, world.treasurer)
    record = world.record("reconversion", shop.key, from_=shop.account, amount=cents, fee=0)
    posted = client.post("/v1/reconversions", json=record.envelope())
    assert posted.status_code == 201, posted.text
    (waiting,) = client.get("/v1/reconversions/waiting", headers=treasurer).json()
    payout = world.record(
        "payout", world.treasurer.key, reconversion=waiting["record_id"], amount=waiting["net"]
    )
    made = client.post(
        "/v1/payout-batches", json={"payouts": [payout.envelope()]}, headers=treasurer
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def cheap_reconversions(world: World, client: TestClient, kind: str) -> None:
    rule = {"rate": 0, "minimum": 1, "membership_required": False}
    headers = sign_in(client, world.treasurer)
    response = client.put(f"/v1/fee-rules/{kind}", json=rule, headers=headers)
    assert response.status_code == 200, response.text


def test_a_regie_reads_its_month_tied_to_the_log(world: World, client: TestClient) -> None:
    regie = world.shop(name="Régie de la piscine", kind="local_authority")
    till = world.cashier(regie)
    alice = world.resident(balance=100_00)
    world.deposit(100_00)
    cheap_reconversions(world, client, "local_authority")
    paid = world.pay(alice, regie, 30_00)
    world.pay(regie, alice, 5_00, ref=paid.record.id, key=till.key)
    batch = reconvert(world, client, regie, 10_00)
    world.now += 20 * DAY  # 2026-04-03
    world.pay(alice, regie, 7_00)
    own = sign_in(client, regie)
    url = f"/v1/merchants/{regie.number}/months"

    march = client.get(f"{url}/2026-03", headers=own)
    assert march.status_code == 200, march.text
    m = march.json()
    assert (m["month"], m["complete"], len(m["days"])) == ("2026-03", True, 31)
    assert (m["opening"], m["count"], m["credits"], m["refunds"], m["net"]) == (
        0,
        1,
        30_00,
        5_00,
        25_00,
    )
    assert [(r["amount"], r["net"], r["batch"], r["status"]) for r in m["reconversions"]] == [
        (10_00, 10_00, batch, "approved")
    ]
    assert (m["reconverted"], m["other"], m["closing"]) == (10_00, 0, 15_00)
    assert m["opening"] + m["net"] - m["reconverted"] + m["other"] == m["closing"]
    (busy,) = [d for d in m["days"] if d["count"]]
    assert busy["date"] == "2026-03-14"
    assert m["first_entry"] is not None and m["last_entry"] < m["log_size"]
    assert "alice" not in march.text and str(alice.number) not in march.text  # no payer

    april = client.get(f"{url}/2026-04", headers=sign_in(client, world.treasurer)).json()
    assert (april["opening"], april["net"], april["closing"], april["complete"]) == (
        15_00,
        7_00,
        22_00,
        False,
    )
    assert len(april["days"]) == 3  # up to today

    statement = client.get(f"{url}/2026-03/statement.csv", headers=own)
    assert statement.headers["content-type"].startswith("text/csv")
    rows = rows_of(statement.content)
    assert ["Solde d’ouverture", "0,00"] in rows
    assert ["Solde de clôture", "15,00"] in rows
    assert ["Total", "1", "30,00", "5,00", "25,00"] in rows
    assert rows[3][0] == "Journée" and len([r for r in rows if r[0].endswith("/03/2026")]) == 31

    assert problem(client.get(f"{url}/2026-05", headers=own)) == "invalid-day"
    assert client.get(f"{url}/2026-13", headers=own).status_code == 422
    assert client.get(f"{url}/2026-3", headers=own).status_code == 422


def test_only_the_regie_and_the_treasurer_read_its_months(world: World, client: TestClient) -> None:
    regie = world.shop(name="Régie des cantines", kind="local_authority")
    shop = world.shop()
    url = f"/v1/merchants/{regie.number}/months/2026-03"
    for caller in (shop, world.resident(), world.cashier(regie)):
        assert client.get(url, headers=sign_in(client, caller)).status_code == 403
    assert client.get(url).status_code == 401
    treasurer = sign_in(client, world.treasurer)
    assert client.get(url, headers=treasurer).status_code == 200
    business = client.get(f"/v1/merchants/{shop.number}/months/2026-03", headers=treasurer)
    assert (business.status_code, problem(business)) == (422, "invalid-day")


def test_a_cae_downloads_its_entrepreneurs_period(world: World, client: TestClient) -> None:
    cae = world.shop(name="CAE Coop'Actions", kind="cae")
    ana = world.shop(name="Ana couture", kind="cae", parent=cae, analytic_code="ANA")
    ben = world.shop(name="=Ben vélos", kind="cae", parent=cae, analytic_code="BEN")
    alice = world.resident(balance=100_00)
    world.pay(alice, ana, 30_00)
    world.pay(alice, ben, 1_234)
    url = f"/v1/merchants/{cae.number}/consolidated.csv?first=2026-03-01&last=2026-03-14"
    response = client.get(url, headers=sign_in(client, cae))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = rows_of(response.content)
    assert rows[0][:2] == ["Code analytique", "Entrepreneur"]
    assert rows[1] == ["ANA", "Ana couture", ana.account, "1", "30,00", "0,00", "30,00", "30,00"]
    assert rows[2][:2] == ["BEN", "'=Ben vélos"]  # not a formula
    assert rows[3] == ["Total", "", "", "2", "42,34", "0,00", "42,34", "42,34"]
    before = client.get(
        f"/v1/merchants/{cae.number}/consolidated.csv?first=2026-03-01&last=2026-03-13",
        headers=sign_in(client, cae),
    )
    assert rows_of(before.content)[3] == ["Total", "", "", "0", "0,00", "0,00", "0,00", "0,00"]
    assert client.get(url, headers=sign_in(client, ana)).status_code == 403
    assert client.get(url, headers=sign_in(client, world.treasurer)).status_code == 403
    shop = world.shop()
    other = f"/v1/merchants/{shop.number}/consolidated.csv?first=2026-03-01&last=2026-03-14"
    assert problem(client.get(other, headers=sign_in(client, shop))) == "invalid-day"
    long = f"/v1/merchants/{cae.number}/consolidated.csv?first=2025-01-01&last=2026-03-14"
    assert problem(client.get(long, headers=sign_in(client, cae))) == "invalid-day"


def test_the_console_lists_past_payout_batches_newest_first(
    world: World, client: TestClient
) -> None:
    shop = world.shop(balance=100_00)
    world.deposit(100_00)
    cheap_reconversions(world, client, "business")
    treasurer = sign_in(client, world.treasurer)
    assert client.get("/v1/payout-batches", headers=treasurer).json() == {
        "batches": [],
        "next_before": None,
    }
    ids = [reconvert(world, client, shop, cents) for cents in (10_00, 20_00, 30_00)]
    client.post(f"/v1/payout-batches/{ids[0]}/executed", headers=treasurer)
    page = client.get("/v1/payout-batches?limit=2", headers=treasurer).json()
    assert [(b["id"], b["count"], b["total"], b["status"]) for b in page["batches"]] == [
        (ids[2], 1, 30_00, "approved"),
        (ids[1], 1, 20_00, "approved"),
    ]
    assert page["batches"][0]["executed"] is None and page["batches"][0]["created"]
    assert page["next_before"] == ids[1]
    rest = client.get(f"/v1/payout-batches?limit=2&before={ids[1]}", headers=treasurer).json()
    ((oldest,),) = [rest["batches"]]
    assert (oldest["id"], oldest["status"], rest["next_before"]) == (ids[0], "executed", None)
    assert oldest["executed"] is not None
    assert client.get("/v1/payout-batches", headers=sign_in(client, shop)).status_code == 403
    assert client.get("/v1/payout-batches?limit=0", headers=treasurer).status_code == 422
