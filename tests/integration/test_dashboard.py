"""The reserve dashboard and the compliance panel: its figures against the log itself."""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from association.compliance import compliance
from association.dashboard import Dashboard, dashboard, month_of
from association.offices import record_note_delivery
from ledger.errors import FormatError, SouError, UnknownAccount
from tests.databases import Templates
from tests.integration.test_rejections import refused
from tests.support import Holder, World

DAY = 86_400


def figures(world: World) -> Dashboard:
    with world.ledger.unit_of_work(write=False) as uow:
        return dashboard(uow, now=world.now)


def paper_issue(world: World, cents: int) -> None:
    office = world.office
    world.post(world.record("paper_issue", office.key, office=office.account, amount=cents))


def paper_exchange(world: World, holder: Holder, cents: int) -> None:
    office = world.office
    world.post(
        world.record(
            "paper_exchange", office.key, office=office.account, to=holder.account, amount=cents
        )
    )


def reconvert(world: World, shop: Holder, cents: int, fee: int) -> str:
    record = world.record("reconversion", shop.key, from_=shop.account, amount=cents, fee=fee)
    world.post(record)
    return record.id


def pay_out(world: World, reconversion: str, net: int) -> None:
    world.post(world.record("payout", world.treasurer.key, reconversion=reconversion, amount=net))


def bank_conversion(world: World, holder: Holder, cents: int) -> None:
    world.post(
        world.record(
            "conversion",
            world.treasurer.key,
            method="bank",
            office=None,
            to=holder.account,
            amount=cents,
        )
    )


# --- an independent fold of the log, by FORMATS.md §3's table ------------------------------------


@dataclass
class Fold:
    holders: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    offices: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    paper: int = 0
    reserve_digital: int = 0
    reserve_paper: int = 0
    payouts: int = 0
    fees: int = 0

    def apply(self, r: dict[str, object]) -> None:
        kind, a = r["type"], r.get("amount")
        if not isinstance(a, int):
            return
        if kind == "conversion":
            self.holders[int(str(r["to"]))] += a
            if r["method"] == "cash":
                self.offices[int(str(r["office"]))] += a
            else:
                self.reserve_digital += a
        elif kind == "paper_issue":
            self.offices[int(str(r["office"]))] += a
            self.paper += a
        elif kind == "paper_exchange":
            self.paper -= a
            self.holders[int(str(r["to"]))] += a
            self.reserve_paper -= a
            self.reserve_digital += a
        elif kind == "deposit":
            self.offices[int(str(r["office"]))] -= a
            if r["reserve"] == "paper":
                self.reserve_paper += a
            else:
                self.reserve_digital += a
        elif kind == "transfer":
            self.holders[int(str(r["from"]))] -= a
            self.holders[int(str(r["to"]))] += a
        elif kind == "reconversion":
            fee = r["fee"]
            assert isinstance(fee, int)
            self.holders[int(str(r["from"]))] -= a
            self.reserve_digital -= a
            self.payouts += a - fee
            self.fees += fee
        elif kind == "payout":
            self.payouts -= a


def fold_of_log(world: World) -> Fold:
    fold = Fold()
    with world.ledger.unit_of_work(write=False) as uow:
        for entry in uow.store.entries(0, uow.store.size()):
            fold.apply(json.loads(entry.signed.split(b"\n", 1)[1]))
    return fold


def assert_dashboard_is_the_fold(world: World) -> None:
    d, fold = figures(world), fold_of_log(world)
    reserves = {r.name: r.balance for r in d.reserves}
    assert d.circulation_digital == sum(fold.holders.values())
    assert d.circulation_paper == fold.paper
    assert reserves == {
        "reserve:digital": fold.reserve_digital,
        "reserve:paper": fold.reserve_paper,
    }
    assert {o.number: o.cash for o in d.offices} == {
        n: fold.offices.get(n, 0) for n in (o.number for o in d.offices)
    }
    assert (d.payouts_payable, d.fees_earned) == (fold.payouts, fold.fees)
    assert d.backing == d.circulation and d.balanced
    assert d.coverage_bp == (10_000 if d.circulation else None)
    if d.history:
        last = d.history[-1]
        assert (last.month, last.circulation, last.backing) == (
            month_of(world.now),
            d.circulation,
            d.backing,
        )


