"""`GET /healthz` says the process answers; `GET /readyz` says it may take traffic, and when it
may not, which of its four checks failed, as a 503 problem."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ledger.checkpoint import sign_checkpoint
from ledger.context import Ledger
from ledger.signing import SigningKey
from tests.support import World
from wallet_api.app import create_app

CHECKS = {"database", "migrations", "ledger_key", "log", "integrity"}


def test_healthz_answers_without_the_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_fresh_ledger_with_a_checkpoint_is_ready(world: World, client: TestClient) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    world.pay(alice, shop, 5_00)
    client.get("/v1/log/checkpoint")  # signs one for the current size
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": dict.fromkeys(CHECKS, "ok")}


def _not_ready(client: TestClient) -> dict[str, str]:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:sou:problem:not-ready"
    checks: dict[str, str] = body["checks"]
    assert set(checks) <= CHECKS
    return checks


def test_a_schema_behind_the_migrations_is_not_ready(world: World, client: TestClient) -> None:
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    checks = _not_ready(client)
    assert checks["database"] == "ok"
    assert "sou db upgrade" in checks["migrations"]


@pytest.fixture
def other_key(world: World) -> Iterator[TestClient]:
    """The service over the same database, signing with a key the genesis does not name."""
    ledger = world.ledger
    stranger = Ledger(ledger.engine, ledger.host, ledger.currency, SigningKey.generate())
    with TestClient(create_app(stranger)) as client:
        yield client


def test_a_ledger_key_that_is_not_the_genesis_s_is_not_ready(
    world: World, client: TestClient, other_key: TestClient
) -> None:
    client.get("/v1/log/checkpoint")
    checks = _not_ready(other_key)
    assert checks["ledger_key"] == "the ledger key loaded is not the one the genesis names"
    assert "does not verify" in checks["log"]


def test_a_checkpoint_the_stored_tree_does_not_match_is_not_ready(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    world.pay(alice, shop, 5_00)
    ledger = world.ledger
    with ledger.unit_of_work() as uow:
        size = uow.store.size()
        forged = sign_checkpoint(
            ledger.origin,
            size,
            hashlib.sha256(b"another history").digest(),
            name=ledger.origin,
            private_key=ledger.key.private_key,
        )
        uow.store.add_checkpoint(size, forged.root, forged.text, now=world.now)
        uow.commit()
    checks = _not_ready(client)
    assert checks["log"] == f"the stored tree's root at size {size} is not the checkpoint's"
    assert checks["ledger_key"] == "ok"
