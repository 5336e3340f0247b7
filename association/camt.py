"""Reading ISO 20022 camt.053 bank-to-customer statements (versions 001.02 to 001.08 and later).

The XML is parsed with `defusedxml`, which refuses DTDs, entity expansion and external
references, since a statement file comes from outside. Each ``Stmt`` gives the account's IBAN
and currency, its opening balance (``OPBD``, else ``PRCD``) and closing balance (``CLBD``), and
its booked entries (status ``BOOK``; pending ones are left out): amount and credit/debit
indicator, booking and value dates, the bank's reference, the creditor reference (structured,
else found in the unstructured remittance) or else the end-to-end id, and a label. Statements of
one account are joined in file order; several accounts give several statements.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from association.errors import InvalidCreditorReference, MalformedStatement
from association.rf import check_rf, find_rf
from association.statements import BankStatement, StatementLine, file_sha256, join

__all__ = ["parse_camt053"]

_NAMESPACE_RE = re.compile(r"\{urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})\}Document")
_DECIMAL_RE = re.compile(r"(\d{1,18})(?:\.(\d{1,2}))?", re.ASCII)
_OPENING_CODES = ("OPBD", "PRCD")
_CLOSING_CODE = "CLBD"


class _Reader:
    """Namespace-aware lookups, with errors saying which statement and entry is wrong."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def path(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{step}" if step != "." else step for step in path.split("/"))

    def find(self, element: ET.Element, path: str) -> ET.Element | None:
        return element.find(self.path(path))

    def findall(self, element: ET.Element, path: str) -> list[ET.Element]:
        return element.findall(self.path(path))

    def text(self, element: ET.Element, path: str) -> str | None:
        found = self.find(element, path)
        if found is None or found.text is None or not found.text.strip():
            return None
        return " ".join(found.text.split())

    def required(self, element: ET.Element, path: str, where: str) -> str:
        value = self.text(element, path)
        if value is None:
            raise MalformedStatement(f"{where}: {path} is missing")
        return value


def _amount(reader: _Reader, element: ET.Element, where: str) -> tuple[int, str]:
    """Signed cents and currency of an element with ``Amt`` and ``CdtDbtInd``."""
    amt = reader.find(element, "Amt")
    if amt is None or amt.text is None:
        raise MalformedStatement(f"{where}: Amt is missing")
    match = _DECIMAL_RE.fullmatch(amt.text.strip())
    if match is None:
        raise MalformedStatement(f"{where}: {amt.text.strip()!r} is not an amount in cents")
    cents = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    indicator = reader.required(element, "CdtDbtInd", where)
    if indicator not in ("CRDT", "DBIT"):
        raise MalformedStatement(f"{where}: CdtDbtInd is {indicator!r}, not CRDT or DBIT")
    currency = amt.get("Ccy", "")
    return (-cents if indicator == "DBIT" else cents), currency


def _date(reader: _Reader, element: ET.Element, path: str, where: str) -> date:
    text = reader.text(element, f"{path}/Dt") or reader.text(element, f"{path}/DtTm")
    if text is None:
        raise MalformedStatement(f"{where}: {path} has no date")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MalformedStatement(f"{where}: {text!r} is not a date") from None


def _reference(reader: _Reader, entry: ET.Element, label: str) -> str | None:
    details = reader.findall(entry, "NtryDtls/TxDtls")
    if len(details) > 1:
        return find_rf(label)
    if details:
        tx = details[0]
        for ref in reader.findall(tx, "RmtInf/Strd/CdtrRefInf/Ref"):
            if ref.text:
                try:
                    return check_rf(ref.text)
                except InvalidCreditorReference:
                    continue
    found = find_rf(label)
    if found is not None:
        return found
    if details:
        end_to_end = reader.text(details[0], "Refs/EndToEndId")
        if end_to_end and end_to_end != "NOTPROVIDED":
            return end_to_end
    return None


