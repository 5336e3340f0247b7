from __future__ import annotations

import pytest
from sqlalchemy import select, update

from ledger.errors import InsufficientFunds
from ledger.persistence.tables import LOG_HEAD
from ledger.posting import Posted, post_record, post_records
from ledger.records import format_time, new_nonce, sign_record
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


def test_a_batch_that_opens_an_account_and_moves_money_writes_both(world: World) -> None:
    """Such a batch is appended statement by statement (the new account's row before its
    postings), balances included, rather than in PostgreSQL's single statement."""
    alice, shop = world.resident(balance=50_00), world.merchant()
    ledger = world.ledger
    opening = {
        "v": 1,
        "ledger": ledger.host,
        "type": "account",
        "number": "999999",
        "status": "open",
        "kind": "resident",
        "unit": ledger.currency,
        "flags": "no_overdraft",
        "name": None,
        "kid": ledger.key.kid,
        "nonce": new_nonce(),
        "created": format_time(world.now),
    }
    with ledger.unit_of_work() as uow:
        records = [sign_record(opening, ledger.key), world.transfer(alice, shop, 12_50)]
        outcomes = post_records(uow, records=records, now=world.now)
        uow.commit()
    assert all(isinstance(outcome, Posted) for outcome in outcomes)
    assert (world.balance(alice), world.balance(shop)) == (37_50, 12_50)
    with ledger.engine.connect() as conn:
        assert ledger_problems(conn) == []


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


def test_a_nonce_is_one_keys_own_another_key_may_use_it_in_the_same_batch(world: World) -> None:
    """A batch that crosses two payers' earlier nonces is two new payments, not retries or
    conflicts of the other payer's. Two guards each suffice: the store reads the (key, nonce)
    pairs themselves, and the rules key what it read by key and nonce; the test fails only
    when both are lost (checked by hand)."""
    alice, bob, shop = world.resident(10_00), world.resident(10_00), world.merchant()
    nonce_x, nonce_y = new_nonce(), new_nonce()
    world.pay(alice, shop, 1_00, nonce=nonce_x)
    world.pay(bob, shop, 2_00, nonce=nonce_y)
    crossed = [
        world.transfer(bob, shop, 3_00, nonce=nonce_x),
        world.transfer(alice, shop, 4_00, nonce=nonce_y),
    ]
    with world.ledger.unit_of_work() as uow:
        outcomes = post_records(uow, records=crossed)
        uow.commit()
    assert [(type(o), getattr(o, "retry", None)) for o in outcomes] == [(Posted, False)] * 2
    assert (world.balance(alice), world.balance(bob), world.balance(shop)) == (5_00, 5_00, 10_00)
