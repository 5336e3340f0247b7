"""The import of a reserve bank account's statement file.

Importing a statement file stores it whole, with its SHA-256, balances and lines (all `open`),
after checking that the very same file was not imported before, that it is of a registered
account and that it takes over where that account's previous statement left off; then the
lines are matched with what the ledger expects (`association.reconciliation`). All of it
happens in the caller's unit of work: a refused file leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select

from association.bank_import import BankAccountView, bank_account, bank_accounts, statement_lines
from association.errors import DuplicateStatement, InvalidIban, UnknownBankAccount, WrongAccount
from association.iban import check_iban
from association.reconciliation import match_open_lines
from association.statement_files import detect_format, parse_statement, parse_statements
from association.statements import BankStatement, check_account, check_chain, file_sha256
from association.tables import BANK_STATEMENTS, STATEMENT_LINES
from ledger.acts import record_act
from ledger.numbering import next_number
from ledger.ports import LedgerUnitOfWork

BS, SL = BANK_STATEMENTS, STATEMENT_LINES


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
    sha256 = file_sha256(data)
    _check_new(uow, sha256)
    statement, account = _registered_statement(uow, data, iban)
    previous = _previous(uow, account.iban)
    if previous is not None:
        check_chain(previous, statement)
    conn = uow.connection
    number = next_number(conn, BS.c.id)
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
