"""When the database does not answer (a restart, a failover), a request gets a retryable
`503 database-unavailable` problem, never a bare 500, and a payment sent again as is gets its
one receipt once the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from ledger import queries
from tests.api.problems import problem
from tests.support import World
from wallet_api import batcher
from wallet_api.app import create_app


def _gone(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.ledger), raise_server_exceptions=False) as client:
        yield client


def test_a_payment_during_an_outage_is_refused_as_retryable_and_posts_once_after(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer, shop = world.resident(balance=10_00), world.merchant()
    envelope = world.transfer(payer, shop, 2_50).envelope()
    size = world.log_size()
    with monkeypatch.context() as outage:
        outage.setattr(batcher, "post_records", _gone)
        refused = client.post("/v1/transfers", json=envelope)
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"
    assert problem(refused) == "database-unavailable"
    assert "server closed" not in refused.text  # the driver's text stays in the server's log
    assert world.log_size() == size

    accepted = client.post("/v1/transfers", json=envelope)
    assert accepted.status_code == 201
    again = client.post("/v1/transfers", json=envelope)
    assert again.status_code == 200 and again.json() == accepted.json()
    assert world.log_size() == size + 1
    assert world.balance(payer) == 7_50


def test_any_route_answers_a_lost_database_with_the_same_problem(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = world.merchant()
    monkeypatch.setattr(queries, "account_view", _gone)
    response = client.get(f"/v1/accounts/{shop.number}")
    assert response.status_code == 503
    assert problem(response) == "database-unavailable"
