"""Read models: an account as its holder or the public sees it, and its history.

These are queries, not methods of the ledger's aggregates; they read the cached balances and
the postings, newest first, paged by entry index (a stable cursor: the log only grows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy import func, or_, select

from ledger import integrity, transparency
from ledger.accounts import BACKING_KINDS
from ledger.context import LedgerUnitOfWork
from ledger.errors import AccountQuarantined, UnknownAccount
from ledger.persistence.tables import ACCOUNTS, ENTRIES, HOLDERS, MEMOS, POSTINGS
from ledger.records import format_time

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class AccountView:
    number: int
    kind: str
    name: str | None
    unit: str
    status: str
    balance: int


@dataclass(frozen=True, slots=True)
class HistoryItem:
    entry: int
    transfer: str
    type: str
    direction: str  # "in" or "out", seen from the account
    counterpart: int
    amount: int
    accepted: str
    memo: str  # its text (ledger.memos), "" if none or erased
    ref: str | None
    counterpart_name: str | None = None  # the holder's name, a shop's, an office's
    method: str | None = None  # a conversion's: cash or bank
    office: int | None = None  # the exchange office of a conversion or a paper exchange
    office_name: str | None = None


def check_account(uow: LedgerUnitOfWork, number: int) -> None:
    """Refuses to show an account whose row the signed log does not back (its seal, its
    latest entry, no later posting: ledger.integrity), and raises the alarm."""
    accounts = uow.store.lock_accounts([number], lock=False)
    bad = uow.store.check_seals(accounts, uow.ledger.seal_key)
    if number in bad:
        uow.ledger.integrity.account_failed(number, bad[number])
        raise AccountQuarantined(
            f"account {number} is quarantined: {bad[number]}", account=str(number)
        )


def check_rows(uow: LedgerUnitOfWork) -> None:
    """Refuses totals over account rows that are not all sealed by the ledger (their seals
    alone: no entry read), and raises the alarm for each that is not."""
    key, bad = uow.ledger.seal_key, []
    for account in uow.store.all_accounts():
        if not integrity.sealed(key, account):
            uow.ledger.integrity.account_failed(account.number, "its row is not the one sealed")
            bad.append(account.number)
    if bad:
        raise AccountQuarantined(
            f"{len(bad)} accounts are not backed by the log (account {bad[0]}): the figures"
            " would be wrong",
            account=str(bad[0]),
        )


def account_view(uow: LedgerUnitOfWork, *, number: int) -> AccountView:
    check_account(uow, number)
    row = uow.connection.execute(
        select(ACCOUNTS, HOLDERS.c.name.label("holder"))
        .outerjoin(HOLDERS, HOLDERS.c.account == ACCOUNTS.c.number)
        .where(ACCOUNTS.c.number == number)
    ).first()
    if row is None:
        raise UnknownAccount(f"no account {number}", account=str(number))
    return AccountView(
        row.number, row.kind, row.holder or row.name, row.unit, row.status, row.credits - row.debits
    )


def history(
    uow: LedgerUnitOfWork, *, number: int, before: int | None = None, limit: int = 50
) -> list[HistoryItem]:
    """The account's movements, newest first, strictly before entry `before` if given."""
    query = (
        select(
            POSTINGS,
            ENTRIES.c.record_id,
            ENTRIES.c.type,
            ENTRIES.c.signed,
            ENTRIES.c.accepted,
            MEMOS.c.text.label("memo"),
        )
        .join(ENTRIES, ENTRIES.c.idx == POSTINGS.c.entry)
        .outerjoin(MEMOS, MEMOS.c.entry == POSTINGS.c.entry)
        .where(or_(POSTINGS.c.debit == number, POSTINGS.c.credit == number))
        .order_by(POSTINGS.c.entry.desc(), POSTINGS.c.leg)
        .limit(max(1, min(limit, MAX_PAGE + 1)))
    )
    if before is not None:
        query = query.where(POSTINGS.c.entry < before)
    items = []
    for row in uow.connection.execute(query):
        record = json.loads(bytes(row.signed).split(b"\n", 1)[1])
        outgoing = row.debit == number
        office = record.get("office")
        items.append(
            HistoryItem(
                entry=row.entry,
                transfer=row.record_id,
                type=row.type,
                direction="out" if outgoing else "in",
                counterpart=row.credit if outgoing else row.debit,
                amount=row.amount,
                accepted=format_time(row.accepted),
                memo=row.memo or "",
                ref=record.get("ref"),
                method=record.get("method"),
                office=int(office) if office is not None else None,
            )
        )
    return _named(uow, items)


@dataclass(frozen=True, slots=True)
class OwnEntry:
    index: int
    type: str
    leaf: bytes
    proof: list[bytes]  # the inclusion proof in the tree of `size` entries


def own_entries(
    uow: LedgerUnitOfWork, *, number: int, size: int, before: int | None = None, limit: int = 20
) -> list[OwnEntry]:
    """The log entries that move the account's money, newest first and below `size` (and
    `before`), each with its inclusion proof in the tree of `size` entries."""
    indexes = (
        select(POSTINGS.c.entry)
        .where(or_(POSTINGS.c.debit == number, POSTINGS.c.credit == number))
        .where(POSTINGS.c.entry < (size if before is None else min(size, before)))
        .group_by(POSTINGS.c.entry)
        .order_by(POSTINGS.c.entry.desc())
        .limit(max(1, min(limit, MAX_PAGE + 1)))
    )
    rows = uow.connection.execute(
        select(ENTRIES.c.idx, ENTRIES.c.type, ENTRIES.c.signed, ENTRIES.c.sig)
        .where(ENTRIES.c.idx.in_(indexes.scalar_subquery()))
        .order_by(ENTRIES.c.idx.desc())
    )
    return [
        OwnEntry(
            row.idx,
            row.type,
            bytes(row.signed) + bytes(row.sig),
            transparency.inclusion(uow, entry=row.idx, size=size),
        )
        for row in rows
    ]


def _named(uow: LedgerUnitOfWork, items: list[HistoryItem]) -> list[HistoryItem]:
    """The items with their counterparts' and offices' names, read in one query."""
    numbers = {i.counterpart for i in items} | {i.office for i in items if i.office is not None}
    if not numbers:
        return items
    names = dict(
        uow.connection.execute(
            select(HOLDERS.c.account, HOLDERS.c.name).where(HOLDERS.c.account.in_(sorted(numbers)))
        ).all()
    )
    return [
        replace(
            i,
            counterpart_name=names.get(i.counterpart),
            office_name=names.get(i.office) if i.office is not None else None,
        )
        for i in items
    ]


@dataclass(frozen=True, slots=True)
class Totals:
    entries: int  # in the log
    circulation: int  # cents of the local unit held or on paper (minus the issuance balance)
    backing: int  # euro cents in the reserves and the offices' cash


def totals(uow: LedgerUnitOfWork) -> Totals:
    """The ledger's headline figures, from the cached balances, once their seals are checked."""
    check_rows(uow)
    balance = ACCOUNTS.c.credits - ACCOUNTS.c.debits
    rows = uow.connection.execute(
        select(ACCOUNTS.c.kind, func.sum(balance)).group_by(ACCOUNTS.c.kind)
    )
    by_kind = {kind: int(total or 0) for kind, total in rows}
    return Totals(
        entries=uow.store.size(),
        circulation=-by_kind.get("issuance", 0),
        backing=sum(by_kind.get(kind, 0) for kind in BACKING_KINDS),
    )