# --- examples -----------------------------------------------------------------------------


def test_the_dashboard_shows_circulation_reserve_offices_payouts_and_fees(world: World) -> None:
    alice, shop = world.resident(balance=60_00), world.merchant(balance=40_00)
    paper_issue(world, 25_00)
    world.deposit(25_00, reserve="paper")
    world.deposit(75_00, reserve="digital")
    paper_exchange(world, alice, 5_00)
    reconvert(world, shop, 30_00, 60)
    d = figures(world)
    assert (d.circulation_digital, d.circulation_paper, d.circulation) == (75_00, 20_00, 95_00)
    assert {r.name: r.balance for r in d.reserves} == {
        "reserve:digital": 50_00,
        "reserve:paper": 20_00,
    }
    assert [(o.number, o.cash, o.paper_issued, o.paper_exchanged) for o in d.offices] == [
        (world.office.number, 25_00, 25_00, 5_00)
    ]
    assert (d.payouts_payable, d.fees_earned) == (29_40, 60)
    assert (d.backing, d.coverage_bp, d.balanced) == (95_00, 10_000, True)
    assert d.holders == {"association": 1, "merchant": 1, "resident": 1}
    assert d.paper_stock_known is True
    assert d.latest_statement is None
    assert_dashboard_is_the_fold(world)


def deliver_notes(world: World, cents: int, note: str = "Lot 2026-A", office: int = 0) -> int:
    with world.ledger.unit_of_work() as uow:
        total = record_note_delivery(
            uow,
            office=office or world.office.number,
            amount=cents,
            note=note,
            kid=world.treasurer.key.kid,
            now=world.now,
        )
        uow.commit()
    return total


def test_an_offices_paper_stock_is_what_it_received_less_what_it_issued_plus_what_it_took_back(
    world: World,
) -> None:
    alice = world.resident()
    size = world.log_size()
    assert deliver_notes(world, 200_00) == 200_00
    assert world.log_size() == size  # inventory, not in the log
    paper_issue(world, 25_00)
    world.deposit(25_00, reserve="paper")  # the euros the notes stand for, at the bank
    paper_exchange(world, alice, 5_00)
    assert deliver_notes(world, -50_00, "Billets usés rendus à l'association") == 150_00
    (office,) = figures(world).offices
    assert (office.notes_delivered, office.paper_issued, office.paper_exchanged) == (
        150_00,
        25_00,
        5_00,
    )
    assert office.paper_stock == 150_00 - 25_00 + 5_00


@pytest.mark.parametrize(
    ("office", "cents", "note", "error"),
    [
        ("resident", 10_00, "x", UnknownAccount),  # not an exchange office
        ("office", 0, "x", FormatError),
        ("office", 2**31, "x", FormatError),
        ("office", 10_00, "  ", FormatError),
    ],
)
def test_a_delivery_names_an_office_a_non_zero_amount_and_a_note(
    world: World, office: str, cents: int, note: str, error: type[SouError]
) -> None:
    number = world.office.number if office == "office" else world.resident().number
    with refused(world, error):
        deliver_notes(world, cents, note, office=number)


def test_an_empty_ledger_has_no_coverage_ratio_and_no_history(world: World) -> None:
    d = figures(world)
    assert (d.circulation, d.backing, d.coverage_bp, d.history) == (0, 0, None, ())


