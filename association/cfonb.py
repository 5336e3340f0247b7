"""Reading CFONB 120 bank statements ("relevé de compte 120 caractères", French banks' format).

A file is fixed-width records of 120 characters (separated by line breaks or not at all): for
each account and day, ``01`` gives the previous balance, each ``04`` a movement, each ``05``
complements the movement before it (qualifier ``LIB`` more label, ``NPY``/``NBE`` payer or
payee name, ``RCN`` the end-to-end reference…) and ``07`` the new balance. Accounts are named
by their RIB (bank, branch, account number), from which the IBAN is computed. Amounts are 14
characters whose last one carries the sign and the last digit (``{``, ``A``…``I`` for 0…9
positive, ``}``, ``J``…``R`` for 0…9 negative), with the number of decimals in column 20.
Dates are ``JJMMAA`` (years 2000-2099). The daily blocks of one account are joined, so a file
gives one statement per account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from association.errors import InvalidIban, MalformedStatement
from association.iban import iban_from_rib
from association.rf import find_rf
from association.statements import BankStatement, StatementLine, file_sha256, join

__all__ = ["RECORD_LENGTH", "decode_amount", "parse_cfonb120"]

RECORD_LENGTH = 120
_POSITIVE = "{ABCDEFGHI"
_NEGATIVE = "}JKLMNOPQR"
_AMOUNT_RE = re.compile(r"[0-9]{13}[{}A-R]", re.ASCII)


def decode_amount(field_text: str, decimals: int) -> int:
    """Signed cents of a 14-character CFONB amount with ``decimals`` decimals (0 to 3)."""
    if not _AMOUNT_RE.fullmatch(field_text):
        raise ValueError(f"{field_text!r} is not a CFONB amount")
    last = field_text[-1]
    if last in _POSITIVE:
        sign, digit = 1, _POSITIVE.index(last)
    else:
        sign, digit = -1, _NEGATIVE.index(last)
    value = int(field_text[:-1]) * 10 + digit
    if decimals <= 2:
        cents = value * 10 ** (2 - decimals)
    else:
        cents, rest = divmod(value, 10 ** (decimals - 2))
        if rest:
            raise ValueError(f"{field_text!r} has fractions of a cent")
    return int(sign * cents)


@dataclass
class _Movement:
    line: int
    booked: date
    value: date
    amount: int
    label: str
    entry_number: str
    reference: str
    extra: list[str] = field(default_factory=list)
    end_to_end: str | None = None


@dataclass
class _Block:
    iban: str
    currency: str
    opening_date: date
    opening: int
    movements: list[_Movement] = field(default_factory=list)


def _records(text: str) -> list[tuple[int, str]]:
    if "\n" not in text and "\r" not in text and len(text) > RECORD_LENGTH:
        return [
            (i // RECORD_LENGTH + 1, text[i : i + RECORD_LENGTH])
            for i in range(0, len(text), RECORD_LENGTH)
        ]
    records = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        if len(raw) > RECORD_LENGTH:
            raise MalformedStatement(
                f"a record is {len(raw)} characters long, not {RECORD_LENGTH}", line=number
            )
        records.append((number, raw.ljust(RECORD_LENGTH)))
    return records


def _date(text: str, line: int, what: str) -> date:
    if not text.isdigit() or len(text) != 6:
        raise MalformedStatement(f"the {what} {text!r} is not a date JJMMAA", line=line)
    try:
        return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))
    except ValueError:
        raise MalformedStatement(f"the {what} {text!r} is not a date", line=line) from None


def _account(record: str, line: int) -> tuple[str, str, int]:
    """IBAN, currency and decimals of a record."""
    bank, branch, account = record[2:7], record[11:16], record[21:32]
    try:
        iban = iban_from_rib(bank, branch, account)
    except InvalidIban:
        raise MalformedStatement(
            f"the account {bank} {branch} {account.strip()} is not a French RIB", line=line
        ) from None
    currency = record[16:19]
    if not currency.isalpha() or not currency.isupper():
        raise MalformedStatement(f"the currency {currency!r} is not a code", line=line)
    if not record[19].isdigit() or int(record[19]) > 3:
        raise MalformedStatement(f"the decimals count {record[19]!r} is not 0 to 3", line=line)
    return iban, currency, int(record[19])


def _amount(record: str, decimals: int, line: int) -> int:
    try:
        return decode_amount(record[90:104], decimals)
    except ValueError as exc:
        raise MalformedStatement(str(exc), line=line) from None


def _line(movement: _Movement) -> StatementLine:
    label = " ".join([movement.label, *movement.extra]).strip()
    label = " ".join(label.split())
    reference = find_rf(label) or movement.end_to_end
    return StatementLine(
        date=movement.booked,
        value_date=movement.value,
        amount=movement.amount,
        label=label,
        reference=reference,
        bank_ref=movement.reference or movement.entry_number or None,
    )


def _close(block: _Block, record: str, line: int, sha256: str) -> BankStatement:
    closing_date = _date(record[34:40], line, "new balance date")
    try:
        return BankStatement(
            account_iban=block.iban,
            currency=block.currency,
            opening_date=block.opening_date,
            opening_balance=block.opening,
            closing_date=closing_date,
            closing_balance=_amount(record, _account(record, line)[2], line),
            lines=tuple(_line(m) for m in block.movements),
            sha256=sha256,
        )
    except MalformedStatement as exc:
        if exc.line is not None:
            raise
        raise type(exc)(exc.message, line=line) from None


def parse_cfonb120(data: bytes) -> tuple[BankStatement, ...]:
    """Every account's statement in a CFONB 120 file, in the order the accounts first appear."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("iso8859-15")
    sha256 = file_sha256(data)
    by_account: dict[str, list[BankStatement]] = {}
    block: _Block | None = None
    records = _records(text)
    if not records:
        raise MalformedStatement("the file holds no record")
    for line, record in records:
        kind = record[:2]
        if kind not in ("01", "04", "05", "07"):
            raise MalformedStatement(f"unknown record type {kind!r}", line=line)
        iban, currency, decimals = _account(record, line)
        if kind == "01":
            if block is not None:
                raise MalformedStatement("a new balance (01) before the last one's 07", line=line)
            block = _Block(
                iban=iban,
                currency=currency,
                opening_date=_date(record[34:40], line, "previous balance date"),
                opening=_amount(record, decimals, line),
            )
            continue
        if block is None:
            raise MalformedStatement(f"a record {kind} outside a 01…07 block", line=line)
        if (iban, currency) != (block.iban, block.currency):
            raise MalformedStatement(
                f"a record {kind} of {iban} {currency} in the block of {block.iban}", line=line
            )
        if kind == "04":
            block.movements.append(
                _Movement(
                    line=line,
                    booked=_date(record[34:40], line, "booking date"),
                    value=_date(record[42:48], line, "value date"),
                    amount=_amount(record, decimals, line),
                    label=record[48:79].strip(),
                    entry_number=record[81:88].strip(),
                    reference=record[104:120].strip(),
                )
            )
        elif kind == "05":
            if not block.movements:
                raise MalformedStatement("a complement (05) before any movement (04)", line=line)
            qualifier, info = record[45:48], " ".join(record[48:118].split())
            movement = block.movements[-1]
            if qualifier == "RCN" and info:
                movement.end_to_end = info
            elif info:
                movement.extra.append(info)
        else:
            statement = _close(block, record, line, sha256)
            by_account.setdefault(statement.account_iban, []).append(statement)
            block = None
    if block is not None:
        raise MalformedStatement("the file ends inside a block: no closing balance (07)")
    return tuple(join(group) for group in by_account.values())
