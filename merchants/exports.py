"""Takings for the merchant's accountant: CSV files and the printable PDF day statement.

The CSV files are French spreadsheets: `;` between fields, a header row in French, amounts
printed by `ledger.money.format_fr` ("1 234,56", no-break space between thousands, decimal
comma, hyphen-minus for negatives), dates as JJ/MM/AAAA and times as HH:MM:SS local time.
They are UTF-8 with a byte-order mark, which French Excel needs to read accents right and
other tools ignore, and rows end with CRLF as RFC 4180 says. Two files exist: the lines of
one business day (one row per transfer to or from the account, with its log entry), and the
takings of a period (one row per business day, then a `Total` row). A text field that a
spreadsheet would take for a formula (starting with `=`, `+`, `-` or `@`) is prefixed with an
apostrophe. The PDF is the day statement on an A4 page, as text (so it can be searched and
copied), made with `fpdf2` in its built-in Helvetica (Latin-1; other characters are folded).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ledger.money import format_amount, format_fr
from merchants.business_day import PARIS, local_time
from merchants.errors import StatementError
from merchants.months import MonthStatement
from merchants.takings import DayStatement, TakingLine, period_totals, receipts_root

BOM = "\ufeff"

LINES_HEADER = (
    "Journée",
    "Date",
    "Heure",
    "Écriture",
    "Opération",
    "Montant",
    "Contrepartie",
    "Caisse",
    "Paiement remboursé",
)
TAKINGS_HEADER = (
    "Journée",
    "Paiements reçus",
    "Encaissements",
    "Remboursements",
    "Net",
    "Total des sorties",
    "Montant déclaré",
    "Écart",
    "Première écriture",
    "Dernière écriture",
    "Racine des reçus",
)
OPERATION = {"in": "Paiement reçu", "refund": "Remboursement", "out": "Paiement émis"}


def date_fr(date: dt.date) -> str:
    """`2026-03-14` → "14/03/2026"."""
    return date.strftime("%d/%m/%Y")


def _text(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _optional_amount(cents: int | None) -> str:
    return "" if cents is None else format_fr(cents)


def _optional_int(value: int | None) -> str:
    return "" if value is None else str(value)


def _csv(rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return (BOM + out.getvalue()).encode("utf-8")


def _operation(line: TakingLine) -> str:
    return OPERATION["refund" if line.is_refund else line.direction]


def _checked_lines(statement: DayStatement, lines: Iterable[TakingLine]) -> list[TakingLine]:
    ordered = sorted(lines, key=lambda line: line.entry)
    if receipts_root(line.receipt for line in ordered) != statement.receipts_root:
        raise StatementError("these lines are not the statement's (the receipts differ)")
    return ordered


def day_lines_csv(
    statement: DayStatement, lines: Iterable[TakingLine], *, tz: str = PARIS
) -> bytes:
    """The CSV of a business day's lines in entry order; amounts out are negative.

    The lines must be the statement's own (checked through its receipts root).
    """
    rows: list[Sequence[str]] = [LINES_HEADER]
    for line in _checked_lines(statement, lines):
        wall = local_time(line.accepted, tz)
        rows.append(
            (
                date_fr(statement.date),
                date_fr(wall.date()),
                wall.strftime("%H:%M:%S"),
                str(line.entry),
                _operation(line),
                format_fr(line.amount if line.direction == "in" else -line.amount),
                str(line.counterpart),
                _text(line.till),
                line.ref or "",
            )
        )
    return _csv(rows)


def takings_csv(statements: Sequence[DayStatement]) -> bytes:
    """The CSV of a period's takings: one row per business day in date order, then `Total`."""
    ordered = sorted(statements, key=lambda s: s.date)
    rows: list[Sequence[str]] = [TAKINGS_HEADER]
    for s in ordered:
        rows.append(
            (
                date_fr(s.date),
                str(s.count),
                format_fr(s.credits),
                format_fr(s.refunds),
                format_fr(s.net),
                format_fr(s.debits),
                _optional_amount(s.declared),
                _optional_amount(s.difference),
                _optional_int(s.first_entry),
                _optional_int(s.last_entry),
                s.receipts_root,
            )
        )
    total = period_totals(ordered)
    rows.append(
        (
            "Total",
            str(total.count),
            format_fr(total.credits),
            format_fr(total.refunds),
            format_fr(total.net),
            format_fr(total.debits),
            _optional_amount(total.declared),
            _optional_amount(total.difference),
            "",
            "",
            "",
        )
    )
    return _csv(rows)


