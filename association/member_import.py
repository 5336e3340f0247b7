"""Bringing members in from a spreadsheet: a CSV (`;` or `,`, UTF-8 or ISO 8859-15, as
LibreOffice and Excel save it) or an XLSX workbook's first sheet.

The first row names the columns, in French or English, in any order, without regard to case
or accents: the name (`Nom`, or `Prénom` and `Nom`), the contact (`Email`, `Courriel`,
`Téléphone`, `Contact`: the first one filled), and the member's consent to the privacy notice
(`Consentement`: oui / yes / x / 1), which the association collected on paper. Other columns
are ignored and said so.

`preview` reads the file and judges every line (name, contact, consent, a duplicate in the file
or in the register) without writing anything; `run` opens one resident account per line in one
unit of work, only when no line is in error, so that a file is taken whole or not at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from association.csv_fr import decode_text
from association.errors import InvalidMemberDetails, MalformedMemberFile, MemberImportRefused
from association.member_register import MEMBER_KINDS, clean_contact, clean_name
from ledger import holders
from ledger.acts import record_act
from ledger.admin import PRIVACY_NOTICE, open_account
from ledger.ports import LedgerUnitOfWork

MAX_LINES = 5000
_NAME = {"nom", "name", "nom complet", "full name", "adherent", "member"}
_FIRST = {"prenom", "first name", "firstname", "given name"}
_LAST = {"nom de famille", "last name", "lastname", "surname", "family name"}
_CONTACT = (
    "contact",
    "email",
    "e-mail",
    "courriel",
    "mail",
    "telephone",
    "tel",
    "phone",
    "portable",
    "mobile",
)
_CONSENT = {"consentement", "consent", "rgpd", "gdpr", "accord"}
_YES = {"oui", "yes", "x", "1", "true", "vrai", "o", "y"}


@dataclass(frozen=True, slots=True)
class Line:
    line: int  # in the file, the header being line 1
    name: str
    contact: str | None
    errors: tuple[str, ...]  # codes: name-missing, name-invalid, contact-invalid, …


@dataclass(frozen=True, slots=True)
class Preview:
    sha256: str
    lines: tuple[Line, ...]
    ignored_columns: tuple[str, ...]
    errors: int = field(default=0)


def _rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The file's rows that hold something, with their line numbers (from 1)."""
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    text = decode_text(data)
    header = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=header.count)  # the header's separator: names hold none
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
        rows = list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise MalformedMemberFile(f"not a CSV file: {exc}") from None
    return [(n, row) for n, row in rows if any(c.strip() for c in row)]


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only for a workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        rows = [
            ["" if cell is None else str(cell).strip() for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, OSError) as exc:
        raise MalformedMemberFile(f"not an XLSX workbook: {exc}") from None
    return [(n, row) for n, row in enumerate(rows, start=1) if any(row)]


def _columns(header: list[str]) -> tuple[dict[str, object], tuple[str, ...]]:
    """Where each field is, and the columns ignored."""
    found: dict[str, object] = {"contact": []}
    ignored = []
    for i, title in enumerate(header):
        key = holders.folded(title)
        if key in _NAME and "name" not in found:
            found["name"] = i
        elif key in _FIRST and "first" not in found:
            found["first"] = i
        elif key in _LAST and "last" not in found:
            found["last"] = i
        elif key in _CONTACT:
            contacts = found["contact"]
            assert isinstance(contacts, list)
            contacts.append(i)
        elif key in _CONSENT and "consent" not in found:
            found["consent"] = i
        else:
            ignored.append(title.strip() or f"#{i + 1}")
    if "first" in found and "name" in found and "last" not in found:
        found["last"] = found.pop("name")  # `Prénom` and `Nom`: the name is the family name
    if "name" not in found and not ("first" in found or "last" in found):
        raise MalformedMemberFile("the header row names no name column (Nom, Prénom, Name)")
    if "consent" not in found:
        raise MalformedMemberFile("the header row names no consent column (Consentement)")
    return found, tuple(ignored)


def preview(uow: LedgerUnitOfWork, *, data: bytes) -> Preview:
    """Every line of the file judged, nothing written."""
    rows = _rows(data)
    if not rows:
        raise MalformedMemberFile("the file is empty")
    if len(rows) - 1 > MAX_LINES:
        raise MalformedMemberFile(f"a file holds at most {MAX_LINES} members")
    where, ignored = _columns(rows[0][1])
    known = {
        (holders.folded(m.name or ""), (m.contact or "").casefold())
        for m in holders.find_members(uow, kinds=MEMBER_KINDS, limit=10**9)[1]
        if m.status != "closed"
    }
    seen: set[tuple[str, str]] = set()
    lines = []

    def cell(row: list[str], key: str) -> str:
        index = where.get(key)
        return row[index].strip() if isinstance(index, int) and index < len(row) else ""

    for number, row in rows[1:]:
        errors = []
        raw = cell(row, "name") or " ".join(x for x in (cell(row, "first"), cell(row, "last")) if x)
        name = " ".join(raw.split())
        if not name:
            errors.append("name-missing")
        else:
            try:
                name = clean_name(raw)
            except InvalidMemberDetails:
                errors.append("name-invalid")
        contacts = where["contact"]
        assert isinstance(contacts, list)
        given = next((row[i].strip() for i in contacts if i < len(row) and row[i].strip()), "")
        contact: str | None = given or None
        try:
            contact = clean_contact(given)
        except InvalidMemberDetails:
            errors.append("contact-invalid")
        if holders.folded(cell(row, "consent")) not in _YES:
            errors.append("consent-missing")
        key = (holders.folded(name), (contact or "").casefold())
        if name and key in seen:
            errors.append("duplicate-in-file")
        elif name and key in known:
            errors.append("already-member")
        seen.add(key)
        lines.append(Line(number, name, contact, tuple(errors)))
    return Preview(
        sha256=hashlib.sha256(data).hexdigest(),
        lines=tuple(lines),
        ignored_columns=ignored,
        errors=sum(1 for line in lines if line.errors),
    )


@dataclass(frozen=True, slots=True)
class Imported:
    sha256: str
    accounts: tuple[int, ...]


def run(uow: LedgerUnitOfWork, *, data: bytes, now: int) -> Imported:
    """Opens the file's members' accounts, all of them or, if any line is in error, none."""
    judged = preview(uow, data=data)
    if judged.errors:
        raise MemberImportRefused(
            f"{judged.errors} of {len(judged.lines)} lines are in error; nothing was written",
            errors=judged.errors,
        )
    if not judged.lines:
        raise MalformedMemberFile("the file holds a header but no member")
    opened = []
    for line in judged.lines:
        number = open_account(uow, kind="resident", now=now, holder_name=line.name)
        if line.contact is not None:
            holders.set_holder(uow, number=number, name=line.name, contact=line.contact)
        record_act(
            uow,
            "account.consent",
            number,
            {"privacy_notice": PRIVACY_NOTICE, "collected": "on paper", "file": judged.sha256},
        )
        opened.append(number)
    record_act(
        uow,
        "member.import",
        f"{opened[0]}–{opened[-1]}",
        {"lines": len(opened), "sha256": judged.sha256},
    )
    return Imported(judged.sha256, tuple(opened))
