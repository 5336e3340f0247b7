"""The FEC, "fichier des écritures comptables" (article A47 A-1 of the Livre des procédures
fiscales), written from the association's journal entries.

One header row then one row per entry line, with exactly the 18 fields of the official list, in
its order, separated by ``|``; rows end with CR LF; the file is ISO 8859-15. Dates are
``AAAAMMJJ``; amounts have a decimal comma and no thousands separator (``1234,56``), debit and
credit in their own columns; ``EcritureNum`` counts the entries of each journal from 1 with no
gap, in chronological order (by validation date, then the order given); lettering and foreign
currency fields are empty (the books are in euros). Text fields are made safe and
deterministic: a ``|`` becomes ``/``, control characters a space, and a character outside ISO
8859-15 its unaccented form, a usual ASCII stand-in (dashes, quotes) or ``?``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date

from association.errors import ExportError
from association.journal import JournalEntry

__all__ = ["ENCODING", "FEC_COLUMNS", "fec_amount", "fec_filename", "fec_text", "write_fec"]

ENCODING = "iso8859-15"
SEPARATOR = "|"
NEWLINE = "\r\n"
FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
_STAND_INS = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u202f": " ",
    "\u2009": " ",
}


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def fec_text(text: str) -> str:
    """``text`` as a FEC field: one line, no ``|``, every character in ISO 8859-15."""
    out: list[str] = []
    for char in text:
        if char == SEPARATOR:
            out.append("/")
        elif unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif _encodable(char):
            out.append(char)
        elif char in _STAND_INS:
            out.append(_STAND_INS[char])
        else:
            base = "".join(
                c
                for c in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(c) and _encodable(c) and c != SEPARATOR
            )
            out.append(base or "?")
    return " ".join("".join(out).split())


def fec_amount(cents: int) -> str:
    """``123456`` → ``1234,56``: decimal comma, no thousands separator."""
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units},{rest:02d}"


def _date(day: date) -> str:
    return day.strftime("%Y%m%d")


def fec_filename(siren: str, closing: date) -> str:
    """The name the administration expects: SIREN, ``FEC``, the closing date of the year."""
    if not (len(siren) == 9 and siren.isdigit()):
        raise ExportError("a SIREN is 9 digits")
    return f"{siren}FEC{_date(closing)}.txt"


def write_fec(entries: Iterable[JournalEntry]) -> bytes:
    """The FEC file of these entries, encoded in ISO 8859-15."""
    ordered = sorted(enumerate(entries), key=lambda item: (item[1].validated, item[0]))
    numbers: dict[str, int] = {}
    rows = [SEPARATOR.join(FEC_COLUMNS)]
    for _, entry in ordered:
        if entry.currency != "EUR":
            raise ExportError(f"the FEC is in euros; the entry {entry.piece_ref!r} is not")
        code = fec_text(entry.journal_code)
        numbers[code] = numbers.get(code, 0) + 1
        for line in entry.lines:
            fields = (
                code,
                fec_text(entry.journal_label),
                str(numbers[code]),
                _date(entry.date),
                fec_text(line.account_number),
                fec_text(line.account_label),
                fec_text(line.aux_number or ""),
                fec_text(line.aux_label or ""),
                fec_text(entry.piece_ref),
                _date(entry.piece_date),
                fec_text(entry.label),
                fec_amount(line.debit),
                fec_amount(line.credit),
                "",
                "",
                _date(entry.validated),
                "",
                "",
            )
            rows.append(SEPARATOR.join(fields))
    return (NEWLINE.join(rows) + NEWLINE).encode(ENCODING)
