"""A merchant's business days from the log: statements, closing hours, closing the day."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import DayAlreadyClosed
from ledger.money import format_fr
from ledger.records import SignedRecord, sign_record
from merchants.business_day import day_bounds
from merchants.days import Day, close_day, load_day, load_period, record_for
from merchants.errors import DayNotOver, DayStatementChanged
from merchants.exports import takings_csv
from merchants.takings import period_totals, receipts_root
from tests.databases import Templates
from tests.integration.test_rejections import refused
from tests.support import Holder, World

MARCH_14 = dt.date(2026, 3, 14)  # the day of the World's clock (T0 = 10:15 UTC)


def signed_day(
    world: World, shop: Holder, date: dt.date, declared: int | None = None
) -> SignedRecord:
    with world.ledger.unit_of_work(write=False) as uow:
        record = record_for(
            uow, account=shop.number, date=date, kid=shop.key.kid, declared=declared
        )
    return sign_record(record, shop.key)


def close(world: World, record: SignedRecord) -> int:
    with world.ledger.unit_of_work() as uow:
        posted = close_day(uow, record=record, now=world.now)
        uow.commit()
    return posted.index


def statement(world: World, shop: Holder, date: dt.date = MARCH_14) -> Day:
    with world.ledger.unit_of_work(write=False) as uow:
        return load_day(uow, account=shop.number, date=date)


def test_a_days_statement_counts_payments_refunds_and_tills(world: World) -> None:
    alice, bob = world.resident(balance=100_00), world.resident(balance=100_00)
    shop, other = world.shop(), world.shop(name="Primeur")
    till = world.cashier(shop, refund_limit=10_00)
    first = world.pay(alice, shop, 12_50, payreq=world.register_request(shop, 12_50))
    world.now += 3600
    world.pay(bob, shop, 7_00)
    world.pay(shop, alice, 2_50, ref=first.record.id, key=till.key)
    world.pay(shop, other, 4_00)  # a merchant pays another: a debit, not a refund
    day = statement(world, shop)
    s = day.statement
    assert (s.count, s.credits, s.refunds, s.debits, s.net) == (2, 19_50, 2_50, 6_50, 17_00)
    assert (s.first_entry, s.last_entry) == (first.index, day.lines[-1].entry)
    assert s.per_hour == {11: (1, 12_50), 12: (1, 7_00)}  # Paris time, UTC+1 in March
    assert s.per_till[till.key.kid].refunds == 2_50
    assert s.receipts_root == receipts_root(line.receipt for line in day.lines)


def test_a_payment_one_second_before_closing_is_today_and_one_second_after_tomorrow(
    world: World,
) -> None:
    alice, shop = world.resident(balance=10_00), world.shop(closing_minutes=2 * 60)
    _, end = day_bounds(MARCH_14, 2, 0)
    world.now = end - 1
    world.pay(alice, shop, 1_00)
    world.now = end
    world.pay(alice, shop, 2_00)
    assert statement(world, shop).statement.credits == 1_00
    assert statement(world, shop, MARCH_14 + dt.timedelta(days=1)).statement.credits == 2_00


def test_closing_posts_the_merchants_signed_figures_once(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.shop()
    world.pay(alice, shop, 20_00)
    record = signed_day(world, shop, MARCH_14, declared=19_00)
    entry = close(world, record)
    assert close(world, record) == entry  # a retry
    closed = statement(world, shop)
    assert closed.closed_entry == entry and closed.statement.difference == -1_00
    with refused(world, DayAlreadyClosed):
        close(world, signed_day(world, shop, MARCH_14, declared=20_00))


def test_payments_after_an_early_closing_go_to_the_next_day(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.shop()
    world.pay(alice, shop, 10_00)
    close(world, signed_day(world, shop, MARCH_14))
    world.now += 60
    late = world.pay(alice, shop, 3_00)
    assert statement(world, shop).statement.credits == 10_00
    tomorrow = statement(world, shop, MARCH_14 + dt.timedelta(days=1)).statement
    assert (tomorrow.credits, tomorrow.first_entry) == (3_00, late.index)


def test_a_payment_between_the_statement_and_its_closing_makes_the_closing_fail(
    world: World,
) -> None:
    alice, shop = world.resident(balance=50_00), world.shop()
    world.pay(alice, shop, 10_00)
    record = signed_day(world, shop, MARCH_14)
    world.pay(alice, shop, 1_00)
    with refused(world, DayStatementChanged):
        close(world, record)


def test_a_day_that_has_not_started_cannot_be_closed(world: World) -> None:
    shop = world.shop()
    with refused(world, DayNotOver):
        close(world, signed_day(world, shop, MARCH_14 + dt.timedelta(days=1)))


@pytest.mark.parametrize("signer", ["cashier", "other_merchant"])
def test_only_the_merchant_closes_its_day(world: World, signer: str) -> None:
    from ledger.errors import NotAuthorized

    shop = world.shop()
    key = world.cashier(shop).key if signer == "cashier" else world.shop().key
    with world.ledger.unit_of_work(write=False) as uow:
        record = record_for(uow, account=shop.number, date=MARCH_14, kid=key.kid, declared=None)
    with refused(world, NotAuthorized):
        close(world, sign_record(record, key))


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 3 * 86_400 - 1), st.booleans(), st.integers(1, 30_00)),
        min_size=1,
        max_size=12,
    )
)
def test_the_days_of_a_period_add_up_to_the_period_and_to_its_export(
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[int, bool, int]],
) -> None:
    """Payments and refunds at any times over three days, around a 02:00 closing time (the
    days after the World's clock: the log's order is the order of acceptance times)."""
    with templates.database("sqlite", tmp_path_factory.mktemp("days")) as url:
        world = World(url)
        try:
            alice, shop = world.resident(balance=1_000_00), world.shop(closing_minutes=120)
            first = MARCH_14 + dt.timedelta(days=1)
            start, _ = day_bounds(first, 2, 0)
            paid: list[tuple[str, int]] = []
            received = refunded = 0
            for offset, refund, amount in sorted(steps):
                world.now = start + offset
                if refund and paid:
                    payment, left = paid.pop()
                    world.pay(shop, alice, min(amount, left), ref=payment)
                    refunded += min(amount, left)
                else:
                    paid.append((world.pay(alice, shop, amount).record.id, amount))
                    received += amount
            last = first + dt.timedelta(days=2)
            with world.ledger.unit_of_work(write=False) as uow:
                days = load_period(uow, account=shop.number, first=first, last=last)
            totals = period_totals([d.statement for d in days])
            assert (totals.credits, totals.refunds) == (received, refunded)
            for day in days:
                assert day.statement.credits == sum(
                    line.amount for line in day.lines if line.direction == "in"
                )
                assert day.statement.receipts_root == receipts_root(ln.receipt for ln in day.lines)
            export = takings_csv([d.statement for d in days]).decode("utf-8-sig")
            total = next(
                r for r in csv.reader(io.StringIO(export), delimiter=";") if r[0] == "Total"
            )
            assert total[2:5] == [format_fr(received), format_fr(refunded), format_fr(totals.net)]
        finally:
            world.close()
