"""The pilot's evaluation report: how the currency was used, month by month.

Months are calendar months in Europe/Paris, from the month of the log's first entry to the
month of `now` (the last one counted up to `now`). For each:

- **active residents**: resident accounts that made at least one payment;
- **active merchants**: merchant accounts that received at least one payment;
- **payments** and **volume**: the count and cents of payments, i.e. `transfer` records that
  are not refunds (refunds give money back; they are not activity);
- **merchant to merchant**: cents paid by a merchant to a merchant, and their share of the
  volume in basis points (1/100 of a percent);
- **received by merchants** and **reconverted**: cents of payments merchants received, cents
  merchants reconverted to euros (gross, fee included), and the **reconversion rate**, the
  second over the first in basis points;
- **average circulation**: the time-weighted mean, over the month's seconds, of the digital
  units held (Σ holder balances: paper notes are not spent through the ledger, so they are
  left out of a measure of digital payments), in cents rounded down;
- **velocity**: the volume over that average circulation — how many times the average digital
  unit changed hands in the month — in basis points (10 000 = once), computed exactly as
  ``volume × seconds × 10 000 // ∫ circulation dt``.

Every ratio is an integer rounded down, or None when its denominator is zero: no floats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ledger.money import format_fr
from ledger.ports import LedgerUnitOfWork
from merchants.business_day import PARIS

__all__ = ["CSV_HEADER", "MonthFigures", "evaluation", "evaluation_csv", "month_bounds"]

BASIS = 10_000
BOM = "\ufeff"
CSV_HEADER = (
    "Mois",
    "Résidents actifs",
    "Prestataires actifs",
    "Paiements",
    "Volume",
    "Entre prestataires",
    "Part entre prestataires (%)",
    "Reçu par les prestataires",
    "Reconverti",
    "Taux de reconversion (%)",
    "Circulation numérique moyenne",
    "Vitesse de circulation",
    "Mois partiel",
)


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: str  # YYYY-MM
    active_residents: int
    active_merchants: int
    payments: int
    volume: int
    merchant_to_merchant: int
    merchant_share_bp: int | None
    received_by_merchants: int
    reconverted: int
    reconversion_rate_bp: int | None
    average_circulation: int
    velocity_bp: int | None
    # the ledger began after the month's first day, or the month is still running: its
    # figures cover only part of it, and the pilot is never judged on it
    partial: bool = False


def _ratio(numerator: int, denominator: int) -> int | None:
    return None if denominator == 0 else numerator * BASIS // denominator


def month_bounds(first: int, now: int) -> list[tuple[str, int, int]]:
    """(``YYYY-MM``, start, end) in Unix seconds, for each Paris month from `first` to `now`."""
    paris = ZoneInfo(PARIS)
    day = dt.datetime.fromtimestamp(first, paris)
    year, month = day.year, day.month
    out: list[tuple[str, int, int]] = []
    while True:
        # midnight on the 1st is never skipped nor repeated by the Paris clock changes
        start = int(dt.datetime(year, month, 1, tzinfo=paris).timestamp())
        if start > now:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = int(dt.datetime(year, month, 1, tzinfo=paris).timestamp())
        label = f"{year - 1 if month == 1 else year:04d}-{12 if month == 1 else month - 1:02d}"
        out.append((label, start, end))


def _reconverted(uow: LedgerUnitOfWork, start: int, end: int) -> int:
    moved = uow.reads.totals_by_type(
        types=["reconversion"], unit=uow.ledger.currency, accepted=(start, end)
    )
    return moved.get("reconversion", 0)


def _circulation_changes(uow: LedgerUnitOfWork) -> list[tuple[int, int]]:
    """(time, change of the digital units held), for every leg between a holder and the
    issuance or paper accounts, in log order."""
    outside = {a.number for a in uow.reads.accounts(kinds=("issuance", "paper"))}
    changes = []
    for p in uow.reads.postings(touching=outside, unit=uow.ledger.currency):
        if p.debit in outside and p.credit in outside:
            continue  # paper notes issued: units go from issuance to paper, not to a holder
        changes.append((p.accepted, p.amount if p.debit in outside else -p.amount))
    return changes


def _integrals(
    months: Sequence[tuple[str, int, int]], changes: Sequence[tuple[int, int]], now: int
) -> list[tuple[int, int]]:
    """(∫ circulation dt in cent-seconds, seconds) of each month, up to `now`."""
    out = []
    circulation, i = 0, 0
    for _, start, end in months:
        stop = min(end, now)
        while i < len(changes) and changes[i][0] < start:
            circulation += changes[i][1]
            i += 1
        integral, t = 0, start
        while i < len(changes) and changes[i][0] < stop:
            integral += circulation * (changes[i][0] - t)
            t = changes[i][0]
            circulation += changes[i][1]
            i += 1
        integral += circulation * max(stop - t, 0)
        out.append((integral, max(stop - start, 0)))
    return out


def evaluation(uow: LedgerUnitOfWork, *, now: int) -> list[MonthFigures]:
    """The figures of every month from the log's first entry to `now`, oldest first."""
    first = uow.reads.first_accepted()
    if first is None:
        return []
    months = month_bounds(first, now)
    integrals = _integrals(months, _circulation_changes(uow), now)
    out = []
    for (label, start, end), (integral, seconds) in zip(months, integrals, strict=True):
        paid = uow.reads.payment_figures(start, end)
        volume, received = paid.volume, paid.received_by_merchants
        reconverted = _reconverted(uow, start, end)
        out.append(
            MonthFigures(
                month=label,
                active_residents=paid.active_residents,
                active_merchants=paid.active_merchants,
                payments=paid.count,
                volume=volume,
                merchant_to_merchant=paid.merchant_to_merchant,
                merchant_share_bp=_ratio(paid.merchant_to_merchant, volume),
                received_by_merchants=received,
                reconverted=reconverted,
                reconversion_rate_bp=_ratio(reconverted, received),
                average_circulation=integral // seconds if seconds else 0,
                velocity_bp=None if integral == 0 else volume * seconds * BASIS // integral,
                partial=start < first or now < end,
            )
        )
    return out