# --- PDF ------------------------------------------------------------------------------------


_TYPOGRAPHY = {
    "Œ": "OE",
    "œ": "oe",
    "Ÿ": "Y",
    "€": "EUR",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u202f": "\u00a0",
}


def _latin1(text: str) -> str:
    """Text the PDF's built-in font can show: Latin-1, other characters folded or replaced."""
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        if char in _TYPOGRAPHY:
            out.append(_TYPOGRAPHY[char])
            continue
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(folded if folded and all(ord(c) < 256 for c in folded) else "?")
    return "".join(out)


class _Page:
    def __init__(self, title: str) -> None:
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_title(_latin1(title))
        pdf.set_creator("Sou")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        self.pdf = pdf

    def line(self, text: str, *, size: float = 10, bold: bool = False) -> None:
        self.pdf.set_font("Helvetica", style="B" if bold else "", size=size)
        self.pdf.cell(0, size * 0.6, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def gap(self, height: float = 3) -> None:
        self.pdf.ln(height)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[int],
        *,
        left: int = 1,
    ) -> None:
        """A table of `widths` mm; its first `left` columns are text, the others numbers."""
        self.pdf.set_font("Helvetica", size=9)
        with self.pdf.table(
            width=sum(widths),
            col_widths=tuple(widths),
            align="LEFT",
            text_align=("LEFT",) * left + ("RIGHT",) * (len(header) - left),
            line_height=5,
            first_row_as_headings=True,
        ) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(_latin1(value))

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def day_statement_pdf(
    statement: DayStatement,
    lines: Iterable[TakingLine],
    *,
    merchant_name: str,
    unit: str,
    tz: str = PARIS,
) -> bytes:
    """The printable day statement: totals, per till, per hour, and every line with its entry.

    The lines must be the statement's own (checked through its receipts root).
    """
    ordered = _checked_lines(statement, lines)
    s = statement
    page = _Page(f"Relevé de journée du {date_fr(s.date)}")
    page.line("Relevé de journée (ticket Z)", size=16, bold=True)
    page.line(f"{merchant_name} - compte {s.account}", size=12)
    page.line(f"Journée du {date_fr(s.date)}")
    page.gap()

    def money(cents: int | None) -> str:
        return "" if cents is None else format_amount(cents, unit)

    summary = [
        ("Paiements reçus", str(s.count)),
        ("Encaissements", money(s.credits)),
        ("Remboursements", money(s.refunds)),
        ("Net", money(s.net)),
        ("Total des sorties", money(s.debits)),
        ("Montant déclaré", money(s.declared) or "non déclaré"),
        ("Écart", money(s.difference) or "-"),
        ("Première écriture", _optional_int(s.first_entry) or "-"),
        ("Dernière écriture", _optional_int(s.last_entry) or "-"),
    ]
    page.table(("Total", "Valeur"), summary, (60, 50))
    page.gap()
    page.line(f"Racine des reçus : {s.receipts_root}", size=8)
    if s.per_till:
        page.gap()
        page.line("Par caisse", bold=True)
        page.table(
            ("Caisse", "Paiements", "Encaissements", "Remboursements"),
            [
                (till or "sans caisse", str(t.payments), money(t.credits), money(t.refunds))
                for till, t in s.per_till.items()
            ],
            (45, 25, 40, 40),
        )
    if s.per_hour:
        page.gap()
        page.line("Par heure", bold=True)
        page.table(
            ("Heure", "Paiements", "Encaissements"),
            [(f"{h:02d} h", str(t.payments), money(t.credits)) for h, t in s.per_hour.items()],
            (30, 30, 40),
        )
    page.gap()
    page.line("Opérations", bold=True)
    if ordered:
        page.table(
            ("Écriture", "Heure", "Opération", "Caisse", "Montant"),
            [
                (
                    str(line.entry),
                    local_time(line.accepted, tz).strftime("%H:%M:%S"),
                    _operation(line),
                    line.till,
                    money(line.amount if line.direction == "in" else -line.amount),
                )
                for line in ordered
            ],
            (20, 20, 35, 25, 35),
            left=4,
        )
    else:
        page.line("Aucune opération ce jour.")
    return page.output()


