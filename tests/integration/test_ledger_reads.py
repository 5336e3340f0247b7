"""`LedgerReads` (ledger/ports.py): each read against money moved through the ledger itself."""

from __future__ import annotations

import base64

from sqlalchemy import select

from ledger.admin import open_account
from ledger.persistence.tables import ENTRIES
from ledger.ports import KindTotal, PaymentFigures
from ledger.transparency import latest_checkpoint
from tests.support import World

DAY = 86_400


def test_accounts_keys_and_holders(world: World) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant()
    world.pay(alice, shop, 12_50)
    with world.ledger.unit_of_work() as uow:
        bob = open_account(uow, kind="resident", now=world.now, holder_name="Bob Martin")
        uow.commit()
    with world.ledger.unit_of_work(write=False) as uow:
        mine = uow.reads.accounts(numbers=[alice.number, shop.number])
        assert [(a.number, a.kind, a.balance, a.status) for a in mine] == [
            (alice.number, "resident", 17_50, "open"),
            (shop.number, "merchant", 12_50, "open"),
        ]
        assert mine[0].unit == "RTZ" and mine[0].name is None
        (paper,) = uow.reads.accounts(names=["paper"])
        assert (paper.kind, paper.balance) == ("paper", 0)
        residents = uow.reads.accounts(kinds=["resident"])
        assert [a.number for a in residents] == sorted([alice.number, bob])
        keys = uow.reads.keys(account=alice.number)
        assert [(k.kid, k.account, k.role, k.status) for k in keys] == [
            (alice.key.kid, alice.number, "resident", "active")
        ]
        assert uow.reads.keys(kids=[shop.key.kid, "nosuchid"])[0].account == shop.number
        assert uow.reads.key_labels([alice.key.kid, "nosuchid"]) == {alice.key.kid: None}
        holders = uow.reads.holders([alice.number, bob])
        assert list(holders) == [bob] and holders[bob].name == "Bob Martin"
    world.revoke(alice.key)
    with world.ledger.unit_of_work(write=False) as uow:
        assert uow.reads.keys(kids=[alice.key.kid])[0].status == "revoked"


def test_kind_totals_count_closed_accounts_only_when_asked(world: World) -> None:
    world.resident(balance=30_00)
    bob = world.resident()
    world.merchant(5_00)
    world.set_status(bob, "closed")
    with world.ledger.unit_of_work(write=False) as uow:
        every = uow.reads.kind_totals(["resident", "merchant", "fees", "no such kind"])
        assert every == {
            "resident": KindTotal(2, 30_00),
            "merchant": KindTotal(1, 5_00),
            "fees": KindTotal(1, 0),
        }
        open_ones = uow.reads.kind_totals(["resident"], closed=False)
        assert open_ones == {"resident": KindTotal(1, 30_00)}


def test_balances_at_a_size_ignore_later_entries(world: World) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant()
    before = world.log_size()
    world.pay(alice, shop, 12_50)
    with world.ledger.unit_of_work(write=False) as uow:
        then, now = uow.reads.balances_at(before), uow.reads.balances_at(before + 1)
    assert (then[alice.number], shop.number in then) == (30_00, False)
    assert (now[alice.number], now[shop.number]) == (17_50, 12_50)
    assert sum(now.values()) == 0  # every leg debits what it credits


def test_postings_and_their_totals_by_filter(world: World) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant()
    world.now += 60
    first = world.pay(alice, shop, 12_50)
    world.now += DAY
    refund = world.pay(shop, alice, 2_50, ref=first.record.id)
    with world.ledger.unit_of_work(write=False) as uow:
        r = uow.reads
        paid = r.postings(credit=shop.number)
        assert [(p.entry, p.debit, p.amount, p.type) for p in paid] == [
            (first.index, alice.number, 12_50, "transfer")
        ]
        assert paid[0].accepted == first.accepted and paid[0].signed is None
        mine = r.postings(touching=[alice.number])
        assert [p.type for p in mine] == ["conversion", "transfer", "transfer"]
        assert [p.entry for p in mine] == sorted(p.entry for p in mine)
        today = r.postings(touching=[alice.number], accepted=(first.accepted, refund.accepted))
        assert [p.entry for p in today] == [first.index]
        assert [p.entry for p in r.postings(entries=(refund.index, refund.index + 1))] == [
            refund.index
        ]
        (leg,) = r.postings(debit=shop.number, records=True)
        assert leg.record["ref"] == first.record.id
        transfers = select(ENTRIES.c.idx).where(ENTRIES.c.type == "transfer")
        assert [p.entry for p in r.postings(touching=[alice.number], among=transfers)] == [
            first.index,
            refund.index,
        ]
        assert [p.type for p in r.postings(touching=[alice.number], excluding=transfers)] == [
            "conversion"
        ]
        assert r.totals_by_type(touching=[alice.number]) == {
            "conversion": 30_00,
            "transfer": 15_00,
        }
        assert r.totals_by_type(types=["transfer"], unit="RTZ") == {"transfer": 15_00}
        assert r.totals_by_type(credit=shop.number, types=["conversion"]) == {}


