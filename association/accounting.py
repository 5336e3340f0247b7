"""The association's books, read from the log: one balanced journal entry per operation.

Every record that moves money becomes one `JournalEntry`, dated by the day (Europe/Paris) the
ledger accepted it; records that move nothing (genesis, accounts, keys, closed days) make
none. The books are in euros; units of the local currency appear as what the association owes
their holders, one euro per unit (FORMATS.md §2). Each ledger account counts in the books as:

=====================  =================================================================
ledger account         account of the books (debit-positive asset, or credit-positive)
=====================  =================================================================
``reserve:digital``    512100, the digital reserve's bank account (asset)
``reserve:paper``      512200, the paper reserve's bank account (asset)
``office:n:cash``      530000, auxiliary the office's number (asset: cash not yet deposited)
holders (n ≥ 1001)     467100, auxiliary the holder's number (liability: units held)
``paper``              467300, notes held by the public (liability)
``payouts``            467200, reconversions payable, *and* 512100: their euros stay in the
                       digital reserve's bank account until paid out
``association``        706000, fees earned, *and* 512100 for the same reason
``world``, ``issuance``  nothing: the outside, and the counterpart of units created
=====================  =================================================================

A leg of the ledger moving *a* from account D to account C debits the book accounts of C that
are assets and credits those that are liabilities, and the reverse for D; the lines of one
record are then netted per account. So a cash conversion debits 530 and credits 467100-holder,
a bank conversion debits 512100; a payment moves 467100-payer to 467100-payee; paper notes
issued debit 530 and credit 467300, exchanged they debit 467300 and credit 467100-holder (and
move 512200 to 512100); a deposit moves 530 to 512; a reconversion of *a* with fee *f* debits
467100-merchant *a* and credits 467200 *a−f* and 706000 *f* (512100 is unchanged); a payout
debits 467200 and credits 512100. Every entry balances because the ledger keeps the euros
backing the units equal to the units in circulation (FORMATS.md §3 invariant 3), and `JournalEntry`
checks it again. Hence 512100 = ``reserve:digital`` + ``payouts`` + ``association``: the bank
account's balance, as the imported statements must show.

Journals: ``CONV`` conversions, ``BIL`` paper notes (issue, exchange), ``BQ`` bank (deposits,
payouts), ``PAI`` payments and refunds, ``REC`` reconversions, and for one year's FEC ``AN``
(à-nouveaux: the balances carried from the years before, income and expenses into 110000).
Entry labels name account numbers, never the holders' names: personal data stays outside.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from association.beancount_export import write_beancount
from association.fec import write_fec
from association.journal import Chart, JournalEntry, JournalLine
from ledger.money import format_fr
from ledger.ports import LedgerUnitOfWork
from merchants.business_day import local_time

__all__ = [
    "JOURNALS",
    "PAPER_NOTES",
    "RETAINED",
    "beancount_file",
    "fec_file",
    "journal_csv",
    "journal_entries",
    "numbered",
]

PAPER_NOTES = ("467300", "Billets de monnaie locale en circulation")
RETAINED = ("110000", "Report à nouveau")
JOURNALS = {
    "conversion": ("CONV", "Conversions"),
    "paper_issue": ("BIL", "Billets"),
    "paper_exchange": ("BIL", "Billets"),
    "deposit": ("BQ", "Banque"),
    "payout": ("BQ", "Banque"),
    "transfer": ("PAI", "Paiements"),
    "reconversion": ("REC", "Reconversions"),
}
OPENING = ("AN", "À nouveaux")
HOLDER_LABELS = {"resident": "Adhérent", "merchant": "Prestataire", "association": "Association"}
PAGE = 1000
BOM = "\ufeff"
CSV_HEADER = (
    "Journal",
    "Libellé journal",
    "N° écriture",
    "Date",
    "Pièce",
    "Libellé",
    "Compte",
    "Libellé compte",
    "Compte auxiliaire",
    "Libellé auxiliaire",
    "Débit",
    "Crédit",
)


@dataclass(frozen=True, slots=True)
class _BookAccount:
    number: str
    label: str
    aux_number: str | None = None
    aux_label: str | None = None


# A ledger account's share of the books: (book account, True if it is an asset).
_Contribution = tuple[_BookAccount, bool]


def _contributions(kind: str, name: str | None, number: int) -> tuple[_Contribution, ...]:
    digital = _BookAccount(*Chart.RESERVE_DIGITAL)
    if name == "reserve:digital":
        return ((digital, True),)
    if name == "reserve:paper":
        return ((_BookAccount(*Chart.RESERVE_PAPER), True),)
    if kind == "office_cash":
        office = _BookAccount(*Chart.OFFICE_CASH, str(number), f"Comptoir {name or number}")
        return ((office, True),)
    if kind in HOLDER_LABELS:
        holder = _BookAccount(*Chart.HOLDERS, str(number), f"{HOLDER_LABELS[kind]} {number}")
        return ((holder, False),)
    if kind == "paper":
        return ((_BookAccount(*PAPER_NOTES), False),)
    if kind == "payouts":
        return ((digital, True), (_BookAccount(*Chart.RECONVERSIONS_PAYABLE), False))
    if kind == "fees":
        return ((digital, True), (_BookAccount(*Chart.FEES), False))
    return ()  # world and issuance: outside the books


def _label(record_type: str, r: dict[str, Any], refund: bool) -> str:
    if record_type == "conversion":
        if r["method"] == "cash":
            return f"Conversion en espèces au comptoir {r['office']}, compte {r['to']}"
        return f"Conversion par virement, compte {r['to']}"
    if record_type == "paper_issue":
        return f"Émission de billets au comptoir {r['office']}"
    if record_type == "paper_exchange":
        return f"Billets échangés contre unités numériques, compte {r['to']}"
    if record_type == "deposit":
        return f"Dépôt en banque des espèces du comptoir {r['office']} (réserve {r['reserve']})"
    if record_type == "transfer":
        what = "Remboursement" if refund else "Paiement"
        return f"{what} du compte {r['from']} au compte {r['to']}"
    if record_type == "reconversion":
        return f"Reconversion du prestataire {r['from']}, commission {format_fr(r['fee'])}"
    return "Versement d'une reconversion au prestataire"


def _lines(
    legs: Iterable[tuple[int, int, int]], accounts: dict[int, tuple[_Contribution, ...]]
) -> tuple[JournalLine, ...]:
    net: dict[_BookAccount, int] = defaultdict(int)  # debit positive
    for debit, credit, amount in legs:
        for book, asset in accounts[credit]:
            net[book] += amount if asset else -amount
        for book, asset in accounts[debit]:
            net[book] += -amount if asset else amount
    return tuple(
        JournalLine(b.number, b.label, b.aux_number, b.aux_label, max(c, 0), max(-c, 0))
        for b, c in sorted(
            net.items(), key=lambda i: (i[1] < 0, i[0].number, i[0].aux_number or "")
        )
        if c != 0
    )


def _entries(uow: LedgerUnitOfWork) -> Iterator[JournalEntry]:
    reads = uow.reads
    accounts = {a.number: _contributions(a.kind, a.name, a.number) for a in reads.accounts()}
    size = uow.reads.log_size()
    for start in range(0, size, PAGE):
        legs: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for p in reads.postings(entries=(start, start + PAGE)):
            legs[p.entry].append((p.debit, p.credit, p.amount))
        if not legs:
            continue
        for entry in reads.entries(indexes=legs):
            lines = _lines(legs[entry.index], accounts)
            if not lines:
                continue
            code, journal = JOURNALS[entry.type]
            day = local_time(entry.accepted).date()
            yield JournalEntry(
                journal_code=code,
                journal_label=journal,
                date=day,
                piece_ref=f"E{entry.index}",
                piece_date=day,
                label=_label(entry.type, entry.record, entry.ref_idx is not None),
                lines=lines,
            )


def _opening(entries: Iterable[JournalEntry], year: int) -> JournalEntry | None:
    """The à-nouveaux of `year`: every account's balance from the entries before it."""
    totals: dict[tuple[str, str, str | None, str | None], int] = defaultdict(int)
    for entry in entries:
        for line in entry.lines:
            account = (line.account_number, line.account_label, line.aux_number, line.aux_label)
            if line.account_number[0] in "67":  # income and expenses are closed every year
                account = (*RETAINED, None, None)
            totals[account] += line.amount
    lines = tuple(
        JournalLine(*account, max(c, 0), max(-c, 0))
        for account, c in sorted(totals.items(), key=lambda i: (i[1] < 0, i[0][0], i[0][2] or ""))
        if c != 0
    )
    if not lines:
        return None
    first = dt.date(year, 1, 1)
    return JournalEntry(OPENING[0], OPENING[1], first, "AN", first, "Reprise des soldes", lines)