# --- a CAE's consolidated takings, a local authority's month --------------------------------


CONSOLIDATED_HEADER = (
    "Code analytique",
    "Entrepreneur",
    "Compte",
    "Paiements reçus",
    "Encaissements",
    "Remboursements",
    "Net",
    "Solde",
)


@dataclass(frozen=True, slots=True)
class EntrepreneurTakings:
    account: int
    analytic_code: str | None
    name: str
    count: int
    credits: int
    refunds: int
    balance: int  # at the end of the period

    @property
    def net(self) -> int:
        return self.credits - self.refunds


def consolidated_csv(rows: Sequence[EntrepreneurTakings]) -> bytes:
    """A CAE's period: one row per entrepreneur (their takings, their balance at the period's
    end), then `Total`."""
    out: list[Sequence[str]] = [CONSOLIDATED_HEADER]
    for r in rows:
        out.append(
            (
                _text(r.analytic_code or ""),
                _text(r.name),
                str(r.account),
                str(r.count),
                format_fr(r.credits),
                format_fr(r.refunds),
                format_fr(r.net),
                format_fr(r.balance),
            )
        )
    out.append(
        (
            "Total",
            "",
            "",
            str(sum(r.count for r in rows)),
            format_fr(sum(r.credits for r in rows)),
            format_fr(sum(r.refunds for r in rows)),
            format_fr(sum(r.net for r in rows)),
            format_fr(sum(r.balance for r in rows)),
        )
    )
    return _csv(out)


MONTH_HEADER = (
    "Journée",
    "Paiements reçus",
    "Encaissements",
    "Remboursements",
    "Net",
    "Clôture (écriture)",
    "Racine des reçus",
)


def month_csv(statement: MonthStatement) -> bytes:
    """A régie's month: the opening balance, one row per business day, the reconversions, the
    totals and the closing balance (the first column says what each row is)."""
    s = statement
    rows: list[Sequence[str]] = [
        ("Régie", _text(s.name), str(s.account)),
        ("Mois", s.month, "complet" if s.complete else "en cours"),
        ("Solde d’ouverture", format_fr(s.opening)),
        MONTH_HEADER,
    ]
    for day in s.days:
        d = day.statement
        rows.append(
            (
                date_fr(d.date),
                str(d.count),
                format_fr(d.credits),
                format_fr(d.refunds),
                format_fr(d.net),
                _optional_int(day.closed_entry),
                d.receipts_root,
            )
        )
    rows.append(
        ("Total", str(s.count), format_fr(s.credits), format_fr(s.refunds), format_fr(s.net))
    )
    rows.append(
        (
            "Reconversion (écriture)",
            "Date",
            "Montant",
            "Commission",
            "Versé en euros",
            "Lot",
            "État",
        )
    )
    for r in s.reconversions:
        rows.append(
            (
                str(r.entry),
                date_fr(local_time(r.requested).date()),
                format_fr(r.amount),
                format_fr(r.fee),
                format_fr(r.net),
                _optional_int(r.batch),
                RECONVERSION_STATUS[r.status],
            )
        )
    rows += [
        ("Total des reconversions", "", format_fr(s.reconverted), "", format_fr(s.paid_out)),
        ("Autres mouvements", format_fr(s.other)),
        ("Solde de clôture", format_fr(s.closing)),
        ("Écritures", _optional_int(s.first_entry), _optional_int(s.last_entry)),
        ("Taille du journal", str(s.log_size)),
        ("Racine des reçus du mois", s.receipts_root),
    ]
    return _csv(rows)


RECONVERSION_STATUS = {"waiting": "en attente", "approved": "approuvée", "executed": "versée"}