def _label(reader: _Reader, entry: ET.Element) -> str:
    parts: list[str] = []
    additional = reader.text(entry, "AddtlNtryInf")
    if additional:
        parts.append(additional)
    for tx in reader.findall(entry, "NtryDtls/TxDtls"):
        for path in (
            "RltdPties/Dbtr/Nm",
            "RltdPties/Dbtr/Pty/Nm",
            "RltdPties/Cdtr/Nm",
            "RltdPties/Cdtr/Pty/Nm",
            "RmtInf/Ustrd",
            "RmtInf/Strd/CdtrRefInf/Ref",
        ):
            for element in reader.findall(tx, path):
                text = " ".join((element.text or "").split())
                if text and text not in parts:
                    parts.append(text)
    return " ".join(parts)


def _is_booked(reader: _Reader, entry: ET.Element) -> bool:
    status = reader.text(entry, "Sts/Cd") or reader.text(entry, "Sts")
    return status == "BOOK"


def _statement(reader: _Reader, stmt: ET.Element, number: int, sha256: str) -> BankStatement:
    where = f"statement {number}"
    iban = reader.required(stmt, "Acct/Id/IBAN", where)
    balances: dict[str, tuple[int, str, date]] = {}
    for index, bal in enumerate(reader.findall(stmt, "Bal"), 1):
        code = reader.text(bal, "Tp/CdOrPrtry/Cd")
        if code is None:
            continue
        cents, currency = _amount(reader, bal, f"{where}, balance {index}")
        balances.setdefault(code, (cents, currency, _date(reader, bal, "Dt", f"{where}, {code}")))
    opening = next((balances[c] for c in _OPENING_CODES if c in balances), None)
    if opening is None:
        raise MalformedStatement(f"{where}: no opening balance (OPBD or PRCD)")
    closing = balances.get(_CLOSING_CODE)
    if closing is None:
        raise MalformedStatement(f"{where}: no closing balance (CLBD)")
    currency = reader.text(stmt, "Acct/Ccy") or opening[1]
    if opening[1] != currency or closing[1] != currency:
        raise MalformedStatement(f"{where}: balances in another currency than {currency}")
    lines: list[StatementLine] = []
    for index, entry in enumerate(reader.findall(stmt, "Ntry"), 1):
        entry_where = f"{where}, entry {index}"
        if not _is_booked(reader, entry):
            continue
        cents, entry_currency = _amount(reader, entry, entry_where)
        if entry_currency != currency:
            raise MalformedStatement(f"{entry_where}: amount in {entry_currency}, not {currency}")
        booked = _date(reader, entry, "BookgDt", entry_where)
        value = booked
        if reader.find(entry, "ValDt") is not None:
            value = _date(reader, entry, "ValDt", entry_where)
        label = _label(reader, entry)
        lines.append(
            StatementLine(
                date=booked,
                value_date=value,
                amount=cents,
                label=label,
                reference=_reference(reader, entry, label),
                bank_ref=reader.text(entry, "AcctSvcrRef") or reader.text(entry, "NtryRef"),
            )
        )
    return BankStatement(
        account_iban=iban,
        currency=currency,
        opening_date=opening[2],
        opening_balance=opening[0],
        closing_date=closing[2],
        closing_balance=closing[0],
        lines=tuple(lines),
        sha256=sha256,
    )


def parse_camt053(data: bytes) -> tuple[BankStatement, ...]:
    """Every account's statement in a camt.053 file, in the order the accounts first appear."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise MalformedStatement(f"not well-formed XML: {exc}", line=line) from None
    except DefusedXmlException as exc:
        raise MalformedStatement(f"refused XML construct: {exc!r}") from None
    match = _NAMESPACE_RE.fullmatch(root.tag)
    if match is None:
        raise MalformedStatement(f"not a camt.053 document: the root element is {root.tag}")
    reader = _Reader(root.tag[1:].split("}")[0])
    sha256 = file_sha256(data)
    stmts = reader.findall(root, "BkToCstmrStmt/Stmt")
    if not stmts:
        raise MalformedStatement("the camt.053 document holds no statement")
    by_account: dict[str, list[BankStatement]] = {}
    for number, stmt in enumerate(stmts, 1):
        statement = _statement(reader, stmt, number, sha256)
        by_account.setdefault(statement.account_iban, []).append(statement)
    return tuple(join(group) for group in by_account.values())
