"""The auditor's time-boxed, read-only access over HTTP, its access log, and the reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.audit import verify_log
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World

DAY = 86_400
READS = ("/v1/audit/fec", "/v1/audit/beancount", "/v1/audit/journal.csv", "/v1/audit/log")


@pytest.fixture
def auditor(world: World) -> Holder:
    shop = world.shop()
    world.pay(world.resident(balance=40_00), shop, 12_00)
    return world.auditor()


def visits(client: TestClient, world: World) -> list[tuple[str, str, int]]:
    rows = client.get("/v1/audit/visits", headers=sign_in(client, world.treasurer)).json()
    return [(v["method"], v["path"], v["status"]) for v in reversed(rows)]


def test_an_auditor_reads_the_books_and_the_log_inside_its_window(
    world: World, client: TestClient, auditor: Holder, tmp_path: Path
) -> None:
    world.open_window(auditor, days=2)
    headers = sign_in(client, auditor)
    for read in READS:
        response = client.get(read, headers=headers)
        assert response.status_code == 200, response.text
    fec = client.get("/v1/audit/fec?year=2026", headers=headers)
    assert fec.headers["content-type"] == "text/plain; charset=iso-8859-15"
    lines = fec.content.decode("iso8859-15").split("\r\n")[:-1]
    assert lines and all(len(line.split("|")) == 18 for line in lines)
    log = client.get("/v1/audit/log", headers=headers)
    assert log.headers["content-type"] == "application/x-ndjson"
    path = tmp_path / "ledger.log"
    path.write_bytes(log.content)
    assert verify_log(path).entries == world.log_size()
    assert visits(client, world) == [
        *(("GET", p, 200) for p in READS),
        ("GET", "/v1/audit/fec?year=2026", 200),
        ("GET", "/v1/audit/log", 200),
    ]


def test_outside_its_window_an_auditor_is_refused_and_the_refusal_is_logged(
    world: World, client: TestClient, auditor: Holder
) -> None:
    refused = client.get("/v1/audit/fec", headers=sign_in(client, auditor))
    assert (refused.status_code, problem(refused)) == (403, "audit-access-not-granted")
    world.open_window(auditor, days=2)
    world.now += 2 * DAY - 1
    assert client.get("/v1/audit/journal.csv", headers=sign_in(client, auditor)).status_code == 200
    world.now += 1
    expired = client.get("/v1/audit/beancount", headers=sign_in(client, auditor))
    assert (expired.status_code, problem(expired)) == (403, "audit-access-expired")
    evaluation = client.get("/v1/reports/evaluation", headers=sign_in(client, auditor))
    assert problem(evaluation) == "audit-access-expired"
    assert visits(client, world) == [
        ("GET", "/v1/audit/fec", 403),
        ("GET", "/v1/audit/journal.csv", 200),
        ("GET", "/v1/audit/beancount", 403),
        ("GET", "/v1/reports/evaluation", 403),
    ]


def test_an_auditors_reads_of_the_reserve_are_logged_too(
    world: World, client: TestClient, auditor: Holder
) -> None:
    """Not only the /v1/audit routes: every route an auditor may read logs its visits."""
    reserve_reads = (
        "/v1/reserve/dashboard",
        "/v1/reserve/check",
        "/v1/bank-accounts",
        "/v1/bank-statements",
        "/v1/reconversions/waiting",
    )
    refused = client.get("/v1/reserve/dashboard", headers=sign_in(client, auditor))
    assert (refused.status_code, problem(refused)) == (403, "audit-access-not-granted")
    world.open_window(auditor, days=2)
    headers = sign_in(client, auditor)
    for read in reserve_reads:
        response = client.get(read, headers=headers)
        assert response.status_code == 200, (read, response.text)
    missing = client.get("/v1/payout-batches/99", headers=headers)
    assert missing.status_code == 404
    assert visits(client, world) == [
        ("GET", "/v1/reserve/dashboard", 403),
        *(("GET", read, 200) for read in reserve_reads),
        ("GET", "/v1/payout-batches/99", 404),
    ]


def test_the_access_log_is_the_treasurers_alone_and_an_auditors_attempt_is_logged(
    world: World, client: TestClient, auditor: Holder
) -> None:
    world.open_window(auditor, days=2)
    attempt = client.get("/v1/audit/visits", headers=sign_in(client, auditor))
    assert (attempt.status_code, problem(attempt)) == (403, "not-authorized")
    bad_query = client.get("/v1/audit/fec?year=1", headers=sign_in(client, auditor))
    assert bad_query.status_code == 422
    assert client.get("/v1/audit/fec", headers=sign_in(client, world.treasurer)).status_code == 200
    assert visits(client, world) == [  # the treasurer's own reads are not an auditor's visits
        ("GET", "/v1/audit/visits", 403),
        ("GET", "/v1/audit/fec?year=1", 422),
    ]


def test_no_write_route_accepts_an_auditors_token(
    world: World, client: TestClient, auditor: Holder
) -> None:
    world.open_window(auditor, days=2)
    headers = sign_in(client, auditor)
    application = {
        "kind": "business",
        "legal_name": "Librairie du Port",
        "address": "3 quai Galuperie, 64100 Bayonne",
        "activity": "librairie",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
    }
    before = world.row_counts()
    created = client.post("/v1/merchants", json=application, headers=headers)
    assert (created.status_code, problem(created)) == (403, "not-authorized")
    fee = client.put("/v1/fee-rules/business", json={"rate": 500}, headers=headers)
    assert (fee.status_code, problem(fee)) == (403, "not-authorized")
    assert world.row_counts() == before


def test_only_the_treasurer_and_auditors_read_the_books(
    world: World, client: TestClient, auditor: Holder
) -> None:
    assert problem(client.get("/v1/audit/fec")) == "unauthenticated"
    resident = world.resident()
    refused = client.get("/v1/audit/beancount", headers=sign_in(client, resident))
    assert (refused.status_code, problem(refused)) == (403, "not-authorized")
    assert visits(client, world) == []


def test_the_evaluation_report_is_served_as_json_and_csv(
    world: World, client: TestClient, auditor: Holder
) -> None:
    headers = sign_in(client, world.treasurer)
    report = client.get("/v1/reports/evaluation", headers=headers).json()
    assert report["currency"] == "RTZ"
    (month,) = report["months"]
    assert month["month"] == "2026-03"
    assert (month["payments"], month["volume"], month["active_residents"]) == (1, 12_00, 1)
    assert (month["active_merchants"], month["reconversion_rate_bp"]) == (1, 0)
    pilot = report["pilot"]  # March is the running month: nothing judged yet
    assert (pilot["end"], [c["met"] for c in pilot["criteria"]]) == (None, [None] * 5)
    spreadsheet = client.get("/v1/reports/evaluation.csv", headers=headers)
    assert spreadsheet.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        spreadsheet.content.decode("utf-8-sig").splitlines()[1].startswith("2026-03;1;1;1;12,00;")
    )


def test_every_administrative_act_names_the_key_that_did_it(
    world: World, client: TestClient
) -> None:
    from tests.api.test_association_api import APPLICATION

    treasurer = sign_in(client, world.treasurer)
    number = client.post("/v1/merchants", json=APPLICATION, headers=treasurer).json()["account"]
    client.post(f"/v1/merchants/{number}/approve", headers=treasurer)
    rule = {"rate": 150, "minimum": 1, "membership_required": False}
    assert client.put("/v1/fee-rules/business", json=rule, headers=treasurer).status_code == 200
    auditor = world.auditor(days=3)  # granted outside a route: by the server itself
    acts = client.get("/v1/audit/acts", headers=sign_in(client, auditor)).json()
    by_treasurer = f"key {world.treasurer.key.kid} (treasurer)"
    newest = [(a["act"], a["subject"], a["actor"]) for a in acts[:5]]
    assert newest == [
        ("auditor.grant", auditor.key.kid, "server"),
        ("key.code", str(world.treasurer.number), "server"),
        ("fee_rule.set", "business", by_treasurer),
        ("merchant.approve", number, by_treasurer),
        ("account.status", number, by_treasurer),  # the merchant's account opens
    ]
    assert acts[2]["detail"] == {"membership_required": False, "minimum": 1, "rate": 150}
    assert [a["id"] for a in acts] == sorted((a["id"] for a in acts), reverse=True)
    page = client.get(f"/v1/audit/acts?cursor={acts[1]['id']}&limit=1", headers=treasurer)
    assert [a["act"] for a in page.json()] == ["fee_rule.set"]
    alice = world.resident()
    refused = client.get("/v1/audit/acts", headers=sign_in(client, alice))
    assert refused.status_code == 403


def test_the_trail_of_acts_is_append_only(world: World) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for sql in ("UPDATE admin_acts SET actor = 'nobody'", "DELETE FROM admin_acts"):
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
            conn.execute(text(sql))
