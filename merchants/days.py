"""A merchant's business days from the log: today's takings, a day's statement, its closing.

A transfer to or from the merchant belongs to the business day of its acceptance time, in
`Europe/Paris` with the merchant's closing time, except that a day closed before its end
sends what comes after its `day` record to the next day. Only transfers are takings (they
have receipts); conversions and reconversions are not. Closing a day posts the `day` record
the merchant signed, once the server has found the same figures under the account's lock, so
no payment can slip between the statement and its closing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.errors import InvalidDay, NotAuthorized
from ledger.ports import LedgerUnitOfWork
from ledger.posting import Posted, post_record
from ledger.receipts import receipt_bytes
from ledger.records import SignedRecord
from merchants.business_day import PARIS, business_day, day_bounds
from merchants.errors import DayNotOver, DayStatementChanged
from merchants.profiles import Profile, merchant_profile
from merchants.takings import DayStatement, TakingLine, day_record, day_statement


@dataclass(frozen=True, slots=True)
class Day:
    statement: DayStatement
    lines: list[TakingLine]
    closed_entry: int | None  # the `day` record's entry, once closed


def _lines(
    uow: LedgerUnitOfWork, account: int, start: int, end: int, *, after: int = -1
) -> list[TakingLine]:
    """The account's transfers accepted in [start, end) (and after entry `after`), with their
    receipts' bytes: read from the columns, never by parsing the signed records."""
    span = uow.reads.entry_span(start, end)
    if span is None or span[1] <= after:
        return []
    first, last = max(span[0], after + 1), span[1]
    host, unit = uow.ledger.host, uow.ledger.currency
    lines = []
    for t in uow.reads.transfer_lines(account, first, last):
        if not start <= t.accepted < end:
            continue
        payer, payee = (t.counterpart, account) if t.incoming else (account, t.counterpart)
        transfer = {
            "ledger": host,
            "currency": unit,
            "from": str(payer),
            "to": str(payee),
            "amount": t.amount,
            "payreq": t.payreq,
            "ref": t.ref,
        }
        lines.append(
            TakingLine(
                entry=t.entry,
                accepted=t.accepted,
                direction="in" if t.incoming else "out",
                amount=t.amount,
                counterpart=t.counterpart,
                till=(t.till or "") if t.incoming else t.kid,
                ref=t.ref,
                receipt=receipt_bytes(
                    transfer, transfer_id=t.record_id, entry=t.entry, accepted=t.accepted
                ),
            )
        )
    lines.sort(key=lambda line: line.entry)
    return lines


def _closings(uow: LedgerUnitOfWork, account: int, dates: list[dt.date]) -> dict[dt.date, int]:
    closed = uow.reads.closed_days(account, [d.isoformat() for d in dates])
    return {dt.date.fromisoformat(date): entry for date, entry in closed.items()}


def business_day_of(profile: Profile, instant: int) -> dt.date:
    return business_day(instant, *profile.closing, PARIS)


def load_day(
    uow: LedgerUnitOfWork, *, account: int, date: dt.date, declared: int | None = None
) -> Day:
    """The statement of `date` as the log stands (closed or not), with its lines.

    `declared` is the total the merchant counted; by default, a closed day's is the one in
    its `day` record.
    """
    profile = merchant_profile(uow, account=account)
    hour, minute = profile.closing
    start, end = day_bounds(date, hour, minute, PARIS)
    previous = date - dt.timedelta(days=1)
    closings = _closings(uow, account, [previous, date])
    carried_from = closings.get(previous)
    since = None
    lines = []
    if carried_from is not None:  # what came after an early closing of the day before
        before_start, _ = day_bounds(previous, hour, minute, PARIS)
        carried = [
            line for line in _lines(uow, account, before_start, start) if line.entry > carried_from
        ]
        if carried:
            since = carried[0].accepted
            lines += carried
    closed = closings.get(date)
    if closed is not None and declared is None:  # what the merchant declared when closing
        (closing,) = uow.reads.entries(indexes=[closed])
        declared = closing.record["declared"]
    lines += [
        line for line in _lines(uow, account, start, end) if closed is None or line.entry < closed
    ]
    statement = day_statement(
        lines,
        account=account,
        date=date,
        closing_hour=hour,
        closing_minute=minute,
        tz=PARIS,
        declared=declared,
        since=since,
    )
    return Day(statement, lines, closed)


def record_for(
    uow: LedgerUnitOfWork, *, account: int, date: dt.date, kid: str, declared: int | None
) -> dict[str, Any]:
    """The `day` record the merchant's key is to sign, to close `date` as it stands now."""
    day = load_day(uow, account=account, date=date, declared=declared)
    return day_record(day.statement, ledger=uow.ledger.host, kid=kid)


def close_day(uow: LedgerUnitOfWork, *, record: SignedRecord, now: int) -> Posted:
    """Posts a signed `day` record if its figures are the day's, as the log stands."""
    r: Mapping[str, Any] = record.record
    if record.type != "day":
        raise InvalidDay("this is not a day record")
    account = int(r["account"])
    profile = merchant_profile(uow, account=account)
    key = uow.reads.key(record.kid)
    if key is None or key.account != account or key.role != "merchant":
        raise NotAuthorized("a day is closed by the merchant's own key")
    date = dt.date.fromisoformat(r["date"])
    if date > business_day_of(profile, now):
        raise DayNotOver(f"the business day {date} has not started", date=r["date"])
    uow.lock_accounts([account])  # no payment to or from it until this commits
    if uow.reads.closed_days(account, [r["date"]]):
        return post_record(uow, record=record, now=now)  # a retry, or refused as closed twice
    expected = record_for(uow, account=account, date=date, kid=record.kid, declared=r["declared"])
    if expected != dict(r):
        changed = sorted(k for k in expected if expected[k] != r.get(k))
        raise DayStatementChanged(
            f"the day's figures are not these ({', '.join(changed)}): fetch the statement again"
        )
    return post_record(uow, record=record, now=now)


MAX_PERIOD = 366  # days in one export


def load_period(uow: LedgerUnitOfWork, *, account: int, first: dt.date, last: dt.date) -> list[Day]:
    """Every business day from `first` to `last` (both included), closed or not."""
    days = (last - first).days + 1
    if not 1 <= days <= MAX_PERIOD:
        raise InvalidDay(f"a period is 1 to {MAX_PERIOD} days, first before last")
    return [load_day(uow, account=account, date=first + dt.timedelta(days=n)) for n in range(days)]
