"""Reading a reserve account's bank statement from a file of any supported format.

`parse_statement` recognises the format from the bytes (camt.053 XML, CFONB 120 fixed-width
records, else French CSV), reads every statement the file holds and returns the one of the
expected account, or raises `WrongAccount` when the file is of another account. It is the entry
point of a statement import; the caller then checks the chain with the previous statement of
the account and that the file (by its SHA-256) is new.
"""

from __future__ import annotations

import re
from enum import Enum

from association.camt import parse_camt053
from association.cfonb import RECORD_LENGTH, parse_cfonb120
from association.csv_fr import parse_csv_fr
from association.errors import MalformedStatement, WrongAccount
from association.iban import check_iban
from association.statements import BankStatement, check_account

__all__ = ["StatementFormat", "detect_format", "parse_statement", "parse_statements"]

_CFONB_RECORD = re.compile(rb"0[1457][0-9]{5}")


class StatementFormat(Enum):
    CAMT053 = "camt.053"
    CFONB120 = "cfonb120"
    CSV_FR = "csv"


def detect_format(data: bytes) -> StatementFormat:
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return StatementFormat.CAMT053
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    if _CFONB_RECORD.match(first) and (
        len(first) == RECORD_LENGTH or (b"\n" not in head and len(head) % RECORD_LENGTH == 0)
    ):
        return StatementFormat.CFONB120
    if b";" in head:
        return StatementFormat.CSV_FR
    raise MalformedStatement("not a camt.053, CFONB 120 or French CSV statement", line=1)


def parse_statements(data: bytes) -> tuple[BankStatement, ...]:
    """Every account's statement in the file, whatever its format."""
    if not data.strip():
        raise MalformedStatement("the file is empty")
    kind = detect_format(data)
    if kind is StatementFormat.CAMT053:
        return parse_camt053(data)
    if kind is StatementFormat.CFONB120:
        return parse_cfonb120(data)
    return (parse_csv_fr(data),)


def parse_statement(data: bytes, *, account_iban: str, currency: str = "EUR") -> BankStatement:
    """The statement of ``account_iban`` in the file; `WrongAccount` if it holds none."""
    expected = check_iban(account_iban)
    statements = parse_statements(data)
    for statement in statements:
        if statement.account_iban == expected:
            check_account(statement, expected, currency)
            return statement
    found = ", ".join(s.account_iban for s in statements)
    raise WrongAccount(f"the file holds statements of {found}, not of {expected}")
