"""A merchant's takings: the day statement (Z report), its `day` record, and totals over a period.

The statement is a pure fold of the account's transfer lines of one business day (one
`TakingLine` per transfer to or from the account, with its receipt), following FORMATS.md §7:
`count` is the number of payments received (every transfer in), `credits` the cents received,
`refunds` the cents refunded (transfers out that reference a payment; a refund the merchant
receives from another merchant is money in like any other), `debits` all cents out
(refunds and payments to other merchants; a reconversion is not a transfer, has no
receipt, and is not in the statement). The day's `net` takings are
`credits − refunds`: what the merchant earned, before any other use of the money; the change
of the account's balance over the day is `credits − debits`. `difference` is `declared − net`
(positive when the merchant counted more than the ledger recorded), or None when nothing was
declared. Per till, payments and credits count under the till that asked for the payment and
refunds under the till that signed them; per hour, payments count under the local hour of
their acceptance. `receipts_root` is the RFC 9162 root over the signed bytes of every line's
receipt in entry order (SHA-256 of nothing for an empty day), so the `day` record commits to
the exact list of receipts.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ledger.log import leaf_hash, merkle_root
from merchants.business_day import PARIS, business_day, day_bounds, days_between, local_hour
from merchants.errors import StatementError

Direction = Literal["in", "out"]
MAX_AMOUNT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class TakingLine:
    """One transfer to (`in`) or from (`out`) the merchant's account, as the log recorded it.

    `till` is the caller's label of the till: for a payment in, the kid of the key that signed
    the payment request ("" for a payment without one, e.g. from the printed sticker); for a
    transfer out, the kid of the key that signed it. `ref` is the hex id of the payment a
    refund pays back, else None. `receipt` is the signed bytes of the transfer's receipt.
    """

    entry: int
    accepted: int
    direction: Direction
    amount: int
    counterpart: int
    till: str
    ref: str | None
    receipt: bytes

    def __post_init__(self) -> None:
        # Written for speed: a day statement builds thousands of these from the log.
        entry, accepted, counterpart, amount = (
            self.entry,
            self.accepted,
            self.counterpart,
            self.amount,
        )
        if not (
            type(entry) is int
            and type(accepted) is int
            and type(counterpart) is int
            and entry >= 0
            and accepted >= 0
            and counterpart >= 0
        ):
            raise StatementError("entry, accepted and counterpart are non-negative integers")
        if type(amount) is not int or not 1 <= amount <= MAX_AMOUNT:
            raise StatementError("'amount' must be 1 to 2**31-1 cents", field="amount")
        if self.direction != "in" and self.direction != "out":
            raise StatementError("'direction' must be 'in' or 'out'", field="direction")
        if type(self.till) is not str:
            raise StatementError("'till' must be a string", field="till")
        if type(self.receipt) is not bytes or not self.receipt:
            raise StatementError("'receipt' must be the receipt's signed bytes", field="receipt")

    @property
    def is_refund(self) -> bool:
        return self.direction == "out" and self.ref is not None


class TillTotals(NamedTuple):
    payments: int
    credits: int
    refunds: int


class HourTotals(NamedTuple):
    payments: int
    credits: int


@dataclass(frozen=True, slots=True)
class DayStatement:
    date: dt.date
    account: int
    count: int
    credits: int
    refunds: int
    debits: int
    first_entry: int | None
    last_entry: int | None
    per_till: Mapping[str, TillTotals]
    per_hour: Mapping[int, HourTotals]
    receipts_root: str
    declared: int | None = None

    @property
    def net(self) -> int:
        """The day's takings: cents received less cents refunded."""
        return self.credits - self.refunds

    @property
    def balance_change(self) -> int:
        """How much the account's balance moved over the day: credits less all debits."""
        return self.credits - self.debits

    @property
    def difference(self) -> int | None:
        """Declared less net (positive: more counted than recorded), None if none declared."""
        return None if self.declared is None else self.declared - self.net


QUARTER = 900  # seconds: every time zone's offset is a whole number of quarter hours


@functools.lru_cache(maxsize=4096)
def _local_hour(quarter: int, tz: str) -> int:
    """The local hour of any instant of a UTC quarter hour (the same for all of them)."""
    return local_hour(quarter * QUARTER, tz)


def receipts_root(receipts: Iterable[bytes]) -> str:
    """The hex RFC 9162 root over receipts' signed bytes, in the order given."""
    return merkle_root([leaf_hash(receipt) for receipt in receipts]).hex()


def _check_declared(declared: int | None) -> int | None:
    if declared is not None and (type(declared) is not int or not 0 <= declared <= MAX_AMOUNT):
        raise StatementError("the declared total is 0 to 2**31-1 cents", field="declared")
    return declared


