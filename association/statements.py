"""Bank statements of the reserve accounts, whatever file they came in, and their checks.

A `BankStatement` is one account's movements between two balances, as the bank reports them:
the account's IBAN and currency, the opening and closing balances with their dates, the booked
lines (signed cents: credits positive, debits negative) and the SHA-256 of the file it was read
from. Building one checks that it adds up (opening + lines = closing) and that every line is
booked within its dates; `check_chain` checks that a statement follows the previous one of the
same account (same balance, no gap nor overlap in dates), `check_new` that the file was not
imported already, and `join` merges the consecutive statements a file holds for one account
(CFONB files hold one per day). The parsers live beside it (`camt`, `cfonb`, `csv_fr`) and
`statement_files.parse_statement` picks the right one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from association.errors import (
    BalanceMismatch,
    BrokenChain,
    DuplicateStatement,
    InvalidIban,
    MalformedStatement,
    UnbalancedStatement,
    WrongAccount,
)
from association.iban import check_iban
from ledger.money import MAX_CENTS

__all__ = [
    "BankStatement",
    "StatementLine",
    "check_account",
    "check_against_ledger",
    "check_chain",
    "check_new",
    "file_sha256",
    "join",
]

_CURRENCY_RE = re.compile(r"[A-Z]{3}", re.ASCII)
_SHA256_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)
# A statement may open on the day the previous one closed (the bank's "previous closing
# balance") or on the next day (its "opening booked balance"): both conventions exist.
MAX_CHAIN_GAP = timedelta(days=1)


def _cents(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_CENTS:
        raise MalformedStatement(f"{what} is not a whole number of cents in range")
    return value


def file_sha256(data: bytes) -> str:
    """The lower-case hex SHA-256 of a statement file, as kept and published."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class StatementLine:
    """One booked movement. ``reference`` is the creditor (RF) reference found on the line, else
    the end-to-end id, else None; ``bank_ref`` is the bank's own id of the line, if any."""

    date: dt.date
    value_date: dt.date
    amount: int
    label: str
    reference: str | None = None
    bank_ref: str | None = None

    def __post_init__(self) -> None:
        _cents(self.amount, "a line's amount")
        if not isinstance(self.date, dt.date) or not isinstance(self.value_date, dt.date):
            raise MalformedStatement("a line has a booking date and a value date")


@dataclass(frozen=True)
class BankStatement:
    account_iban: str
    currency: str
    opening_date: dt.date
    opening_balance: int
    closing_date: dt.date
    closing_balance: int
    lines: tuple[StatementLine, ...]
    sha256: str

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "account_iban", check_iban(self.account_iban))
        except InvalidIban as exc:
            raise MalformedStatement(f"the statement's account: {exc.message}") from exc
        if not _CURRENCY_RE.fullmatch(self.currency):
            raise MalformedStatement(f"not a currency code: {self.currency!r}")
        if not _SHA256_RE.fullmatch(self.sha256):
            raise MalformedStatement("the file's SHA-256 is 64 lower-case hex digits")
        opening = _cents(self.opening_balance, "the opening balance")
        closing = _cents(self.closing_balance, "the closing balance")
        if self.closing_date < self.opening_date:
            raise MalformedStatement(
                f"the statement closes on {self.closing_date} before it opens on"
                f" {self.opening_date}"
            )
        object.__setattr__(self, "lines", tuple(self.lines))
        for number, line in enumerate(self.lines, 1):
            if not self.opening_date <= line.date <= self.closing_date:
                raise MalformedStatement(
                    f"movement {number} is booked on {line.date}, outside the statement's"
                    f" dates {self.opening_date} to {self.closing_date}"
                )
        moved = sum(line.amount for line in self.lines)
        if opening + moved != closing:
            raise UnbalancedStatement(
                f"opening balance {opening} + movements {moved} = {opening + moved}, but the"
                f" closing balance is {closing} (cents)"
            )

    @property
    def credits(self) -> int:
        return sum(line.amount for line in self.lines if line.amount > 0)

    @property
    def debits(self) -> int:
        return -sum(line.amount for line in self.lines if line.amount < 0)


def check_account(statement: BankStatement, account_iban: str, currency: str = "EUR") -> None:
    """Raise `WrongAccount` unless the statement is of this account and currency."""
    expected = check_iban(account_iban)
    if statement.account_iban != expected:
        raise WrongAccount(
            f"the statement is of the account {statement.account_iban}, not {expected}",
        )
    if statement.currency != currency:
        raise WrongAccount(f"the statement is in {statement.currency}, not {currency}")


def check_chain(previous: BankStatement, current: BankStatement) -> None:
    """Raise `BrokenChain` unless ``current`` takes over where ``previous`` left off."""
    if (previous.account_iban, previous.currency) != (current.account_iban, current.currency):
        raise BrokenChain(
            f"the statements are of different accounts: {previous.account_iban}"
            f" {previous.currency} then {current.account_iban} {current.currency}"
        )
    if current.opening_balance != previous.closing_balance:
        raise BrokenChain(
            f"the statement opens at {current.opening_balance} but the previous one closed at"
            f" {previous.closing_balance} (cents)"
        )
    gap = current.opening_date - previous.closing_date
    if gap < timedelta(0):
        raise BrokenChain(
            f"the statement opens on {current.opening_date}, before the previous one closed on"
            f" {previous.closing_date}"
        )
    if gap > MAX_CHAIN_GAP:
        raise BrokenChain(
            f"movements are missing between {previous.closing_date} and {current.opening_date}"
        )


def check_against_ledger(
    statement: BankStatement, *, reserve: int, payouts_held: int = 0, fees_held: int = 0
) -> None:
    """FORMATS.md §3: the bank's closing balance is the account's ``reserve:*`` balance plus the
    payouts and fees still held in it, all in cents at the statement's closing date."""
    expected = reserve + payouts_held + fees_held
    if statement.closing_balance != expected:
        raise BalanceMismatch(
            f"the bank holds {statement.closing_balance} cents on {statement.closing_date} but"
            f" the ledger expects {expected} (reserve {reserve}, payouts {payouts_held},"
            f" fees {fees_held})",
            difference=statement.closing_balance - expected,
        )


def check_new(statement: BankStatement, known_sha256: Collection[str]) -> None:
    """Raise `DuplicateStatement` if this very file was imported before."""
    if statement.sha256 in known_sha256:
        raise DuplicateStatement(
            f"this file (SHA-256 {statement.sha256}) was already imported", sha256=statement.sha256
        )


def join(statements: Sequence[BankStatement]) -> BankStatement:
    """One statement from consecutive statements of one account, checked to chain."""
    if not statements:
        raise MalformedStatement("no statement to join")
    for previous, current in itertools.pairwise(statements):
        check_chain(previous, current)
    first, last = statements[0], statements[-1]
    lines: Iterable[StatementLine] = (line for s in statements for line in s.lines)
    return BankStatement(
        account_iban=first.account_iban,
        currency=first.currency,
        opening_date=first.opening_date,
        opening_balance=first.opening_balance,
        closing_date=last.closing_date,
        closing_balance=last.closing_balance,
        lines=tuple(lines),
        sha256=first.sha256,
    )
