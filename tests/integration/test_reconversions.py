"""Reconversion: the association's fee rule, the merchant's request, the treasurer's batch."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.errors import NotAuthorized, SouError
from merchants.errors import BelowMinimum, FeeMismatch, MembershipFeeUnpaid, NotAMerchant
from merchants.payouts import (
    Waiting,
    approve_batch,
    mark_executed,
    quote_reconversion,
    request_reconversion,
    set_fee_rule,
    waiting_reconversions,
)
from merchants.profiles import record_membership
from merchants.reconversion import FeeRule
from merchants.sepa import validate
from tests.api.conftest import ASSOCIATION
from tests.integration.test_rejections import refused
from tests.support import Holder, World


@pytest.fixture
def shop(world: World) -> Holder:
    with world.ledger.unit_of_work() as uow:
        set_fee_rule(
            uow,
            rule=FeeRule.from_percent("business", "2,5 %", minimum=10_00),
            membership_required=True,
            now=world.now,
        )
        uow.commit()
    shop = world.shop(balance=500_00)
    world.deposit(500_00)
    with world.ledger.unit_of_work() as uow:
        record_membership(uow, account=shop.number, paid_until=dt.date(2026, 12, 31))
        uow.commit()
    return shop


def request(world: World, holder: Holder, amount: int, fee: int) -> int:
    record = world.record("reconversion", holder.key, from_=holder.account, amount=amount, fee=fee)
    with world.ledger.unit_of_work() as uow:
        posted = request_reconversion(uow, record=record, now=world.now)
        uow.commit()
    return posted.index


def quote(world: World, holder: Holder, gross: int) -> tuple[int, int]:
    with world.ledger.unit_of_work(write=False) as uow:
        q = quote_reconversion(uow, account=holder.number, gross=gross, now=world.now)
    return q.fee, q.net


def test_the_merchant_sees_fee_and_net_then_its_request_waits_for_the_treasurer(
    world: World, shop: Holder
) -> None:
    assert quote(world, shop, 100_01) == (2_50, 97_51)  # 2,5 % of 100,01, rounded down
    request(world, shop, 100_01, 2_50)
    assert world.balance(shop) == 500_00 - 100_01
    (waiting,) = waiting_reconversions_now(world)
    assert (waiting.amount, waiting.fee, waiting.net) == (100_01, 2_50, 97_51)


def waiting_reconversions_now(world: World) -> list[Waiting]:
    with world.ledger.unit_of_work(write=False) as uow:
        return waiting_reconversions(uow)


@pytest.mark.parametrize(
    ("who", "amount", "fee", "error"),
    [
        ("shop", 100_00, 2_00, FeeMismatch),  # not the association's fee
        ("shop", 9_99, 0, BelowMinimum),
        ("unpaid", 100_00, 2_50, MembershipFeeUnpaid),
        ("resident", 100_00, 2_50, NotAMerchant),
    ],
)
def test_a_request_the_rules_refuse_leaves_no_trace(
    world: World, shop: Holder, who: str, amount: int, fee: int, error: type[SouError]
) -> None:
    holder = {
        "shop": lambda: shop,
        "unpaid": lambda: world.shop(name="Sans cotisation", balance=200_00),
        "resident": lambda: world.resident(balance=200_00),
    }[who]()
    with refused(world, error):
        request(world, holder, amount, fee)


def test_the_treasurer_pays_a_batch_with_a_valid_sepa_file_then_marks_it_executed(
    world: World, shop: Holder
) -> None:
    other = world.shop(name="Primeur Durand", balance=300_00)
    world.deposit(300_00)
    with world.ledger.unit_of_work() as uow:
        record_membership(uow, account=other.number, paid_until=dt.date(2026, 12, 31))
        uow.commit()
    request(world, shop, 200_00, 5_00)
    request(world, other, 40_00, 1_00)
    payouts = [
        world.record("payout", world.treasurer.key, reconversion=w.record_id, amount=w.net)
        for w in waiting_reconversions_now(world)
    ]
    with world.ledger.unit_of_work() as uow:
        batch = approve_batch(uow, payouts=payouts, debtor=ASSOCIATION, now=world.now)
        uow.commit()
    assert (batch.count, batch.total) == (2, 195_00 + 39_00)
    totals = validate(batch.sepa_file)  # against the official pain.001 XSD
    assert (totals.count, totals.total) == (2, 234_00)
    assert waiting_reconversions_now(world) == []
    with world.ledger.unit_of_work() as uow:
        assert mark_executed(uow, number=batch.id, now=world.now).status == "executed"
        uow.commit()


def test_a_batch_with_one_payout_not_signed_by_the_treasurer_is_refused_whole(
    world: World, shop: Holder
) -> None:
    request(world, shop, 100_00, 2_50)
    request(world, shop, 50_00, 1_25)
    first, second = waiting_reconversions_now(world)
    payouts = [
        world.record("payout", world.treasurer.key, reconversion=first.record_id, amount=first.net),
        world.record("payout", shop.key, reconversion=second.record_id, amount=second.net),
    ]
    with refused(world, NotAuthorized), world.ledger.unit_of_work() as uow:
        approve_batch(uow, payouts=payouts, debtor=ASSOCIATION, now=world.now)
        uow.commit()
    assert len(waiting_reconversions_now(world)) == 2
