from __future__ import annotations

import pytest

from ledger.errors import InsufficientFunds
from tests.support import World


def test_a_payment_moves_money_from_payer_to_payee(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    posted = world.pay(alice, shop, 12_50)
    assert (world.balance(alice), world.balance(shop)) == (37_50, 12_50)
    assert posted.receipt(world.ledger.key).record["amount"] == 12_50


def test_payment_beyond_balance_is_rejected_and_leaves_no_trace(world: World) -> None:
    alice, shop = world.resident(balance=10_00), world.merchant()
    before = world.row_counts()
    with pytest.raises(InsufficientFunds):
        world.pay(alice, shop, 10_01)
    assert world.row_counts() == before