def test_the_history_gives_each_month_end_even_quiet_months(world: World) -> None:
    alice = world.resident(balance=10_00)  # 2026-03
    world.now += 62 * DAY  # 2026-05
    world.convert(alice, 5_00)
    shop = world.merchant()
    world.pay(alice, shop, 15_00)
    world.deposit(15_00)
    world.post(world.record("reconversion", shop.key, from_=shop.account, amount=15_00, fee=0))
    world.now += 31 * DAY  # 2026-06, nothing happens
    d = figures(world)
    assert [(p.month, p.circulation, p.backing) for p in d.history] == [
        ("2026-03", 10_00, 10_00),
        ("2026-04", 10_00, 10_00),
        ("2026-05", 0, 0),
        ("2026-06", 0, 0),
    ]


def test_compliance_counts_transfers_of_the_last_365_days_and_alerts_at_80_percent(
    world: World,
) -> None:
    alice, shop = world.resident(balance=100_00), world.merchant()
    world.pay(alice, shop, 30_00)
    world.now += 200 * DAY
    world.pay(alice, shop, 50_00)
    world.now += 200 * DAY  # the first payment is now older than 365 days
    with world.ledger.unit_of_work(write=False) as uow:
        c = compliance(uow, now=world.now, threshold=60_00)
        assert (c.payment_volume.amount, c.payment_volume.usage_bp) == (50_00, 8_333)
        assert (c.payment_volume.level, c.outstanding.level, c.level) == (
            "warning",
            "exceeded",
            "exceeded",
        )
        assert c.outstanding.amount == 100_00
        assert compliance(uow, now=world.now).level == "ok"
        assert compliance(uow, now=world.now, threshold=100_00).payment_volume.usage_bp == 5_000


# --- the property ---------------------------------------------------------------------------

OPERATIONS = (
    "convert",
    "bank",
    "pay",
    "paper_issue",
    "paper_exchange",
    "deposit",
    "reconvert",
    "payout",
    "later",
)


@contextmanager
def fresh_world(templates: Templates) -> Iterator[World]:
    with tempfile.TemporaryDirectory() as tmp, templates.database("sqlite", Path(tmp)) as url:
        world = World(url)
        try:
            yield world
        finally:
            world.close()


def step(
    world: World, data: st.DataObject, people: list[Holder], pending: list[tuple[str, int]]
) -> None:
    op = data.draw(st.sampled_from(OPERATIONS))
    cents = data.draw(st.integers(1, 80_00))
    shop = people[-1]
    if op == "convert":
        world.convert(data.draw(st.sampled_from(people)), cents)
    elif op == "bank":
        bank_conversion(world, data.draw(st.sampled_from(people)), cents)
    elif op == "pay":
        payer, payee = data.draw(st.permutations(people))[:2]
        if world.balance(payer):
            world.pay(payer, payee, min(cents, world.balance(payer)))
    elif op == "paper_issue":
        paper_issue(world, cents)
    elif op == "paper_exchange":
        available = min(world.balance(2), world.balance(12))
        if available:
            paper_exchange(world, data.draw(st.sampled_from(people)), min(cents, available))
    elif op == "deposit":
        cash = world.balance(world.office)
        if cash:
            world.deposit(
                min(cents, cash), reserve=data.draw(st.sampled_from(["digital", "paper"]))
            )
    elif op == "reconvert":
        amount = min(cents, world.balance(shop), world.balance(11))
        if amount:
            fee = amount * 2 // 100
            pending.append((reconvert(world, shop, amount, fee), amount - fee))
    elif op == "payout" and pending:
        pay_out(world, *pending.pop(data.draw(st.integers(0, len(pending) - 1))))
    elif op == "later":
        world.now += data.draw(st.integers(1, 45)) * DAY


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_under_any_operations_backing_is_circulation_and_the_dashboard_is_the_log_s_fold(
    templates: Templates, data: st.DataObject
) -> None:
    with fresh_world(templates) as world:
        people = [world.resident(), world.resident(), world.merchant()]
        pending: list[tuple[str, int]] = []
        for _ in range(data.draw(st.integers(1, 14), label="steps")):
            step(world, data, people, pending)
            world.now += 60
        assert_dashboard_is_the_fold(world)
