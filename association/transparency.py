"""The public transparency page's figures: aggregates only, never a person.

Twelve months (Europe/Paris), the current one so far: the circulation and backing at each
month's end (from `association.dashboard.history`), their coverage, and the digital payments
accepted in the month (their number and total). Beside them, how many resident and merchant
accounts are open and how many merchants are approved. No account number, name, balance or
single payment is in them.

A month with fewer than `MIN_PAYMENTS` payments shows their number but not their total: in a
month of one or two payments, the total would be what one person paid (docs/PRIVACY.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from association.dashboard import (
    PARIS,
    MonthPoint,
    coverage_bp,
    history,
    holder_counts,
    month_of,
)
from ledger.ports import LedgerUnitOfWork
from merchants.tables import MERCHANTS

MONTHS = 12
MIN_PAYMENTS = 5  # fewer payments in a month: their total is not shown


@dataclass(frozen=True, slots=True)
class PublicMonth:
    month: str  # YYYY-MM
    partial: bool  # the current month, so far
    circulation: int  # at the month's end (or now)
    backing: int
    coverage_bp: int | None
    payments: int  # digital payments accepted in the month
    payments_total: int | None  # None when `payments` < MIN_PAYMENTS


@dataclass(frozen=True, slots=True)
class PublicFigures:
    months: tuple[PublicMonth, ...]  # oldest first
    residents: int  # open (or frozen) resident accounts
    merchants: int  # open (or frozen) merchant accounts
    approved_merchants: int
    min_payments: int = MIN_PAYMENTS


def _month_starts(now: int) -> list[tuple[str, int, int]]:
    """The last `MONTHS` months to the current one: (YYYY-MM, start, end) in Unix seconds."""
    today = dt.datetime.fromtimestamp(now, PARIS)
    year, month = today.year, today.month
    spans = []
    for _ in range(MONTHS):
        start = dt.datetime(year, month, 1, tzinfo=PARIS)
        following = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=PARIS)
        spans.append(
            (f"{year:04d}-{month:02d}", int(start.timestamp()), int(following.timestamp()))
        )
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return spans[::-1]


def public_figures(
    uow: LedgerUnitOfWork, *, now: int, months: Sequence[MonthPoint] | None = None
) -> PublicFigures:
    """The figures of the public page, as the ledger stands at `now`; `months`, the
    dashboard's history if the caller has it already (else it is read again)."""
    points = {p.month: p for p in (history(uow, now=now) if months is None else months)}
    current = month_of(now)
    out = []
    for month, start, end in _month_starts(now):
        point = points.get(month)  # none before the ledger's first posting
        circulation = point.circulation if point else 0
        backing = point.backing if point else 0
        paid = uow.reads.payment_figures(start, end)
        out.append(
            PublicMonth(
                month=month,
                partial=month == current,
                circulation=circulation,
                backing=backing,
                coverage_bp=coverage_bp(backing, circulation),
                payments=paid.count,
                payments_total=paid.volume if paid.count >= MIN_PAYMENTS else None,
            )
        )
    counts = holder_counts(uow)
    approved = uow.connection.execute(
        select(func.count()).select_from(MERCHANTS).where(MERCHANTS.c.status == "approved")
    ).scalar_one()
    return PublicFigures(
        months=tuple(out),
        residents=counts.get("resident", 0),
        merchants=counts.get("merchant", 0),
        approved_merchants=int(approved),
    )