def test_entries_their_span_and_the_first_acceptance(world: World) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant()
    start = world.now
    world.now += 60
    first = world.pay(alice, shop, 1_00)
    world.now += 60
    last = world.pay(alice, shop, 2_00)
    with world.ledger.unit_of_work(write=False) as uow:
        r = uow.reads
        entries = r.entries(indexes=[last.index, first.index])
        assert [(e.index, e.record_id, e.type, e.kid) for e in entries] == [
            (first.index, first.record.id, "transfer", alice.key.kid),
            (last.index, last.record.id, "transfer", alice.key.kid),
        ]
        assert entries[1].record["amount"] == 2_00 and entries[1].ref_idx is None
        assert [e.index for e in r.entries(types=["transfer"])] == [first.index, last.index]
        assert r.entry_span(start + 1, last.accepted + 1) == (first.index, last.index)
        assert r.entry_span(last.accepted + 1, last.accepted + DAY) is None
        assert r.first_accepted() == start


def test_payment_figures_leave_refunds_out_and_split_by_kinds(world: World) -> None:
    alice, bob = world.resident(balance=50_00), world.resident(balance=10_00)
    shop, other = world.merchant(), world.merchant()
    start = world.now
    first = world.pay(alice, shop, 12_00)
    world.pay(bob, shop, 3_00)
    world.pay(alice, bob, 1_00)
    world.pay(shop, other, 5_00)
    world.pay(shop, alice, 2_00, ref=first.record.id)  # a refund: not a payment
    with world.ledger.unit_of_work(write=False) as uow:
        figures = uow.reads.payment_figures(start, world.now + 1)
        assert uow.reads.payment_figures(world.now + 1, world.now + DAY) == PaymentFigures(
            0, 0, 0, 0, 0, 0
        )
    assert figures == PaymentFigures(
        count=4,
        volume=21_00,
        merchant_to_merchant=5_00,
        received_by_merchants=20_00,
        active_residents=2,
        active_merchants=2,
    )


def test_transfer_lines_name_the_refunded_payment_and_the_till(world: World) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant()
    payreq = world.register_request(shop, 12_50)
    first = world.pay(alice, shop, 12_50, payreq=payreq)
    refund = world.pay(shop, alice, 2_50, ref=first.record.id)
    with world.ledger.unit_of_work(write=False) as uow:
        lines = uow.reads.transfer_lines(shop.number, first.index, refund.index)
        assert uow.reads.transfer_lines(shop.number, refund.index + 1, refund.index + 5) == []
    by_entry = {line.entry: line for line in lines}
    paid, gave_back = by_entry[first.index], by_entry[refund.index]
    assert (paid.incoming, paid.counterpart, paid.amount, paid.payreq) == (
        True,
        alice.number,
        12_50,
        payreq,
    )
    assert (paid.record_id, paid.kid, paid.ref, paid.till) == (
        first.record.id,
        alice.key.kid,
        None,
        None,  # `register_request` stores the row without the till's key
    )
    assert (gave_back.incoming, gave_back.ref, gave_back.kid) == (
        False,
        first.record.id,
        shop.key.kid,
    )
    assert gave_back.accepted == refund.accepted


def test_closed_days_and_payment_requests(world: World) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant()
    payreq = world.register_request(shop, 4_00, expires=world.now + 600)
    with world.ledger.unit_of_work(write=False) as uow:
        request = uow.reads.payment_request(payreq)
        assert request is not None
        assert (request.merchant, request.amount, request.expires) == (
            shop.number,
            4_00,
            world.now + 600,
        )
        assert uow.reads.payment_of(payreq) is None
        assert uow.reads.payment_request("0" * 64) is None
    paid = world.pay(alice, shop, 4_00, payreq=payreq)
    day = world.day(
        shop,
        "2026-03-14",
        declared=4_00,
        first_entry=paid.index,
        last_entry=paid.index,
        count=1,
        credits=4_00,
    )
    closed = world.post(day)
    with world.ledger.unit_of_work(write=False) as uow:
        entry = uow.reads.payment_of(payreq)
        assert entry is not None
        assert (entry.index, entry.record_id, entry.type) == (
            paid.index,
            paid.record.id,
            "transfer",
        )
        assert uow.reads.closed_days(shop.number, ["2026-03-13", "2026-03-14"]) == {
            "2026-03-14": closed.index
        }
        assert uow.reads.closed_days(alice.number, ["2026-03-14"]) == {}


def test_checkpoint_root_is_the_tree_of_the_log(world: World) -> None:
    world.resident(balance=3_00)
    with world.ledger.unit_of_work() as uow:
        published = latest_checkpoint(uow, now=world.now)
        uow.commit()
    root = base64.b64decode(published.note.split("\n")[2])  # the note's third line
    with world.ledger.unit_of_work(write=False) as uow:
        assert uow.reads.checkpoint_root(published.size) == root
        assert uow.reads.checkpoint_root(published.size + 1) is None
