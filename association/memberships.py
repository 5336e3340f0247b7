"""Membership (adhésion): the yearly fee of each category, its payments and their receipts,
each member's status, renewal reminders, and the association's rule on conversions.

A fee paid in euros (cash or card at an office) is the association's own money, not the
reserve's: nothing is posted to the ledger, the payment is recorded here beside it. A fee
paid in the currency is a normal signed transfer from the member's wallet to the
association's account; the payment names that transfer's entry, once, after checking it
moved exactly the fee from that member to the association. Each payment's number is its
receipt's.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, insert, select

from association.errors import (
    MembershipAlreadyPaid,
    MembershipCategoryMismatch,
    MembershipFeeNotSet,
    MembershipLapsed,
    MembershipTransferInvalid,
    MembershipTransferMissing,
    MembershipTransferUsed,
    UnknownMembershipReceipt,
)
from association.tables import ASSOCIATION_SETTINGS, MEMBERSHIP_FEES, MEMBERSHIP_PAYMENTS
from ledger.acts import record_act
from ledger.errors import FormatError, UnknownAccount
from ledger.money import format_fr
from ledger.numbering import next_number
from ledger.ports import LedgerUnitOfWork
from ledger.records import MAX_AMOUNT, ledger_date
from merchants.profiles import merchant_profile, record_membership

CATEGORIES = ("resident", "merchant", "reduced")
METHODS = ("euros", "currency")
STATUSES = ("up-to-date", "lapsed", "never")
MEMBER_KINDS = ("resident", "merchant")
REFUSE_LAPSED = "refuse_conversions_to_lapsed"
SETTINGS = {REFUSE_LAPSED: False}  # every setting, with its default
FIRST_YEAR, LAST_YEAR = 2000, 2100
CATEGORY_LABELS = {"resident": "résident", "merchant": "commerçant", "reduced": "tarif réduit"}
METHOD_LABELS = {"euros": "en euros", "currency": "en monnaie locale"}

F, P, S = MEMBERSHIP_FEES, MEMBERSHIP_PAYMENTS, ASSOCIATION_SETTINGS


@dataclass(frozen=True, slots=True)
class Fee:
    year: int
    category: str
    amount: int  # euro cents


@dataclass(frozen=True, slots=True)
class Payment:
    number: int  # the receipt's number
    account: int
    year: int
    category: str
    amount: int
    method: str
    entry: int | None  # the transfer's entry, for a fee paid in the currency
    office: int | None
    at: int
    by: str


@dataclass(frozen=True, slots=True)
class Standing:
    """An account's membership on a day: its status that year and every payment."""

    account: int
    year: int
    status: str
    last_paid: int | None
    payments: list[Payment]


@dataclass(frozen=True, slots=True)
class Member:
    account: int
    kind: str
    name: str | None
    contact: str | None
    status: str
    last_paid: int | None


def year_of(now: int) -> int:
    """The civil year of a moment, in the ledger's time zone."""
    return int(ledger_date(now)[:4])


def _year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise FormatError(f"a membership year is {FIRST_YEAR} to {LAST_YEAR}", field="year")
    return year


def _category(category: str) -> str:
    if category not in CATEGORIES:
        raise FormatError("the category is resident, merchant or reduced", field="category")
    return category


# --- fees -----------------------------------------------------------------------------------


def set_fee(uow: LedgerUnitOfWork, *, year: int, category: str, amount: int) -> Fee:
    """Sets (or changes) the fee of a year and category; payments already made keep theirs."""
    _year(year)
    _category(category)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise FormatError("a membership fee is a positive number of cents", field="amount")
    conn = uow.connection
    conn.execute(delete(F).where(F.c.year == year, F.c.category == category))
    conn.execute(insert(F).values(year=year, category=category, amount=amount))
    record_act(uow, "membership.fee", f"{year} {category}", {"amount": amount})
    return Fee(year, category, amount)


def fees(uow: LedgerUnitOfWork, *, year: int | None = None) -> list[Fee]:
    query = select(F).order_by(F.c.year, F.c.category)
    if year is not None:
        query = query.where(F.c.year == year)
    return [Fee(r.year, r.category, r.amount) for r in uow.connection.execute(query)]


def _fee(uow: LedgerUnitOfWork, year: int, category: str) -> int:
    found = fees(uow, year=year)
    amount = next((f.amount for f in found if f.category == category), None)
    if amount is None:
        raise MembershipFeeNotSet(f"no {category} membership fee is set for {year}")
    return amount


# --- payments -------------------------------------------------------------------------------


def _payment(row: Row[Any]) -> Payment:
    return Payment(**row._mapping)  # the columns are the dataclass's fields


def payments(uow: LedgerUnitOfWork, *, account: int | None = None) -> list[Payment]:
    query = select(P).order_by(P.c.number)
    if account is not None:
        query = query.where(P.c.account == account)
    return [_payment(r) for r in uow.connection.execute(query)]


