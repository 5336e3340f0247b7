"""`day`: a merchant closes a business day (FORMATS.md §7): no money moves, the day's
figures become part of the log, signed by the merchant.

The server checks the figures against the log before accepting (`merchants.takings`); the
rules check what holds whatever the merchant's business hours: who signs, once per day, and
figures that are consistent with each other and point back into the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import Applied, Key
from ledger.domain.common import authorise, holder
from ledger.domain.enums import AccountKind, RecordType, Role
from ledger.domain.fields import ACCOUNT, COMMON, COUNT, DATE, HEX32, KID, optional
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, OperationKind, Record, References
from ledger.errors import DayAlreadyClosed, InvalidDay, NotAuthorized
from ledger.money import Cents
from ledger.state import LedgerState

ROLES = (Role.MERCHANT,)
SCHEMA = {
    **COMMON,
    "account": ACCOUNT,
    "date": DATE,
    "kid": KID,
    "first_entry": optional(COUNT),
    "last_entry": optional(COUNT),
    "count": COUNT,
    "credits": COUNT,
    "refunds": COUNT,
    "debits": COUNT,
    "declared": optional(COUNT),
    "receipts_root": HEX32,
}


@frozen
class Day(Record):
    account: int  # the merchant's
    date: str  # YYYY-MM-DD
    first_entry: int | None
    last_entry: int | None
    count: int  # payments received
    credits: Cents
    refunds: Cents  # part of `debits`
    debits: Cents
    declared: Cents | None
    receipts_root: str

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> Day:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            account=int(r["account"]),
            date=r["date"],
            first_entry=r["first_entry"],
            last_entry=r["last_entry"],
            count=r["count"],
            credits=r["credits"],
            refunds=r["refunds"],
            debits=r["debits"],
            declared=r["declared"],
            receipts_root=r["receipts_root"],
        )


def references(d: Day, refs: References) -> None:
    refs.accounts.add(d.account)
    refs.days.add((d.account, d.date))


def earlier(state: LedgerState, d: Day, record_id: str) -> int | None:
    """A day is closed once: by this very record (a retry), or else it is refused."""
    closed = state.closed_days.get((d.account, d.date))
    if closed is None:
        return None
    if closed[0] != record_id:
        raise DayAlreadyClosed(f"{d.date} is already closed", account=str(d.account))
    return closed[1]


def apply(
    state: LedgerState,
    d: Day,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    merchant = holder(state, d.account)
    authorise(key, ROLES, merchant.number)
    if merchant.kind != AccountKind.MERCHANT:
        raise NotAuthorized("only merchants close business days")
    first, last = d.first_entry, d.last_entry
    if first is None or last is None:
        if first is not None or last is not None:
            raise InvalidDay("first_entry and last_entry are both set or both null")
        if d.count or d.credits or d.debits:
            raise InvalidDay("a day with movements names its first and last entries")
    elif not first <= last < applied.index:
        raise InvalidDay("the day's entries must come before its closing, in order")
    if d.refunds > d.debits or (d.credits == 0) != (d.count == 0):
        raise InvalidDay("refunds are part of debits, and payments received have amounts")
    day = (merchant.number, d.date)
    effects.append(lambda: state.closed_days.__setitem__(day, (applied.record_id, applied.index)))
    applied.day = day


KIND = OperationKind(
    type=RecordType.DAY,
    schema=SCHEMA,
    parse=Day.parse,
    references=references,
    earlier=earlier,
    apply=apply,
)
