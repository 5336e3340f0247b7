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

from ledger.accounts import HOLDER_KINDS
from ledger.ports import LedgerUnitOfWork

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
    # whole seconds: (since, until] is [since + 1, until + 1)
    moved = uow.reads.totals_by_type(types=["transfer"], accepted=(since + 1, until + 1))
    return moved.get("transfer", 0)


def outstanding_digital(uow: LedgerUnitOfWork) -> int:
    """Units held in holder accounts now."""
    return sum(total.balance for total in uow.reads.kind_totals(HOLDER_KINDS).values())


def compliance(uow: LedgerUnitOfWork, *, now: int, threshold: int = THRESHOLD) -> Compliance:
    since = now - WINDOW
    return Compliance(
        since=since,
        until=now,
        payment_volume=Measure(payment_volume(uow, since=since, until=now), threshold),
        outstanding=Measure(outstanding_digital(uow), threshold),
    )
