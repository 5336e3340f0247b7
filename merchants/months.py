"""A local authority's monthly statement (its régie de recettes), and balances at an instant.

A merchant of kind `local_authority` is a municipality's régie: its accountant (the public
treasury) wants each month's takings in aggregate, never who paid. The statement of a month
is its business days (each day's count, credits, refunds and net, and the entry of the `day`
record the régie signed when it closed it), the reconversions it asked for in the month
(units paid out to euros, with their payout batch), and the account's balance at the start
of the month's first business day and at the end of its last. `other` is what the balance
moved by beyond the takings and reconversions (payments the régie made, takings carried
past an early closing), so that opening + net − reconverted + other = closing, always.

It is tied to the log: the entries it covers (`first_entry`, `last_entry`), the log's size
when it was read (`log_size`, a checkpoint any reader can check with `GET /v1/log/…`), and
the RFC 9162 root over the receipts of every taking of the month, in entry order, as the day
statements have (`merchants.takings.receipts_root`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ledger.errors import InvalidDay
from ledger.ports import LedgerUnitOfWork
from merchants.business_day import PARIS, day_bounds
from merchants.days import business_day_of, load_day
from merchants.profiles import Profile, merchant_profile
from merchants.tables import PAYOUT_BATCHES, RECONVERSIONS
from merchants.takings import DayStatement, receipts_root

R, B = RECONVERSIONS, PAYOUT_BATCHES


def balance_before(uow: LedgerUnitOfWork, *, account: int, instant: int) -> int:
    """The account's balance (credits − debits) of the entries accepted before `instant`."""
    credits = sum(uow.reads.totals_by_type(credit=account, accepted=(0, instant)).values())
    debits = sum(uow.reads.totals_by_type(debit=account, accepted=(0, instant)).values())
    return credits - debits


def parse_month(text: str) -> dt.date:
    """`2026-03` → the month's first day (InvalidDay if it is not a month)."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise InvalidDay(f"{text} is not a month (YYYY-MM)") from None


def _last_of(first: dt.date) -> dt.date:
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class MonthDay:
    statement: DayStatement
    closed_entry: int | None  # the régie's signed `day` record, once the day is closed


@dataclass(frozen=True, slots=True)
class MonthReconversion:
    entry: int
    requested: int
    amount: int  # units taken out of the account
    fee: int
    batch: int | None
    status: str  # waiting, approved (in a batch to send), executed (the bank paid it)

    @property
    def net(self) -> int:
        return self.amount - self.fee


@dataclass(frozen=True, slots=True)
class MonthStatement:
    account: int
    name: str
    month: str  # YYYY-MM
    complete: bool  # the month's last business day is over
    start: int  # the first business day's start (Unix seconds)
    end: int  # the last business day's end, or now if the month is not over
    opening: int
    closing: int
    days: list[MonthDay]
    reconversions: list[MonthReconversion]
    first_entry: int | None
    last_entry: int | None
    log_size: int
    receipts_root: str

    @property
    def count(self) -> int:
        return sum(d.statement.count for d in self.days)

    @property
    def credits(self) -> int:
        return sum(d.statement.credits for d in self.days)

    @property
    def refunds(self) -> int:
        return sum(d.statement.refunds for d in self.days)

    @property
    def net(self) -> int:
        return self.credits - self.refunds

    @property
    def reconverted(self) -> int:
        return sum(r.amount for r in self.reconversions)

    @property
    def paid_out(self) -> int:
        """Euros owed or paid to the régie for the month's reconversions (after fees)."""
        return sum(r.net for r in self.reconversions)

    @property
    def other(self) -> int:
        return self.closing - self.opening - self.net + self.reconverted


def regie(uow: LedgerUnitOfWork, *, account: int) -> Profile:
    profile = merchant_profile(uow, account=account)
    if profile.kind != "local_authority":
        raise InvalidDay(f"merchant {account} is not a local authority")
    return profile


def month_statement(uow: LedgerUnitOfWork, *, account: int, month: str) -> MonthStatement:
    """The régie's statement of `month` (YYYY-MM) as the log stands; a month under way stops
    at today's business day."""
    profile = regie(uow, account=account)
    first = parse_month(month)
    now = uow.ledger.clock()
    today = business_day_of(profile, now)
    if first > today:
        raise InvalidDay(f"the month {month} has not started")
    month_last = _last_of(first)
    last = min(month_last, today)
    hour, minute = profile.closing
    start = day_bounds(first, hour, minute, PARIS)[0]
    end = min(day_bounds(last, hour, minute, PARIS)[1], now + 1)
    days = []
    receipts = []
    for n in range((last - first).days + 1):
        day = load_day(uow, account=account, date=first + dt.timedelta(days=n))
        days.append(MonthDay(day.statement, day.closed_entry))
        receipts += [line.receipt for line in day.lines]
    rows = uow.connection.execute(
        select(R.c.entry, R.c.requested, R.c.amount, R.c.fee, R.c.batch, B.c.status)
        .outerjoin(B, B.c.id == R.c.batch)
        .where(R.c.account == account, R.c.requested >= start, R.c.requested < end)
        .order_by(R.c.entry)
    )
    reconversions = [
        MonthReconversion(
            int(r.entry),
            int(r.requested),
            int(r.amount),
            int(r.fee),
            None if r.batch is None else int(r.batch),
            r.status or "waiting",
        )
        for r in rows
    ]
    span = uow.reads.entry_span(start, end)
    return MonthStatement(
        account=account,
        name=profile.legal_name,
        month=first.strftime("%Y-%m"),
        complete=last == month_last and today > month_last,
        start=start,
        end=end,
        opening=balance_before(uow, account=account, instant=start),
        closing=balance_before(uow, account=account, instant=end),
        days=days,
        reconversions=reconversions,
        first_entry=None if span is None else span[0],
        last_entry=None if span is None else span[1],
        log_size=uow.reads.log_size(),
        receipts_root=receipts_root(receipts),
    )
