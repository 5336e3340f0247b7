"""What a client and an operator see of a balance edited in the database (ledger.integrity):
the payment is a 423 problem, the account's balance is not shown, /readyz is not ready and
/metrics counts the failure."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import World
from wallet_api import observability


def test_an_edited_balance_is_a_problem_to_the_payer_and_an_alarm_to_the_operator(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    headers = sign_in(client, alice)
    with world.engine.begin() as conn:
        conn.execute(
            text("UPDATE accounts SET credits = credits + 1000000 WHERE number = :n"),
            {"n": alice.number},
        )
    response = client.post("/v1/transfers", json=world.transfer(alice, shop, 5_00).envelope())
    assert response.status_code == 423
    assert problem(response) == "account-quarantined"
    shown = client.get(f"/v1/accounts/{alice.number}", headers=headers)
    assert (shown.status_code, problem(shown)) == (423, "account-quarantined")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "quarantined" in ready.json()["checks"]["integrity"]
    metrics = observability.scrape(world.ledger)[0].decode()
    assert "sou_integrity_failures 1.0" in metrics
    assert "sou_circulation_cents" not in metrics  # wrong figures are not published


def test_a_sound_ledger_is_checked_at_start_and_ready(world: World, client: TestClient) -> None:
    assert cast(FastAPI, client.app).state.self_checker.runs == 1
    assert client.get("/readyz").json()["checks"]["integrity"] == "ok"
    assert "sou_integrity_failures 0.0" in observability.scrape(world.ledger)[0].decode()