def payment(uow: LedgerUnitOfWork, *, number: int) -> Payment:
    row = uow.connection.execute(select(P).where(P.c.number == number)).first()
    if row is None:
        raise UnknownMembershipReceipt(f"no membership receipt {number}")
    return _payment(row)


def association_accounts(uow: LedgerUnitOfWork) -> set[int]:
    """The association's own accounts in the currency, to which a fee may be paid."""
    return {a.number for a in uow.reads.accounts(kinds=["association"])}


def _latest_transfer(uow: LedgerUnitOfWork, *, account: int, amount: int) -> int:
    """The member's latest payment of exactly `amount` to the association that no membership
    has used yet: the one a member just made from the wallet at the counter."""
    used = select(P.c.entry).where(P.c.entry.is_not(None))
    for to in sorted(association_accounts(uow)):
        legs = uow.reads.postings(
            debit=account, credit=to, types=["transfer"], excluding=used, records=True
        )
        for leg in reversed(legs):
            if leg.amount == amount and leg.record.get("ref") is None:
                return leg.entry
    raise MembershipTransferMissing(
        f"account {account} made no payment of {amount} cents to the association that no "
        "membership has used: pay the fee from the wallet first",
        account=str(account),
    )


def _check_transfer(uow: LedgerUnitOfWork, *, entry: int, account: int, amount: int) -> None:
    """The entry is a transfer of exactly `amount` from `account` to the association."""
    found = uow.reads.entries(indexes=[entry])
    if not found or found[0].type != "transfer":
        raise MembershipTransferInvalid(f"entry {entry} is not a transfer", entry=str(entry))
    record = found[0].record
    if record.get("ref") is not None:
        raise MembershipTransferInvalid(f"entry {entry} is a refund", entry=str(entry))
    if record["from"] != str(account):
        raise MembershipTransferInvalid(
            f"entry {entry} is not a transfer from account {account}", entry=str(entry)
        )
    if int(record["to"]) not in association_accounts(uow):
        raise MembershipTransferInvalid(
            f"entry {entry} is not paid to the association's account", entry=str(entry)
        )
    if record["amount"] != amount:
        raise MembershipTransferInvalid(
            f"entry {entry} moved {record['amount']} cents, the fee is {amount}", entry=str(entry)
        )
    used = uow.connection.execute(select(P.c.number).where(P.c.entry == entry)).first()
    if used is not None:
        raise MembershipTransferUsed(
            f"entry {entry} already paid membership receipt {used.number}", entry=str(entry)
        )


def record_payment(
    uow: LedgerUnitOfWork,
    *,
    account: int,
    year: int,
    category: str,
    method: str,
    entry: int | None = None,
    office: int | None = None,
    now: int,
) -> Payment:
    """Records a member's fee for `year`, the one set for its category; returns it, numbered
    as its receipt. A fee paid in the currency names its transfer's `entry`; without it, the
    member's latest payment of the fee to the association that no membership has used."""
    _year(year)
    _category(category)
    found = uow.reads.account(account)
    if found is None:
        raise UnknownAccount(f"no account {account}", account=str(account))
    wanted = "merchant" if category == "merchant" else "resident"
    if found.kind != wanted:
        raise MembershipCategoryMismatch(
            f"account {account} is a {found.kind} account: no {category} membership"
        )
    if method not in METHODS:
        raise FormatError("the method is euros or currency", field="method")
    if method == "euros" and entry is not None:
        raise FormatError("a fee paid in euros names no transfer")
    conn = uow.connection
    paid = conn.execute(select(P.c.number).where(P.c.account == account, P.c.year == year))
    if paid.first() is not None:
        raise MembershipAlreadyPaid(f"account {account} has paid its fee for {year}")
    amount = _fee(uow, year, category)
    if method == "currency" and entry is None:
        entry = _latest_transfer(uow, account=account, amount=amount)
    if entry is not None:
        _check_transfer(uow, entry=entry, account=account, amount=amount)
    number = next_number(conn, P.c.number)
    made = Payment(
        number, account, year, category, amount, method, entry, office, now, uow.actor()[:80]
    )
    conn.execute(
        insert(P).values(
            number=number,
            account=account,
            year=year,
            category=category,
            amount=amount,
            method=method,
            entry=entry,
            office=office,
            at=now,
            by=made.by,
        )
    )
    record_act(
        uow,
        "membership.payment",
        account,
        {"receipt": number, "year": year, "amount": amount, "method": method},
    )
    if category == "merchant":  # the reconversion's rule reads the shop's own date
        until = dt.date(year, 12, 31)
        known = merchant_profile(uow, account=account).membership_paid_until
        if known is None or known < until:
            record_membership(uow, account=account, paid_until=until)
    return made


# --- status and reminders -------------------------------------------------------------------


def _status(paid_years: set[int], year: int) -> str:
    if year in paid_years:
        return "up-to-date"
    return "lapsed" if any(y < year for y in paid_years) else "never"


def _last_paid(paid_years: set[int]) -> int | None:
    return max(paid_years) if paid_years else None


