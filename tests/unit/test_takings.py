"""Day statements (Z reports), `day` records and period totals (FORMATS.md §7)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.log import leaf_hash, node_hash
from ledger.receipts import make_receipt
from ledger.signing import SigningKey
from merchants.business_day import business_day, day_bounds
from merchants.errors import StatementError
from merchants.takings import (
    DayStatement,
    HourTotals,
    TakingLine,
    TillTotals,
    day_record,
    day_statement,
    period_statements,
    period_totals,
)

HOST = "pay.example.org"
LEDGER_KEY = SigningKey.from_private_bytes(bytes(range(32)))
MERCHANT = 1042
RESIDENT = 1001
OTHER_MERCHANT = 1077
ISSUANCE = 1
RECEIPT_PREFIX = b"SOU-RECEIPT-V1\n"


def at(text: str) -> int:
    """Unix seconds of a local Paris time written with its offset."""
    return int(dt.datetime.fromisoformat(text).timestamp())


def _line(
    entry: int,
    accepted: int,
    *,
    payer: int,
    payee: int,
    amount: int,
    till: str,
    ref: str | None = None,
) -> TakingLine:
    transfer = {
        "ledger": HOST,
        "from": str(payer),
        "to": str(payee),
        "amount": amount,
        "currency": "RTZ",
        "payreq": None,
        "ref": ref,
    }
    receipt = make_receipt(
        transfer,
        transfer_id=hashlib.sha256(f"transfer {entry}".encode()).hexdigest(),
        entry=entry,
        accepted=accepted,
        key=LEDGER_KEY,
    )
    incoming = payee == MERCHANT
    return TakingLine(
        entry=entry,
        accepted=accepted,
        direction="in" if incoming else "out",
        amount=amount,
        counterpart=payer if incoming else payee,
        till=till,
        ref=ref,
        receipt=receipt.signed,
    )


def payment_id(entry: int) -> str:
    return hashlib.sha256(f"transfer {entry}".encode()).hexdigest()


def received(
    entry: int, accepted: int, amount: int, *, till: str = "a1b2c3d4", payer: int = RESIDENT
) -> TakingLine:
    """A payment received by the merchant at a till."""
    return _line(entry, accepted, payer=payer, payee=MERCHANT, amount=amount, till=till)


def refunded(
    entry: int, accepted: int, amount: int, *, of: int, till: str = "a1b2c3d4"
) -> TakingLine:
    """A refund by the merchant of the payment at entry `of`."""
    return _line(
        entry,
        accepted,
        payer=MERCHANT,
        payee=RESIDENT,
        amount=amount,
        till=till,
        ref=payment_id(of),
    )


def paid(entry: int, accepted: int, amount: int, *, to: int = OTHER_MERCHANT) -> TakingLine:
    """A payment by the merchant (to a supplier, or a reconversion to issuance)."""
    return _line(entry, accepted, payer=MERCHANT, payee=to, amount=amount, till="e5f6a7b8")


def naive_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, written as the RFC defines it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


def parsed(receipt: bytes) -> dict[str, object]:
    assert receipt.startswith(RECEIPT_PREFIX)
    record: dict[str, object] = json.loads(receipt[len(RECEIPT_PREFIX) :])
    return record


DAY = dt.date(2026, 3, 14)


def a_busy_day() -> list[TakingLine]:
    return [
        received(10, at("2026-03-14T09:05:00+01:00"), 12_50),
        received(11, at("2026-03-14T09:40:00+01:00"), 3_20, till="c0ffee00"),
        received(14, at("2026-03-14T11:00:00+01:00"), 100_00),
        refunded(15, at("2026-03-14T11:30:00+01:00"), 3_20, of=11, till="c0ffee00"),
        paid(17, at("2026-03-14T18:00:00+01:00"), 40_00),
        received(20, at("2026-03-15T01:59:59+01:00"), 7_00),  # before a 02:00 closing
    ]


def test_a_day_statement_gives_count_received_refunds_net_and_all_debits() -> None:
    statement = day_statement(a_busy_day(), account=MERCHANT, date=DAY, closing_hour=2)
    assert statement.count == 4
    assert statement.credits == 12_50 + 3_20 + 100_00 + 7_00
    assert statement.refunds == 3_20
    assert statement.debits == 3_20 + 40_00
    assert statement.net == 122_70 - 3_20
    assert statement.balance_change == 122_70 - 43_20
    assert (statement.first_entry, statement.last_entry) == (10, 20)


def test_a_day_statement_splits_takings_per_till_and_per_local_hour() -> None:
    statement = day_statement(a_busy_day(), account=MERCHANT, date=DAY, closing_hour=2)
    assert statement.per_till == {
        "a1b2c3d4": TillTotals(3, 119_50, 0),
        "c0ffee00": TillTotals(1, 3_20, 3_20),
    }
    assert statement.per_hour == {
        1: HourTotals(1, 7_00),
        9: HourTotals(2, 15_70),
        11: HourTotals(1, 100_00),
    }


def test_the_receipts_root_is_the_rfc_9162_root_of_the_receipts_in_entry_order() -> None:
    lines = a_busy_day()
    statement = day_statement(reversed(lines), account=MERCHANT, date=DAY, closing_hour=2)
    assert statement.receipts_root == naive_root([line.receipt for line in lines]).hex()


def test_an_empty_day_has_no_entries_and_the_empty_tree_root() -> None:
    statement = day_statement([], account=MERCHANT, date=DAY)
    assert (statement.count, statement.credits, statement.debits) == (0, 0, 0)
    assert (statement.first_entry, statement.last_entry) == (None, None)
    assert statement.receipts_root == hashlib.sha256(b"").hexdigest()
    assert statement.per_till == {} and statement.per_hour == {}


def test_the_difference_is_the_declared_total_less_the_net_takings() -> None:
    lines = a_busy_day()
    counted = day_statement(lines, account=MERCHANT, date=DAY, closing_hour=2, declared=120_00)
    assert counted.difference == 120_00 - 119_50
    assert day_statement(lines, account=MERCHANT, date=DAY, closing_hour=2).difference is None


def test_a_line_accepted_after_closing_is_refused_in_that_days_statement() -> None:
    late = received(21, at("2026-03-15T02:00:00+01:00"), 5_00)
    with pytest.raises(StatementError):
        day_statement([*a_busy_day(), late], account=MERCHANT, date=DAY, closing_hour=2)


def test_the_same_entry_given_twice_is_refused() -> None:
    line = received(10, at("2026-03-14T09:05:00+01:00"), 12_50)
    with pytest.raises(StatementError):
        day_statement([line, line], account=MERCHANT, date=DAY)


@pytest.mark.parametrize("amount", [0, -5, 2**31, 12.5])
def test_a_line_of_no_whole_positive_amount_is_refused(amount: object) -> None:
    with pytest.raises(StatementError):
        TakingLine(1, 0, "in", amount, RESIDENT, "", None, b"r")  # type: ignore[arg-type]


def test_a_refund_received_from_another_merchant_is_money_in_not_a_refund_given() -> None:
    line = TakingLine(1, at("2026-03-14T09:05:00+01:00"), "in", 100, RESIDENT, "", "ab" * 32, b"r")
    statement = day_statement([line], account=MERCHANT, date=DAY)
    assert (statement.credits, statement.refunds, line.is_refund) == (100, 0, False)


def test_the_day_record_has_exactly_the_fields_of_spec_7() -> None:
    statement = day_statement(
        a_busy_day(), account=MERCHANT, date=DAY, closing_hour=2, declared=120_00
    )
    record = day_record(statement, ledger=HOST, kid="a1b2c3d4")
    assert record == {
        "v": 1,
        "type": "day",
        "ledger": HOST,
        "account": "1042",
        "date": "2026-03-14",
        "kid": "a1b2c3d4",
        "first_entry": 10,
        "last_entry": 20,
        "count": 4,
        "credits": 122_70,
        "refunds": 3_20,
        "debits": 43_20,
        "declared": 120_00,
        "receipts_root": statement.receipts_root,
    }


def test_the_day_record_of_an_empty_day_has_null_entries() -> None:
    record = day_record(day_statement([], account=MERCHANT, date=DAY), ledger=HOST, kid="ab12cd34")
    assert (record["first_entry"], record["last_entry"], record["declared"]) == (None, None, None)


def test_a_period_has_a_statement_for_every_day_even_an_empty_one() -> None:
    statements = period_statements(
        a_busy_day(),
        account=MERCHANT,
        first=dt.date(2026, 3, 13),
        last=dt.date(2026, 3, 15),
        closing_hour=2,
    )
    assert [s.date for s in statements] == [
        dt.date(2026, 3, 13),
        dt.date(2026, 3, 14),
        dt.date(2026, 3, 15),
    ]
    assert [s.count for s in statements] == [0, 4, 0]


def test_a_line_outside_the_period_is_refused() -> None:
    with pytest.raises(StatementError):
        period_statements(a_busy_day(), account=MERCHANT, first=DAY, last=DAY, closing_hour=0)


def test_period_totals_refuse_a_day_given_twice() -> None:
    statement = day_statement([], account=MERCHANT, date=DAY)
    with pytest.raises(StatementError):
        period_totals([statement, statement])


# --- properties ---------------------------------------------------------------------------

TILLS = st.sampled_from(["", "a1b2c3d4", "c0ffee00"])


@st.composite
def a_days_lines(draw: st.DrawFn, start: int, end: int, first_entry: int = 0) -> list[TakingLine]:
    """Payments in, refunds of some of them, and other payments out, within [start, end)."""
    lines: list[TakingLine] = []
    entry = first_entry
    payments: list[TakingLine] = []
    for _ in range(draw(st.integers(0, 25))):
        entry += draw(st.integers(1, 5))
        accepted = draw(st.integers(start, end - 1))
        kind = draw(st.sampled_from(["payment", "payment", "refund", "out"]))
        amount = draw(st.integers(1, 500_00))
        if kind == "refund" and payments:
            original = draw(st.sampled_from(payments))
            line = refunded(entry, accepted, min(amount, original.amount), of=original.entry)
        elif kind == "out":
            line = paid(entry, accepted, amount, to=draw(st.sampled_from([OTHER_MERCHANT, 1])))
        else:
            line = received(entry, accepted, amount, till=draw(TILLS))
            payments.append(line)
        lines.append(line)
    return lines


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(), closing=st.integers(0, 23), day=st.sampled_from([DAY, dt.date(2026, 10, 25)])
)
def test_a_day_statements_totals_are_the_sums_of_its_receipts(
    data: st.DataObject, closing: int, day: dt.date
) -> None:
    start, end = day_bounds(day, closing)
    lines = data.draw(a_days_lines(start, end))
    statement = day_statement(
        data.draw(st.permutations(lines)), account=MERCHANT, date=day, closing_hour=closing
    )
    receipts = [parsed(line.receipt) for line in sorted(lines, key=lambda x: x.entry)]
    incoming = [r for r in receipts if r["to"] == str(MERCHANT)]
    outgoing = [r for r in receipts if r["from"] == str(MERCHANT)]
    assert statement.count == len(incoming)
    assert statement.credits == sum(int(str(r["amount"])) for r in incoming)
    assert statement.debits == sum(int(str(r["amount"])) for r in outgoing)
    assert statement.refunds == sum(int(str(r["amount"])) for r in outgoing if r["ref"])
    assert statement.net == statement.credits - statement.refunds
    assert sum(t.payments for t in statement.per_till.values()) == statement.count
    assert sum(t.credits for t in statement.per_till.values()) == statement.credits
    assert sum(t.refunds for t in statement.per_till.values()) == statement.refunds
    assert sum(h.payments for h in statement.per_hour.values()) == statement.count
    assert sum(h.credits for h in statement.per_hour.values()) == statement.credits
    assert statement.first_entry == (receipts[0]["entry"] if receipts else None)
    assert statement.last_entry == (receipts[-1]["entry"] if receipts else None)
    assert (
        statement.receipts_root
        == naive_root([x.receipt for x in sorted(lines, key=lambda x: x.entry)]).hex()
    )


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    closing=st.integers(0, 23),
    first=st.sampled_from([dt.date(2026, 3, 27), dt.date(2026, 10, 23), dt.date(2026, 6, 1)]),
    days=st.integers(1, 5),
)
def test_the_days_of_a_period_add_up_to_the_periods_totals(
    data: st.DataObject, closing: int, first: dt.date, days: int
) -> None:
    last = first + dt.timedelta(days=days - 1)
    start = day_bounds(first, closing)[0]
    end = day_bounds(last, closing)[1]
    lines = data.draw(a_days_lines(start, end))
    statements = period_statements(
        lines, account=MERCHANT, first=first, last=last, closing_hour=closing
    )
    totals = period_totals(statements)
    assert totals.days == days and (totals.first, totals.last) == (first, last)
    assert totals.count == sum(1 for line in lines if line.direction == "in")
    assert totals.credits == sum(line.amount for line in lines if line.direction == "in")
    assert totals.debits == sum(line.amount for line in lines if line.direction == "out")
    assert totals.refunds == sum(line.amount for line in lines if line.is_refund)
    assert totals.net == totals.credits - totals.refunds
    days_with_lines = {business_day(line.accepted, closing) for line in lines}
    assert {s.date for s in statements if s.last_entry is not None} == days_with_lines


def test_period_totals_sum_declared_totals_and_differences_of_the_days_that_have_them() -> None:
    lines = a_busy_day()
    statements: list[DayStatement] = period_statements(
        lines,
        account=MERCHANT,
        first=dt.date(2026, 3, 13),
        last=dt.date(2026, 3, 14),
        closing_hour=2,
        declared={dt.date(2026, 3, 14): 120_00},
    )
    totals = period_totals(statements)
    assert (totals.declared, totals.difference) == (120_00, 50)
    assert period_totals([statements[0]]).declared is None