def journal_entries(uow: LedgerUnitOfWork, *, year: int | None = None) -> list[JournalEntry]:
    """The entries of the books in log order; for a `year`, that year's, after its à-nouveaux."""
    entries = list(_entries(uow))
    if year is None:
        return entries
    opening = _opening((e for e in entries if e.date.year < year), year)
    kept = [e for e in entries if e.date.year == year]
    return kept if opening is None else [opening, *kept]


def numbered(entries: Iterable[JournalEntry]) -> list[tuple[int, JournalEntry]]:
    """Entries with their gap-free number in their journal, as the FEC numbers them."""
    ordered = sorted(enumerate(entries), key=lambda item: (item[1].validated, item[0]))
    counts: dict[str, int] = defaultdict(int)
    out = []
    for _, entry in ordered:
        counts[entry.journal_code] += 1
        out.append((counts[entry.journal_code], entry))
    return out


def _cell(text: str) -> str:
    # a text a spreadsheet would take for a formula is quoted with an apostrophe
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def journal_csv(entries: Iterable[JournalEntry]) -> bytes:
    """The journal as a French spreadsheet: `;`, amounts by `format_fr`, dates JJ/MM/AAAA,
    UTF-8 with a byte-order mark, CRLF; one row per line of an entry."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for number, entry in numbered(entries):
        for line in entry.lines:
            writer.writerow(
                (
                    entry.journal_code,
                    entry.journal_label,
                    str(number),
                    entry.date.strftime("%d/%m/%Y"),
                    entry.piece_ref,
                    _cell(entry.label),
                    line.account_number,
                    line.account_label,
                    line.aux_number or "",
                    _cell(line.aux_label or ""),
                    format_fr(line.debit) if line.debit else "",
                    format_fr(line.credit) if line.credit else "",
                )
            )
    return (BOM + out.getvalue()).encode("utf-8")


def fec_file(uow: LedgerUnitOfWork, *, year: int | None = None) -> bytes:
    """The FEC (A47 A-1 LPF) of the books: every entry, or one year's with its à-nouveaux."""
    return write_fec(journal_entries(uow, year=year))


def beancount_file(uow: LedgerUnitOfWork) -> str:
    """The books as a beancount file, with a balance assertion for every account."""
    entries = journal_entries(uow)
    ledger = uow.ledger
    first = min((e.date for e in entries), default=local_time(ledger.clock()).date())
    return write_beancount(
        entries, unit=ledger.currency, title=f"Sou {ledger.host}", open_date=first
    )
