"""The reserve's bank accounts and their stored statements.

A reserve bank account is registered by its IBAN against the ledger account whose euros it
holds (`reserve:digital` or `reserve:paper`, one bank account each). The read models of the
statements and their lines live here; importing a statement file is
`association.statement_import`, matching its lines `association.reconciliation`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, case, func, insert, select

from association.errors import (
    BankAccountExists,
    InvalidCreditorReference,
    UnknownBankAccount,
    UnknownStatementLine,
)
from association.iban import check_iban
from association.rf import reference_body
from association.tables import BANK_ACCOUNTS, BANK_STATEMENTS, STATEMENT_LINES
from ledger.acts import record_act
from ledger.errors import FormatError
from ledger.ports import LedgerUnitOfWork

__all__ = [
    "RESERVES",
    "BankAccountView",
    "LineView",
    "StatementView",
    "bank_account",
    "bank_accounts",
    "line_view",
    "register_bank_account",
    "statement_line",
    "statement_lines",
    "statements",
]

BA, BS, SL = BANK_ACCOUNTS, BANK_STATEMENTS, STATEMENT_LINES
RESERVES = ("digital", "paper")
MAX_LABEL = 140


@dataclass(frozen=True, slots=True)
class BankAccountView:
    iban: str
    reserve: str  # "digital" or "paper"
    label: str
    ledger_account: int


@dataclass(frozen=True, slots=True)
class StatementView:
    id: int
    iban: str
    format: str
    sha256: str
    opening_date: str
    opening_balance: int
    closing_date: str
    closing_balance: int
    imported: int
    lines: int
    open: int


@dataclass(frozen=True, slots=True)
class LineView:
    """A statement line and what accounts for it. ``member`` is the account a creditor
    reference names (its body, when all digits) on a credit line: a top-up to convert."""

    statement: int
    line: int
    date: str
    amount: int
    label: str
    reference: str | None
    status: str
    entry: int | None
    batch: int | None
    note: str | None
    member: int | None


def _member(reference: str | None, amount: int) -> int | None:
    if reference is None or amount <= 0:
        return None
    try:
        body = reference_body(reference)
    except InvalidCreditorReference:  # an end-to-end id, not a member's reference
        return None
    return int(body) if body.isdigit() and len(body) <= 18 else None


def line_view(row: Row[tuple[object, ...]]) -> LineView:
    m = row._mapping
    amount = int(m["amount"])
    reference = m["reference"]
    return LineView(
        statement=int(m["statement"]),
        line=int(m["line"]),
        date=str(m["date"]),
        amount=amount,
        label=str(m["label"]),
        reference=None if reference is None else str(reference),
        status=str(m["status"]),
        entry=None if m["entry"] is None else int(m["entry"]),
        batch=None if m["batch"] is None else int(m["batch"]),
        note=None if m["note"] is None else str(m["note"]),
        member=_member(None if reference is None else str(reference), amount),
    )


# --- bank accounts ------------------------------------------------------------------------


def _account_views(uow: LedgerUnitOfWork, query: Select[Any]) -> list[BankAccountView]:
    """The bank accounts `query` selects, each named by the reserve its ledger account is."""
    rows = uow.connection.execute(query).all()
    names = {a.number: a.name for a in uow.reads.accounts(numbers=(r.ledger_account for r in rows))}
    return [
        BankAccountView(
            str(r.iban),
            str(names[r.ledger_account]).removeprefix("reserve:"),
            str(r.label),
            int(r.ledger_account),
        )
        for r in rows
    ]


def bank_accounts(uow: LedgerUnitOfWork) -> list[BankAccountView]:
    """The registered reserve bank accounts, digital first."""
    return _account_views(uow, select(BA).order_by(BA.c.ledger_account))


def bank_account(uow: LedgerUnitOfWork, *, iban: str) -> BankAccountView:
    found = _account_views(uow, select(BA).where(BA.c.iban == iban))
    if not found:
        raise UnknownBankAccount(f"no reserve bank account {iban} is registered", iban=iban)
    return found[0]


def register_bank_account(
    uow: LedgerUnitOfWork, *, iban: str, reserve: str, label: str
) -> BankAccountView:
    """Registers the bank account holding the euros of ``reserve`` ("digital" or "paper")."""
    electronic = check_iban(iban)
    if reserve not in RESERVES:
        raise UnknownBankAccount(f"a reserve is digital or paper, not {reserve!r}")
    label = unicodedata.normalize("NFC", label).strip()
    if not 1 <= len(label) <= MAX_LABEL:
        raise FormatError(f"a bank account's label is 1 to {MAX_LABEL} characters")
    conn = uow.connection
    (reserve_account,) = uow.reads.accounts(names=[f"reserve:{reserve}"])
    number = reserve_account.number
    taken = conn.execute(
        select(BA.c.iban).where((BA.c.iban == electronic) | (BA.c.ledger_account == number))
    ).first()
    if taken is not None:
        raise BankAccountExists(
            f"the {reserve} reserve or the IBAN {electronic} has a bank account already"
        )
    conn.execute(insert(BA).values(iban=electronic, label=label, ledger_account=number))
    record_act(uow, "bank.account", reserve, {"iban": electronic, "label": label})
    return BankAccountView(electronic, reserve, label, number)


# --- statements ---------------------------------------------------------------------------


def statements(
    uow: LedgerUnitOfWork, *, iban: str | None = None, number: int | None = None
) -> list[StatementView]:
    """The imported statements, newest first, with their count of lines and open lines."""
    counts = (
        select(
            SL.c.statement,
            func.count().label("lines"),
            func.sum(case((SL.c.status == "open", 1), else_=0)).label("open"),
        )
        .group_by(SL.c.statement)
        .subquery()
    )
    query = (
        select(BS, counts.c.lines, counts.c.open)
        .outerjoin(counts, counts.c.statement == BS.c.id)
        .order_by(BS.c.closing_date.desc(), BS.c.id.desc())
    )
    if iban is not None:
        query = query.where(BS.c.iban == iban)
    if number is not None:
        query = query.where(BS.c.id == number)
    return [
        StatementView(
            id=r.id,
            iban=r.iban,
            format=r.format,
            sha256=r.sha256,
            opening_date=r.opening_date,
            opening_balance=r.opening_balance,
            closing_date=r.closing_date,
            closing_balance=r.closing_balance,
            imported=r.imported,
            lines=int(r.lines or 0),
            open=int(r.open or 0),
        )
        for r in uow.connection.execute(query)
    ]


def statement(uow: LedgerUnitOfWork, *, number: int) -> StatementView:
    found = statements(uow, number=number)
    if not found:
        raise UnknownStatementLine(f"no statement {number} was imported", statement=number)
    return found[0]


def statement_lines(
    uow: LedgerUnitOfWork,
    *,
    statement: int | None = None,
    status: Sequence[str] | None = None,
) -> list[LineView]:
    """Lines of one statement (or of all), in statement then line order, by status if given."""
    query = select(SL).order_by(SL.c.statement, SL.c.line)
    if statement is not None:
        query = query.where(SL.c.statement == statement)
    if status is not None:
        query = query.where(SL.c.status.in_(list(status)))
    return [line_view(row) for row in uow.connection.execute(query)]


def statement_line(uow: LedgerUnitOfWork, *, statement: int, line: int) -> LineView:
    row = uow.connection.execute(
        select(SL).where(SL.c.statement == statement, SL.c.line == line)
    ).first()
    if row is None:
        raise UnknownStatementLine(
            f"statement {statement} has no line {line}", statement=statement, line=line
        )
    return line_view(row)
