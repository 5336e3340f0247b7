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
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Select, literal, select, union_all

from ledger.context import LedgerUnitOfWork
from ledger.errors import InvalidDay, NotAuthorized
from ledger.persistence.tables import DAYS, ENTRIES, PAYMENT_REQUESTS, POSTINGS
from ledger.posting import Posted, post_record
from ledger.receipts import receipt_bytes
from ledger.records import SignedRecord
from merchants.business_day import PARIS, business_day, day_bounds
from merchants.errors import DayNotOver, DayStatementChanged
from merchants.profiles import Profile, merchant_profile
from merchants.takings import DayStatement, TakingLine, day_record, day_statement

E, P = ENTRIES, POSTINGS


@dataclass(frozen=True, slots=True)
class Day:
    statement: DayStatement
    lines: list[TakingLine]
    closed_entry: int | None  # the `day` record's entry, once closed


def _entry_range(uow: LedgerUnitOfWork, start: int, end: int) -> tuple[int, int] | None:
    """The first and last entries accepted in [start, end): the log's order is time order.

    Two walks of the index on acceptance time, from each end of the range, each stopping at
    its first row: the cost does not grow with the history.
    """
    first = uow.connection.execute(
        select(E.c.idx)
        .where(E.c.accepted >= start, E.c.accepted < end)
        .order_by(E.c.accepted, E.c.idx)
        .limit(1)
    ).scalar()
    if first is None:
        return None
    last = uow.connection.execute(
        select(E.c.idx)
        .where(E.c.accepted >= start, E.c.accepted < end)
        .order_by(E.c.accepted.desc(), E.c.idx.desc())
        .limit(1)
    ).scalar_one()
    return first, last


def _lines(
    uow: LedgerUnitOfWork, account: int, start: int, end: int, *, after: int = -1
) -> list[TakingLine]:
    """The account's transfers accepted in [start, end) (and after entry `after`), with their
    receipts' bytes: read from the columns, never by parsing the signed records."""
    span = _entry_range(uow, start, end)
    if span is None or span[1] <= after:
        return []
    first, last = max(span[0], after + 1), span[1]
    refunded = E.alias("refunded")

    def side(mine: Column[int], other: Column[int], incoming: bool) -> Select[Any]:
        # each side walks its (account, entry) index over the span of the day's entries
        return (
            select(
                literal(incoming).label("incoming"),
                P.c.entry,
                other.label("counterpart"),
                P.c.amount,
                E.c.record_id,
                E.c.kid,
                E.c.accepted,
                E.c.payreq,
                refunded.c.record_id.label("ref"),
                PAYMENT_REQUESTS.c.kid.label("till"),
            )
            .join(E, E.c.idx == P.c.entry)
            .outerjoin(refunded, refunded.c.idx == E.c.ref_idx)
            .outerjoin(PAYMENT_REQUESTS, PAYMENT_REQUESTS.c.payreq == E.c.payreq)
            .where(
                mine == account,
                P.c.entry.between(first, last),
                E.c.idx.between(first, last),  # said twice, so the planner walks both ranges
                E.c.type == "transfer",
            )
        )

    rows = uow.connection.execute(
        union_all(side(P.c.credit, P.c.debit, True), side(P.c.debit, P.c.credit, False))
    ).all()
    host, unit = uow.ledger.host, uow.ledger.currency
    lines = []
    for incoming, entry, counterpart, amount, record_id, kid, accepted, payreq, ref, till in rows:
        if not start <= accepted < end:
            continue
        payer, payee = (counterpart, account) if incoming else (account, counterpart)
        transfer = {
            "ledger": host,
            "currency": unit,
            "from": str(payer),
            "to": str(payee),
            "amount": amount,
            "payreq": payreq,
            "ref": ref,
        }
        lines.append(
            TakingLine(
                entry=entry,
                accepted=accepted,
                direction="in" if incoming else "out",
                amount=amount,
                counterpart=counterpart,
                till=(till or "") if incoming else kid,
                ref=ref,
                receipt=receipt_bytes(
                    transfer, transfer_id=record_id, entry=entry, accepted=accepted
                ),
            )
        )
    lines.sort(key=lambda line: line.entry)
    return lines


def _closings(uow: LedgerUnitOfWork, account: int, dates: list[dt.date]) -> dict[dt.date, int]:
    rows = uow.connection.execute(
        select(DAYS.c.date, DAYS.c.entry).where(
            DAYS.c.account == account, DAYS.c.date.in_([d.isoformat() for d in dates])
        )
    )
    return {dt.date.fromisoformat(r.date): r.entry for r in rows}


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
        signed = uow.connection.execute(select(E.c.signed).where(E.c.idx == closed)).scalar_one()
        declared = json.loads(bytes(signed).split(b"\n", 1)[1])["declared"]
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
    key = uow.store.keys([record.kid]).get(record.kid)
    if key is None or key.account != account or key.role != "merchant":
        raise NotAuthorized("a day is closed by the merchant's own key")
    date = dt.date.fromisoformat(r["date"])
    if date > business_day_of(profile, now):
        raise DayNotOver(f"the business day {date} has not started", date=r["date"])
    uow.store.lock_accounts([account])  # no payment to or from it until this commits
    if uow.store.connection.execute(
        select(DAYS.c.entry).where(DAYS.c.account == account, DAYS.c.date == r["date"])
    ).first():
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
