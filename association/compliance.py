"""The limited-network exemption: the two 1 M€ thresholds a local currency must watch.

A currency whose digital means of payment stay within a limited network is exempt from a
payment-institution licence while, over the last twelve months, its digital payment volume,
and its outstanding digital units, stay below 1 000 000,00 € each (FORMATS.md §8). Here the rolling
twelve months are the last 365 days up to now, and the payment volume is the sum of every
`transfer` accepted in that window (payments and refunds between holders; conversions,
reconversions and paper notes are not payments). Outstanding digital units are the holder
balances now. Each measure is compared in whole basis points, rounded down: an alert from
80 %, and "exceeded" from 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ledger.accounts import HOLDER_KINDS
from ledger.context import LedgerUnitOfWork
from ledger.persistence.tables import ACCOUNTS, ENTRIES, POSTINGS

THRESHOLD = 1_000_000_00  # cents: 1 000 000,00 €
WINDOW = 365 * 86_400  # seconds: the rolling twelve months
WARNING_BP = 8_000
EXCEEDED_BP = 10_000
LEVELS = ("ok", "warning", "exceeded")


@dataclass(frozen=True, slots=True)
class Measure:
    amount: int
    threshold: int

    @property
    def usage_bp(self) -> int:
        """The share of the threshold used, in basis points rounded down."""
        return self.amount * 10_000 // self.threshold

    @property
    def level(self) -> str:
        if self.usage_bp >= EXCEEDED_BP:
            return "exceeded"
        if self.usage_bp >= WARNING_BP:
            return "warning"
        return "ok"


@dataclass(frozen=True, slots=True)
class Compliance:
    since: int  # Unix seconds, exclusive
    until: int  # Unix seconds, inclusive
    payment_volume: Measure
    outstanding: Measure

    @property
    def level(self) -> str:
        """The worse of the two measures' levels."""
        return max(self.payment_volume.level, self.outstanding.level, key=LEVELS.index)


def payment_volume(uow: LedgerUnitOfWork, *, since: int, until: int) -> int:
    """Cents moved by `transfer` records accepted in (since, until]."""
    total = uow.connection.execute(
        select(func.coalesce(func.sum(POSTINGS.c.amount), 0))
        .join(ENTRIES, ENTRIES.c.idx == POSTINGS.c.entry)
        .where(ENTRIES.c.type == "transfer", ENTRIES.c.accepted > since)
        .where(ENTRIES.c.accepted <= until)
    ).scalar_one()
    return int(total)


def outstanding_digital(uow: LedgerUnitOfWork) -> int:
    total = uow.connection.execute(
        select(func.coalesce(func.sum(ACCOUNTS.c.credits - ACCOUNTS.c.debits), 0)).where(
            ACCOUNTS.c.kind.in_(sorted(HOLDER_KINDS))
        )
    ).scalar_one()
    return int(total)


def compliance(uow: LedgerUnitOfWork, *, now: int, threshold: int = THRESHOLD) -> Compliance:
    since = now - WINDOW
    return Compliance(
        since=since,
        until=now,
        payment_volume=Measure(payment_volume(uow, since=since, until=now), threshold),
        outstanding=Measure(outstanding_digital(uow), threshold),
    )