def day_statement(
    lines: Iterable[TakingLine],
    *,
    account: int,
    date: dt.date,
    closing_hour: int = 0,
    closing_minute: int = 0,
    tz: str = PARIS,
    declared: int | None = None,
    since: int | None = None,
) -> DayStatement:
    """The statement of business day `date` from all of the account's lines of that day.

    Lines may come in any order (they are sorted by entry); a line accepted outside the day,
    or two lines with the same entry, raise `StatementError`. `since` moves the day's start
    earlier: when the previous day was closed before its end, what came after its closing
    belongs to this day.
    """
    start, end = day_bounds(date, closing_hour, closing_minute, tz)
    if since is not None:
        start = min(start, since)
    ordered = sorted(lines, key=lambda line: line.entry)
    for before, after in itertools.pairwise(ordered):
        if before.entry == after.entry:
            raise StatementError(f"entry {after.entry} is given twice", entry=after.entry)
    count = credits = refunds = debits = 0
    tills: dict[str, list[int]] = {}
    hours: dict[int, list[int]] = {}
    for line in ordered:
        if not start <= line.accepted < end:
            raise StatementError(
                f"entry {line.entry} was accepted outside the business day {date.isoformat()}",
                entry=line.entry,
            )
        till = tills.setdefault(line.till, [0, 0, 0])
        if line.direction == "in":
            count += 1
            credits += line.amount
            till[0] += 1
            till[1] += line.amount
            hour = hours.setdefault(_local_hour(line.accepted // QUARTER, tz), [0, 0])
            hour[0] += 1
            hour[1] += line.amount
        else:
            debits += line.amount
            if line.is_refund:
                refunds += line.amount
                till[2] += line.amount
    return DayStatement(
        date=date,
        account=account,
        count=count,
        credits=credits,
        refunds=refunds,
        debits=debits,
        first_entry=ordered[0].entry if ordered else None,
        last_entry=ordered[-1].entry if ordered else None,
        per_till={k: TillTotals(*v) for k, v in sorted(tills.items()) if v != [0, 0, 0]},
        per_hour={k: HourTotals(*v) for k, v in sorted(hours.items())},
        receipts_root=receipts_root(line.receipt for line in ordered),
        declared=_check_declared(declared),
    )


def period_statements(
    lines: Iterable[TakingLine],
    *,
    account: int,
    first: dt.date,
    last: dt.date,
    closing_hour: int = 0,
    closing_minute: int = 0,
    tz: str = PARIS,
    declared: Mapping[dt.date, int] | None = None,
) -> list[DayStatement]:
    """One statement per business day from `first` to `last` (both included, empty days too).

    Every line must fall in one of those days, else `StatementError`.
    """
    if last < first:
        raise StatementError("the period ends before it starts")
    by_day: dict[dt.date, list[TakingLine]] = {d: [] for d in days_between(first, last)}
    for line in lines:
        day = business_day(line.accepted, closing_hour, closing_minute, tz)
        if day not in by_day:
            raise StatementError(
                f"entry {line.entry} belongs to {day.isoformat()}, outside the period",
                entry=line.entry,
            )
        by_day[day].append(line)
    return [
        day_statement(
            day_lines,
            account=account,
            date=day,
            closing_hour=closing_hour,
            closing_minute=closing_minute,
            tz=tz,
            declared=(declared or {}).get(day),
        )
        for day, day_lines in by_day.items()
    ]


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    first: dt.date | None
    last: dt.date | None
    days: int
    count: int
    credits: int
    refunds: int
    debits: int
    declared: int | None
    difference: int | None  # declared less net, over the days that have a declared total

    @property
    def net(self) -> int:
        return self.credits - self.refunds


def period_totals(statements: Sequence[DayStatement]) -> PeriodTotals:
    """The sums of day statements; `declared` and `difference` sum only the days with a
    declared total, and are None if no day has one.

    The statements must be of one account and of distinct days, else `StatementError`.
    """
    if len({s.account for s in statements}) > 1:
        raise StatementError("the statements are of several accounts")
    dates = [s.date for s in statements]
    if len(set(dates)) != len(dates):
        raise StatementError("a day is given twice")
    with_declared = [s for s in statements if s.declared is not None]
    return PeriodTotals(
        first=min(dates, default=None),
        last=max(dates, default=None),
        days=len(statements),
        count=sum(s.count for s in statements),
        credits=sum(s.credits for s in statements),
        refunds=sum(s.refunds for s in statements),
        debits=sum(s.debits for s in statements),
        declared=sum(s.declared or 0 for s in with_declared) if with_declared else None,
        difference=sum(s.difference or 0 for s in with_declared) if with_declared else None,
    )


def day_record(statement: DayStatement, *, ledger: str, kid: str) -> dict[str, Any]:
    """The fields of the `day` record (FORMATS.md §7) for this statement, ready to be signed.

    Exactly the day record's fields: `account` is a decimal string like every account number
    in a record. Whatever the ledger's schema adds to every signed record (a nonce, a creation
    time) is the ledger's to add when it signs.
    """
    return {
        "v": 1,
        "type": "day",
        "ledger": ledger,
        "account": str(statement.account),
        "date": statement.date.isoformat(),
        "kid": kid,
        "first_entry": statement.first_entry,
        "last_entry": statement.last_entry,
        "count": statement.count,
        "credits": statement.credits,
        "refunds": statement.refunds,
        "debits": statement.debits,
        "declared": statement.declared,
        "receipts_root": statement.receipts_root,
    }
