"""The reserve's bank accounts and the import of their statements.

A reserve bank account is registered by its IBAN against the ledger account whose euros it
holds (`reserve:digital` or `reserve:paper`, one bank account each). Importing a statement
file stores it whole, with its SHA-256, balances and lines (all `open`), after checking that
the very same file was not imported before, that it is of a registered account and that it
takes over where that account's previous statement left off; then the lines are matched with
what the ledger expects (`association.reconciliation`). All of it happens in the caller's unit
of work: a refused file leaves nothing behind. The read models of the statements and their
lines live here too.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, case, func, insert, select

from association.errors import (
    BankAccountExists,
    DuplicateStatement,
    InvalidCreditorReference,
    InvalidIban,
    UnknownBankAccount,
    UnknownStatementLine,
    WrongAccount,
)
from association.iban import check_iban
from association.rf import reference_body
from association.statement_files import detect_format, parse_statement, parse_statements
from association.statements import BankStatement, check_account, check_chain, file_sha256
from association.tables import BANK_ACCOUNTS, BANK_STATEMENTS, STATEMENT_LINES
from ledger.acts import record_act
from ledger.context import LedgerUnitOfWork
from ledger.errors import FormatError
from ledger.persistence.tables import ACCOUNTS

__all__ = [
    "RESERVES",
    "BankAccountView",
    "Imported",
    "LineView",
    "StatementView",
    "bank_account",
    "bank_accounts",
    "import_statement",
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
class Imported:
    """What an import stored: the statement's number and how many of its lines matched."""

    id: int
    iban: str
    lines: int
    matched: int

    @property
    def open(self) -> int:
        return self.lines - self.matched


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


def _account_view(row: Row[tuple[object, ...]]) -> BankAccountView:
    m = row._mapping
    reserve = str(m["name"]).removeprefix("reserve:")
    return BankAccountView(str(m["iban"]), reserve, str(m["label"]), int(m["ledger_account"]))


def _accounts_query() -> Select[Any]:
    return select(BA, ACCOUNTS.c.name).join(ACCOUNTS, ACCOUNTS.c.number == BA.c.ledger_account)


def bank_accounts(uow: LedgerUnitOfWork) -> list[BankAccountView]:
    """The registered reserve bank accounts, digital first."""
    rows = uow.connection.execute(_accounts_query().order_by(BA.c.ledger_account))
    return [_account_view(row) for row in rows]


def bank_account(uow: LedgerUnitOfWork, *, iban: str) -> BankAccountView:
    row = uow.connection.execute(_accounts_query().where(BA.c.iban == iban)).first()
    if row is None:
        raise UnknownBankAccount(f"no reserve bank account {iban} is registered", iban=iban)
    return _account_view(row)


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
    number = conn.execute(
        select(ACCOUNTS.c.number).where(ACCOUNTS.c.name == f"reserve:{reserve}")
    ).scalar_one()
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


def _registered_statement(
    uow: LedgerUnitOfWork, data: bytes, iban: str | None
) -> tuple[BankStatement, BankAccountView]:
    """The file's statement of a registered account: of ``iban`` if given, else the only one."""
    if iban is not None:
        try:
            expected = check_iban(iban)
        except InvalidIban as exc:
            raise UnknownBankAccount(exc.message) from exc
        account = bank_account(uow, iban=expected)
        return parse_statement(data, account_iban=expected), account
    registered = {a.iban: a for a in bank_accounts(uow)}
    found = [s for s in parse_statements(data) if s.account_iban in registered]
    if not found:
        raise WrongAccount("the file holds no statement of a registered reserve bank account")
    if len(found) > 1:
        raise WrongAccount("the file holds statements of several reserve accounts: name one")
    statement = found[0]
    check_account(statement, statement.account_iban)
    return statement, registered[statement.account_iban]


def _previous(uow: LedgerUnitOfWork, iban: str) -> BankStatement | None:
    """The account's latest statement, reduced to its closing balance (all `check_chain` reads)."""
    row = uow.connection.execute(
        select(BS.c.closing_date, BS.c.closing_balance, BS.c.sha256)
        .where(BS.c.iban == iban)
        .order_by(BS.c.closing_date.desc(), BS.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    closed = dt.date.fromisoformat(row.closing_date)
    return BankStatement(
        account_iban=iban,
        currency="EUR",
        opening_date=closed,
        opening_balance=row.closing_balance,
        closing_date=closed,
        closing_balance=row.closing_balance,
        lines=(),
        sha256=row.sha256,
    )


def _check_new(uow: LedgerUnitOfWork, sha256: str) -> None:
    known = uow.connection.execute(select(BS.c.id).where(BS.c.sha256 == sha256)).scalar()
    if known is not None:
        raise DuplicateStatement(
            f"this file (SHA-256 {sha256}) was already imported as statement {known}",
            sha256=sha256,
            statement=int(known),
        )


def import_statement(
    uow: LedgerUnitOfWork, *, data: bytes, now: int, iban: str | None = None
) -> Imported:
    """Stores a statement file of a reserve bank account and matches its lines.

    Refuses (typed errors, nothing written): a file already imported (`DuplicateStatement`),
    a malformed one (`MalformedStatement`), one of no registered account (`WrongAccount`),
    one that does not follow the account's previous statement (`BrokenChain`).
    """
    from association.reconciliation import match_open_lines

    sha256 = file_sha256(data)
    _check_new(uow, sha256)
    statement, account = _registered_statement(uow, data, iban)
    previous = _previous(uow, account.iban)
    if previous is not None:
        check_chain(previous, statement)
    conn = uow.connection
    # Numbered here, not by the database: SQLite does not autoincrement a BIGINT key. Writers
    # are serialised (SQLite) or meet on the unique key (PostgreSQL), so no number is given twice.
    number = (conn.execute(select(func.max(BS.c.id))).scalar() or 0) + 1
    conn.execute(
        insert(BS).values(
            id=number,
            iban=account.iban,
            sha256=sha256,
            format=detect_format(data).value,
            opening_date=statement.opening_date.isoformat(),
            opening_balance=statement.opening_balance,
            closing_date=statement.closing_date.isoformat(),
            closing_balance=statement.closing_balance,
            imported=now,
            content=data,
        )
    )
    rows = [
        {
            "statement": number,
            "line": index,
            "date": line.date.isoformat(),
            "amount": line.amount,
            "label": line.label,
            "reference": None if line.reference is None else line.reference[:140],
            "status": "open",
            "entry": None,
            "batch": None,
            "note": None,
        }
        for index, line in enumerate(statement.lines, 1)
        if line.amount != 0  # a zero line moves nothing and needs no explaining
    ]
    if rows:
        conn.execute(insert(SL), rows)
    match_open_lines(uow, account=account, now=now)
    lines = statement_lines(uow, statement=number)
    matched = sum(1 for line in lines if line.status == "matched")
    record_act(uow, "bank.import", number, {"lines": len(lines), "matched": matched})
    return Imported(number, account.iban, len(lines), matched)


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