def standing(uow: LedgerUnitOfWork, *, account: int, year: int) -> Standing:
    if uow.reads.account(account) is None:
        raise UnknownAccount(f"no account {account}", account=str(account))
    made = payments(uow, account=account)
    years = {p.year for p in made}
    return Standing(account, year, _status(years, year), _last_paid(years), made)


def is_lapsed(uow: LedgerUnitOfWork, *, account: int, now: int) -> bool:
    years = uow.connection.execute(select(P.c.year).where(P.c.account == account)).scalars()
    return _status(set(years), year_of(now)) == "lapsed"


def members(uow: LedgerUnitOfWork, *, year: int, status: str | None = None) -> list[Member]:
    """The residents' and merchants' accounts, with their status in `year` (only `status`'s,
    if given), by number."""
    paid: dict[int, set[int]] = {}
    for account, paid_year in uow.connection.execute(select(P.c.account, P.c.year)):
        paid.setdefault(account, set()).add(paid_year)
    accounts = uow.reads.accounts(kinds=MEMBER_KINDS)
    holders = uow.reads.holders([a.number for a in accounts])
    listed = []
    for a in accounts:
        years = paid.get(a.number, set())
        found = _status(years, year)
        if status is not None and found != status:
            continue
        holder = holders.get(a.number)
        listed.append(
            Member(
                a.number,
                a.kind,
                None if holder is None else holder.name,
                None if holder is None else holder.contact,
                found,
                _last_paid(years),
            )
        )
    return listed


def reminders(uow: LedgerUnitOfWork, *, now: int, days: int) -> list[Member]:
    """Whom to remind to renew: the lapsed, and, within `days` of the year's end, those
    whose last paid year is this one."""
    today = dt.date.fromisoformat(ledger_date(now))
    year = today.year
    near_end = (dt.date(year, 12, 31) - today).days < days
    return [
        m
        for m in members(uow, year=year)
        if m.status == "lapsed" or (near_end and m.last_paid == year)
    ]


# --- the association's settings -------------------------------------------------------------


def settings(uow: LedgerUnitOfWork) -> dict[str, bool]:
    stored = {name: value for name, value in uow.connection.execute(select(S.c.name, S.c.value))}
    return {
        name: stored.get(name, "on" if default else "off") == "on"
        for name, default in SETTINGS.items()
    }


def set_setting(uow: LedgerUnitOfWork, *, name: str, on: bool) -> dict[str, bool]:
    if name not in SETTINGS:
        raise FormatError(f"no setting {name!r}", field="name")
    conn = uow.connection
    conn.execute(delete(S).where(S.c.name == name))
    conn.execute(insert(S).values(name=name, value="on" if on else "off"))
    record_act(uow, "membership.setting", name, {"on": on})
    return settings(uow)


def check_conversion(uow: LedgerUnitOfWork, *, to: int, now: int) -> None:
    """Where the association's rule says so, an office converts nothing for a resident whose
    fee is lapsed (a member who never paid, and merchants, have their own rules)."""
    if not settings(uow)[REFUSE_LAPSED]:
        return
    account = uow.reads.account(to)
    if account is None or account.kind != "resident":
        return
    if is_lapsed(uow, account=to, now=now):
        raise MembershipLapsed(
            f"account {to} has not paid its fee for {year_of(now)}", account=str(to)
        )


# --- the receipt ----------------------------------------------------------------------------


def receipt_html(uow: LedgerUnitOfWork, *, number: int, association: str) -> str:
    """The receipt (reçu d'adhésion) of payment `number`, a page to read and print, in French."""
    p = payment(uow, number=number)
    holder = uow.reads.holders([p.account]).get(p.account)
    office = None
    if p.office is not None:
        named = uow.reads.holders([p.office]).get(p.office)  # an office's holder: its name
        office = f"comptoir n° {p.office}" + (f" — {named.name}" if named else "")
    e = html.escape
    member = f"compte n° {p.account}" + (f" — {holder.name}" if holder else "")
    rows = [
        ("Reçu n°", str(p.number)),
        ("Membre", member),
        ("Année", str(p.year)),
        ("Catégorie", CATEGORY_LABELS[p.category]),
        ("Montant", f"{format_fr(p.amount)} €"),
        (
            "Payé",
            METHOD_LABELS[p.method] + ("" if p.entry is None else f" (écriture n° {p.entry})"),
        ),
        ("Date", dt.date.fromisoformat(ledger_date(p.at)).strftime("%d/%m/%Y")),
        ("Reçu par", office or "l’association"),
    ]
    body = "".join(f"<tr><th scope='row'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return "\n".join(
        [
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>Reçu d’adhésion n° {p.number}</title></head><body>",
            f"<h1>Reçu d’adhésion</h1><p>{e(association)}</p>",
            f"<table>{body}</table>",
            "<p>L’association certifie avoir reçu la cotisation ci-dessus.</p>",
            "</body></html>",
        ]
    )