def _percent(bp: int | None) -> str:
    return "" if bp is None else format_fr(bp)  # basis points are cents of a percent


def _times(bp: int | None) -> str:
    return "" if bp is None else f"{bp // BASIS},{bp % BASIS:04d}"


def evaluation_csv(months: Iterable[MonthFigures]) -> bytes:
    """The report as a French spreadsheet: `;`, amounts by `format_fr`, rates in percent,
    velocity with four decimals; UTF-8 with a byte-order mark, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for m in months:
        writer.writerow(
            (
                m.month,
                str(m.active_residents),
                str(m.active_merchants),
                str(m.payments),
                format_fr(m.volume),
                format_fr(m.merchant_to_merchant),
                _percent(m.merchant_share_bp),
                format_fr(m.received_by_merchants),
                format_fr(m.reconverted),
                _percent(m.reconversion_rate_bp),
                format_fr(m.average_circulation),
                _times(m.velocity_bp),
                "oui" if m.partial else "non",
            )
        )
    return (BOM + out.getvalue()).encode("utf-8")


# --- the pilot's end date and success criteria ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Criterion:
    """A target the pilot is judged by, on its last complete month (`at_least` or not)."""

    name: str
    target: int  # in the figure's own unit: accounts, cents, basis points
    at_least: bool = True

    def met(self, value: int | None) -> bool | None:
        if value is None:
            return None
        return value >= self.target if self.at_least else value <= self.target


# The first pilot's charter: the figures its last month is judged by (the end date is the
# SOU_PILOT_END setting).
DEFAULT_CRITERIA = (
    Criterion("active_residents", 100),
    Criterion("active_merchants", 10),
    Criterion("volume", 5_000_00),
    Criterion("merchant_share_bp", 1_000),
    Criterion("reconversion_rate_bp", 5_000, at_least=False),
)


@dataclass(frozen=True, slots=True)
class Assessment:
    criterion: Criterion
    month: str | None  # the month judged: the last complete one
    value: int | None
    met: bool | None  # None: not judged yet (no complete month, or no denominator)


@dataclass(frozen=True, slots=True)
class PilotStatus:
    end: dt.date | None
    days_left: int | None
    assessments: tuple[Assessment, ...]


def assess(
    months: Sequence[MonthFigures],
    *,
    now: int,
    end: dt.date | None,
    criteria: Sequence[Criterion] = DEFAULT_CRITERIA,
) -> PilotStatus:
    """Where the pilot stands against its criteria, judged on its last complete month."""
    today = dt.datetime.fromtimestamp(now, ZoneInfo(PARIS)).date()
    current = today.strftime("%Y-%m")
    complete = [m for m in months if m.month < current and not m.partial]
    judged = complete[-1] if complete else None
    assessments = []
    for criterion in criteria:
        value = None if judged is None else getattr(judged, criterion.name)
        assessments.append(
            Assessment(criterion, judged.month if judged else None, value, criterion.met(value))
        )
    days_left = None if end is None else max(0, (end - today).days)
    return PilotStatus(end, days_left, tuple(assessments))
