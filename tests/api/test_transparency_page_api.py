"""The public transparency page's figures over HTTP: twelve months of aggregates, no person."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from ledger.admin import open_account
from tests.support import T0, World

DAY = 86_400


def _values(node: object) -> list[object]:
    """Every scalar of a JSON document, keys left out."""
    if isinstance(node, dict):
        return [v for value in node.values() for v in _values(value)]
    if isinstance(node, list):
        return [v for value in node for v in _values(value)]
    return [node]


def test_twelve_months_of_aggregates_with_small_months_totals_hidden(
    world: World, client: TestClient
) -> None:
    world.now = T0 - 30 * DAY  # 2026-02-12
    alice, bob = world.resident(balance=100_00), world.resident(balance=40_00)
    shop = world.shop(name="Boulangerie Etchegaray")
    world.pay(alice, shop, 7_00)
    world.pay(bob, shop, 3_00)
    world.now = T0  # 2026-03-14
    for _ in range(6):
        world.pay(alice, shop, 1_50)
    seen = client.get("/v1/transparency").json()
    months = seen["months"]
    assert [m["month"] for m in months] == [
        *(f"2025-{n:02d}" for n in range(4, 13)),
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert months[0] == {
        "month": "2025-04",
        "partial": False,
        "circulation": 0,
        "backing": 0,
        "coverage_bp": None,
        "payments": 0,
        "payments_total": None,
    }
    february, march = months[-2], months[-1]
    assert (february["circulation"], february["backing"], february["coverage_bp"]) == (
        140_00,
        140_00,
        10_000,
    )
    # two payments: their number is public, their total (what one person paid) is not
    assert (february["payments"], february["payments_total"], february["partial"]) == (
        2,
        None,
        False,
    )
    assert (march["payments"], march["payments_total"], march["partial"]) == (6, 9_00, True)
    assert seen["min_payments"] == 5
    assert (seen["residents"], seen["merchants"], seen["approved_merchants"]) == (2, 1, 1)
    assert (seen["circulation"], seen["backing"]) == (140_00, 140_00)  # the totals stay


def test_no_name_account_number_iban_or_single_payment_is_published(
    world: World, client: TestClient
) -> None:
    with world.ledger.unit_of_work() as uow:
        named = open_account(uow, kind="resident", now=world.now, holder_name="Camille Martin")
        uow.commit()
    alice = world.resident(balance=61_23)
    shop = world.shop(name="Boulangerie Etchegaray", balance=2_00)
    world.pay(alice, shop, 17_89)
    body = client.get("/v1/transparency")
    assert body.status_code == 200
    text = json.dumps(body.json())
    for secret in ("Camille", "Martin", "Etchegaray", "FR76", "30006000011234567890189"):
        assert secret not in text
    numbers = {named, alice.number, shop.number, world.treasurer.number}
    assert numbers.isdisjoint(_values(body.json()))
    assert numbers.isdisjoint(_values(body.json()["months"]))
    assert 17_89 not in _values(body.json())  # one payment: its amount is nowhere
