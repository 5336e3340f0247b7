"""Reading French bank statements exported as CSV (``;``-separated, amounts ``1 234,56``).

Banks' CSV exports differ; Sou reads this common shape. Before the table, lines
``IBAN;FR76…`` (or ``Compte;…``), optionally ``Devise;EUR``, and ``Solde initial;JJ/MM/AAAA;1
234,56`` (other lines there, a title or the holder's name, are ignored); then a header row
naming the columns, either ``Date;Libellé;Débit;Crédit`` or ``Date;Libellé;Montant`` (names
are matched without case nor accents; ``Date valeur`` and ``Référence`` columns are optional,
and the order is free); then one row per movement; then ``Solde final;JJ/MM/AAAA;1 234,56``.
A debit is negative whether or not the bank wrote a minus sign; a credit is never negative.
Amounts are parsed by `ledger.money.parse_fr` (groups by a space, a no-break space or a narrow
no-break space; an optional trailing ``€``). The file is UTF-8 (with or without a byte-order
mark) or, failing that, ISO 8859-15.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from association.errors import InvalidIban, MalformedStatement
from association.iban import check_iban
from association.rf import find_rf
from association.statements import BankStatement, StatementLine, file_sha256
from ledger.errors import InvalidAmount
from ledger.money import parse_fr

__all__ = ["decode_text", "parse_csv_fr"]

_DATE_RE = re.compile(r"(\d{2})/(\d{2})/(\d{4})", re.ASCII)
_COLUMNS = {
    "date": "date",
    "date operation": "date",
    "date comptable": "date",
    "date de comptabilisation": "date",
    "date valeur": "value_date",
    "date de valeur": "value_date",
    "libelle": "label",
    "libelle operation": "label",
    "libelle de l'operation": "label",
    "debit": "debit",
    "credit": "credit",
    "montant": "amount",
    "reference": "bank_ref",
}
_ACCOUNT_KEYS = {"iban", "compte", "numero de compte", "iban du compte"}
_OPENING_KEYS = {"solde initial", "solde de debut", "solde d'ouverture", "ancien solde"}
_CLOSING_KEYS = {"solde final", "solde de fin", "solde de cloture", "nouveau solde"}


def _key(text: str) -> str:
    """Lower case, no accents, single spaces, no trailing colon: how column names compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("’", "'").lower().strip().rstrip(":").split())


def decode_text(data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped), else ISO 8859-15."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedStatement(f"not UTF-8 despite its byte-order mark: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso8859-15")


def _date(text: str, line: int) -> date:
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        raise MalformedStatement(f"{text!r} is not a date JJ/MM/AAAA", line=line)
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise MalformedStatement(f"{text!r} is not a date", line=line) from None


def _amount(text: str, line: int) -> int:
    cleaned = text.strip().removesuffix("€").removesuffix("EUR").strip().removeprefix("+")
    try:
        return parse_fr(cleaned)
    except InvalidAmount:
        raise MalformedStatement(f"{text!r} is not an amount", line=line) from None


@dataclass(frozen=True)
class _Balance:
    when: date
    cents: int


def _balance(row: list[str], line: int) -> _Balance:
    cells = [c for c in row[1:] if c.strip()]
    if len(cells) != 2:
        raise MalformedStatement(f"a balance line is '{row[0]};JJ/MM/AAAA;montant'", line=line)
    return _Balance(_date(cells[0], line), _amount(cells[1], line))


def _movement(row: list[str], columns: dict[str, int], line: int) -> StatementLine:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    if "amount" in columns:
        amount = _amount(cell("amount"), line)
    else:
        debit, credit = cell("debit"), cell("credit")
        if bool(debit) == bool(credit):
            raise MalformedStatement("a movement has either a debit or a credit", line=line)
        if debit:
            amount = -abs(_amount(debit, line))
        else:
            amount = _amount(credit, line)
            if amount < 0:
                raise MalformedStatement(f"a credit of {credit!r} is negative", line=line)
    booked = _date(cell("date"), line)
    label = " ".join(cell("label").split())
    return StatementLine(
        date=booked,
        value_date=_date(cell("value_date"), line) if cell("value_date") else booked,
        amount=amount,
        label=label,
        reference=find_rf(label),
        bank_ref=cell("bank_ref") or None,
    )


def _header(row: list[str], line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(row):
        role = _COLUMNS.get(_key(name))
        if role is None:
            continue
        if role in columns:
            raise MalformedStatement(f"the column {name!r} appears twice", line=line)
        columns[role] = index
    has_amount = "amount" in columns
    has_sides = "debit" in columns and "credit" in columns
    if "date" not in columns or "label" not in columns or has_amount == has_sides:
        raise MalformedStatement(
            "the header is 'Date;Libellé;Débit;Crédit' or 'Date;Libellé;Montant'", line=line
        )
    return columns


def parse_csv_fr(data: bytes) -> BankStatement:
    """The statement in a French CSV export (see the module's docstring for its shape)."""
    text = decode_text(data)
    reader = csv.reader(text.splitlines(), delimiter=";", quotechar='"', strict=True)
    iban: str | None = None
    currency = "EUR"
    opening: _Balance | None = None
    closing: _Balance | None = None
    columns: dict[str, int] | None = None
    lines: list[StatementLine] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            key = _key(row[0])
            if key in _ACCOUNT_KEYS:
                value = next((c for c in row[1:] if c.strip()), "")
                try:
                    iban = check_iban(value)
                except InvalidIban:
                    raise MalformedStatement(f"{value!r} is not an IBAN", line=line) from None
            elif key == "devise":
                currency = next((c.strip() for c in row[1:] if c.strip()), "")
            elif key in _OPENING_KEYS:
                opening = _balance(row, line)
            elif key in _CLOSING_KEYS:
                closing = _balance(row, line)
            elif columns is None and key in _COLUMNS and _COLUMNS[key] == "date":
                columns = _header(row, line)
            elif columns is None:
                continue  # the preamble's other lines: title, holder, date of issue…
            elif closing is None:
                lines.append(_movement(row, columns, line))
            else:
                raise MalformedStatement(f"unexpected line starting {row[0][:40]!r}", line=line)
    except csv.Error as exc:
        raise MalformedStatement(f"not valid CSV: {exc}", line=reader.line_num) from None
    if iban is None:
        raise MalformedStatement("the file does not name its account (a line 'IBAN;…')")
    if columns is None:
        raise MalformedStatement("no header line 'Date;Libellé;…'")
    if opening is None or closing is None:
        raise MalformedStatement("the file lacks its 'Solde initial' or 'Solde final' line")
    return BankStatement(
        account_iban=iban,
        currency=currency,
        opening_date=opening.when,
        opening_balance=opening.cents,
        closing_date=closing.when,
        closing_balance=closing.cents,
        lines=tuple(lines),
        sha256=file_sha256(data),
    )
