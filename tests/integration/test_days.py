"""Closing a business day in the ledger: who may, once per date, with consistent figures."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import DayAlreadyClosed, InvalidDay, MalformedRecord, NotAuthorized
from tests.integration.test_rejections import refused
from tests.support import Holder, World


def _trading_day(world: World) -> tuple[Holder, dict[str, Any]]:
    alice, shop = world.resident(balance=30_00), world.merchant()
    first = world.pay(alice, shop, 12_50)
    last = world.pay(shop, alice, 2_50, ref=first.record.id)
    figures = {
        "first_entry": first.index,
        "last_entry": last.index,
        "count": 1,
        "credits": 12_50,
        "refunds": 2_50,
        "debits": 2_50,
    }
    return shop, figures


def test_a_merchant_closes_a_day_once_and_a_retry_is_the_same_entry(world: World) -> None:
    shop, figures = _trading_day(world)
    record = world.day(shop, "2026-03-14", declared=12_50, **figures)
    closed = world.post(record)
    again = world.post(record)
    assert (again.index, again.retry) == (closed.index, True)
    with refused(world, DayAlreadyClosed):
        world.post(world.day(shop, "2026-03-14", declared=10_00, **figures))


def test_the_next_day_and_another_merchants_day_are_separate(world: World) -> None:
    shop, figures = _trading_day(world)
    world.post(world.day(shop, "2026-03-14", **figures))
    world.post(world.day(shop, "2026-03-15"))
    world.post(world.day(world.merchant(), "2026-03-14"))


@pytest.mark.parametrize("signer", ["cashier", "resident", "other_merchant", "treasurer"])
def test_only_the_merchants_own_key_closes_its_day(world: World, signer: str) -> None:
    shop, figures = _trading_day(world)
    key = {
        "cashier": lambda: world.cashier(shop).key,
        "resident": lambda: world.resident().key,
        "other_merchant": lambda: world.merchant().key,
        "treasurer": lambda: world.treasurer.key,
    }[signer]()
    with refused(world, NotAuthorized):
        world.post(world.day(shop, "2026-03-14", key=key, **figures))


def test_a_resident_has_no_business_day(world: World) -> None:
    alice = world.resident()
    with refused(world, NotAuthorized):
        world.post(world.day(alice, "2026-03-14"))


@pytest.mark.parametrize(
    "change",
    [
        {"last_entry": None},  # a first entry without a last
        {"first_entry": None, "last_entry": None},  # movements without entries
        {"last_entry": 10_000},  # an entry after the closing itself
        {"refunds": 5_00},  # more refunded than paid out
        {"count": 0},  # money received from no payment
    ],
)
def test_inconsistent_figures_are_refused(world: World, change: dict[str, Any]) -> None:
    shop, figures = _trading_day(world)
    with refused(world, InvalidDay):
        world.post(world.day(shop, "2026-03-14", **{**figures, **change}))


@pytest.mark.parametrize("date", ["2026-02-30", "2026-3-14", "14/03/2026"])
def test_a_day_that_is_not_a_calendar_date_is_malformed(world: World, date: str) -> None:
    shop = world.merchant()
    with refused(world, MalformedRecord):
        world.post(world.day(shop, date))
