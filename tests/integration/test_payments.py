from __future__ import annotations

import pytest
from sqlalchemy import select, update

from ledger.errors import InsufficientFunds
from ledger.persistence.tables import LOG_HEAD
from ledger.posting import post_record
from tests.support import World
from tests.workers import ledger_problems


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


def test_appending_after_the_head_frontier_went_stale_reads_the_tree_nodes(world: World) -> None:
    """The head keeps the tree's frontier for the next writer; a head whose frontier is not
    for its size (moved by a writer that set only the size) is not trusted."""
    alice, shop = world.resident(balance=50_00), world.merchant()
    world.pay(alice, shop, 1_00)
    with world.ledger.unit_of_work() as uow:
        stale = uow.connection.execute(select(LOG_HEAD.c.frontier)).scalar_one()
        post_record(uow, record=world.transfer(alice, shop, 1_00), now=world.now)
        uow.connection.execute(update(LOG_HEAD).values(frontier=stale))  # one entry behind
        uow.commit()
    world.pay(alice, shop, 1_00)
    world.pay(alice, shop, 1_00)
    with world.ledger.engine.connect() as conn:
        assert ledger_problems(conn) == []


def test_the_head_frontier_is_the_frontier_of_the_leaves(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    for cents in range(1, 8):
        world.pay(alice, shop, cents)
    with world.ledger.engine.connect() as conn:
        assert ledger_problems(conn) == []
        conn.execute(update(LOG_HEAD).values(frontier=b"\0" * 8))
        assert ledger_problems(conn) == [
            "the frontier kept in log_head is not the frontier of the leaves"
        ]
        conn.rollback()
