"""The pilot's evaluation report, on a small scenario whose figures are computed by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from association.evaluation import (
    MonthFigures,
    assess,
    evaluation,
    evaluation_csv,
    month_bounds,
)
from tests.support import T0, World

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=PARIS).timestamp())


MARCH, APRIL, MAY = paris(2026, 3, 1), paris(2026, 4, 1), paris(2026, 5, 1)
EXCHANGE = paris(2026, 4, 16, 12)  # paper notes exchanged for digital units
NOW = paris(2026, 5, 2)


def scenario(world: World) -> list[MonthFigures]:
    """March: two residents convert 150,00 at T0 and pay two shops; a shop pays a farm, which
    reconverts 10,00 two hours later. April: a resident pays a resident; 10,00 of paper notes
    come back as digital units on the 16th at noon. May: nothing, counted up to the 2nd."""
    office = world.office
    alice, bob = world.resident(balance=100_00), world.resident(balance=50_00)
    shop, farm = world.shop(), world.shop(name="Ferme Etcheverry")
    world.now = T0 + 3600
    paid = world.transfer(alice, shop, 30_00)
    world.post(paid)
    world.pay(bob, shop, 20_00)
    world.pay(shop, farm, 10_00)
    world.pay(shop, alice, 5_00, ref=paid.id)  # a refund: not a payment
    world.deposit(150_00)
    world.now = T0 + 7200
    world.post(world.record("reconversion", farm.key, from_=farm.account, amount=10_00, fee=25))
    world.now = paris(2026, 4, 10, 12)
    world.pay(alice, bob, 5_00)
    world.post(world.record("paper_issue", office.key, office=office.account, amount=40_00))
    world.deposit(40_00, "paper")
    world.now = EXCHANGE
    world.post(
        world.record(
            "paper_exchange", office.key, office=office.account, to=bob.account, amount=10_00
        )
    )
    with world.ledger.unit_of_work(write=False) as uow:
        return evaluation(uow, now=NOW)


def test_the_months_run_from_the_first_entry_to_now_in_paris_time() -> None:
    months = month_bounds(paris(2025, 12, 31, 23, 30), paris(2026, 2, 1))
    assert [label for label, _, _ in months] == ["2025-12", "2026-01", "2026-02"]
    assert months[0][1] == paris(2025, 12, 1)
    assert months[1][2] - months[1][1] == 31 * 86_400
    march = month_bounds(MARCH, MARCH)[0]
    assert march[2] - march[1] == 31 * 86_400 - 3600  # the clocks go forward on the 29th


def test_the_figures_of_each_month_are_those_computed_by_hand(world: World) -> None:
    march, april, may = scenario(world)
    # March: 150,00 in circulation from T0 for two hours, then 140,00 to the end of the month.
    march_integral = 150_00 * 7200 + 140_00 * (APRIL - T0 - 7200)
    assert march == MonthFigures(
        month="2026-03",
        active_residents=2,
        active_merchants=2,
        payments=3,
        volume=60_00,
        merchant_to_merchant=10_00,
        merchant_share_bp=1666,  # 10 / 60, rounded down
        received_by_merchants=60_00,
        reconverted=10_00,
        reconversion_rate_bp=1666,
        average_circulation=march_integral // (APRIL - MARCH),
        velocity_bp=60_00 * (APRIL - MARCH) * 10_000 // march_integral,
        partial=True,  # the ledger began on the 14th
    )
    assert (march.average_circulation, march.velocity_bp) == (79_11, 7583)
    april_integral = 140_00 * (EXCHANGE - APRIL) + 150_00 * (MAY - EXCHANGE)
    assert april == MonthFigures(
        month="2026-04",
        active_residents=1,
        active_merchants=0,
        payments=1,
        volume=5_00,
        merchant_to_merchant=0,
        merchant_share_bp=0,
        received_by_merchants=0,
        reconverted=0,
        reconversion_rate_bp=None,  # nothing received: no rate
        average_circulation=april_integral // (MAY - APRIL),
        velocity_bp=5_00 * (MAY - APRIL) * 10_000 // april_integral,
    )
    assert (april.average_circulation, april.velocity_bp) == (144_83, 345)
    assert not april.partial
    # counted up to the 2nd: a partial month
    assert may == MonthFigures("2026-05", 0, 0, 0, 0, 0, None, 0, 0, None, 150_00, 0, True)


def test_a_new_ledger_has_one_quiet_month_and_no_velocity(world: World) -> None:
    with world.ledger.unit_of_work(write=False) as uow:
        (month,) = evaluation(uow, now=T0)
    assert month == MonthFigures("2026-03", 0, 0, 0, 0, 0, None, 0, 0, None, 0, None, True)


def test_the_csv_report_is_a_french_spreadsheet(world: World) -> None:
    months = scenario(world)
    content = evaluation_csv(months)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Mois"
    assert rows[1] == [
        "2026-03", "2", "2", "3", "60,00", "10,00", "16,66", "60,00", "10,00", "16,66",
        "79,11", "0,7583", "oui",
    ]  # fmt: skip
    assert rows[0][-1] == "Mois partiel" and rows[2][-1] == "non"
    assert rows[2][9] == ""  # no reconversion rate without money received
    assert len(rows) == 4


def _month(month: str, **figures: int | None) -> MonthFigures:
    base: dict[str, Any] = {
        "active_residents": 0,
        "active_merchants": 0,
        "payments": 0,
        "volume": 0,
        "merchant_to_merchant": 0,
        "merchant_share_bp": None,
        "received_by_merchants": 0,
        "reconverted": 0,
        "reconversion_rate_bp": None,
        "average_circulation": 0,
        "velocity_bp": None,
    }
    return MonthFigures(month=month, **{**base, **figures})


def test_the_pilot_is_judged_on_its_last_complete_month_against_its_criteria() -> None:
    months = [
        _month("2026-03", active_residents=150, active_merchants=12, volume=9_000_00,
               merchant_share_bp=800, reconversion_rate_bp=2_000),
        _month("2026-04", active_residents=3),  # this month, still running: not judged
    ]  # fmt: skip
    now = int(dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC).timestamp())
    status = assess(months, now=now, end=dt.date(2026, 6, 30))
    assert status.days_left == 81
    verdicts = {a.criterion.name: (a.month, a.value, a.met) for a in status.assessments}
    assert verdicts == {
        "active_residents": ("2026-03", 150, True),
        "active_merchants": ("2026-03", 12, True),
        "volume": ("2026-03", 9_000_00, True),
        "merchant_share_bp": ("2026-03", 800, False),  # under 10 %
        "reconversion_rate_bp": ("2026-03", 2_000, True),  # at most 50 %
    }
    first_month = assess(months[1:], now=now, end=None)
    assert first_month.days_left is None
    assert {a.met for a in first_month.assessments} == {None}  # nothing complete to judge
    begun_late = [replace(months[0], partial=True), months[1]]  # the ledger began on the 14th
    assert {a.met for a in assess(begun_late, now=now, end=None).assessments} == {None}
