"""Journal entries of the association's books, as the accounting exports (FEC, beancount) read them.

A `JournalEntry` is one balanced entry of a journal (bank, cash, conversions…): a date, a piece
(the record or statement it comes from), a label, a currency and at least two lines, each
debiting or crediting an account of the French chart (``PCG``) with an optional auxiliary
account (a holder's account number under 467). Amounts are integer cents, a line is either a
debit or a credit, and an entry whose debits do not equal its credits is refused when built.
The `Chart` names the accounts Sou's books use; the mapping of ledger operations to entries is
the caller's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from association.errors import ExportError, UnbalancedEntry
from ledger.money import MAX_CENTS

__all__ = ["Chart", "JournalEntry", "JournalLine"]


class Chart:
    """Account numbers of the association's books (plan comptable général)."""

    RESERVE_DIGITAL = ("512100", "Banque - fonds de réserve numérique")
    RESERVE_PAPER = ("512200", "Banque - fonds de réserve billets")
    OFFICE_CASH = ("530000", "Caisse des comptoirs de change")
    HOLDERS = ("467100", "Adhérents - unités de monnaie locale")
    RECONVERSIONS_PAYABLE = ("467200", "Prestataires - reconversions à payer")
    FEES = ("706000", "Commissions de reconversion")


def _text(value: object, what: str, *, required: bool = True) -> None:
    if not isinstance(value, str) or (required and not value.strip()):
        raise ExportError(f"the {what} is a non-empty text")


@dataclass(frozen=True)
class JournalLine:
    account_number: str
    account_label: str
    aux_number: str | None
    aux_label: str | None
    debit: int
    credit: int

    def __post_init__(self) -> None:
        _text(self.account_number, "account number")
        _text(self.account_label, "account label")
        if (self.aux_number is None) != (self.aux_label is None):
            raise ExportError("an auxiliary account has both a number and a label")
        if self.aux_number is not None:
            _text(self.aux_number, "auxiliary account number")
        for what, cents in (("debit", self.debit), ("credit", self.credit)):
            if isinstance(cents, bool) or not isinstance(cents, int):
                raise ExportError(f"a {what} is a whole number of cents")
            if not 0 <= cents <= MAX_CENTS:
                raise ExportError(f"a {what} is from 0 to 2^63 - 1 cents, not {cents}")
        if (self.debit > 0) == (self.credit > 0):
            raise ExportError("a journal line is either a debit or a credit")

    @property
    def amount(self) -> int:
        """Debit positive, credit negative."""
        return self.debit - self.credit


@dataclass(frozen=True)
class JournalEntry:
    journal_code: str
    journal_label: str
    date: dt.date
    piece_ref: str
    piece_date: dt.date
    label: str
    lines: tuple[JournalLine, ...]
    currency: str = "EUR"
    valid_date: dt.date | None = None

    def __post_init__(self) -> None:
        _text(self.journal_code, "journal code")
        _text(self.journal_label, "journal label")
        _text(self.label, "entry label")
        _text(self.piece_ref, "piece reference", required=False)
        object.__setattr__(self, "lines", tuple(self.lines))
        if len(self.lines) < 2:
            raise ExportError("an entry has at least two lines")
        debits = sum(line.debit for line in self.lines)
        credits = sum(line.credit for line in self.lines)
        if debits != credits:
            raise UnbalancedEntry(
                f"the entry {self.piece_ref!r} debits {debits} and credits {credits} cents"
            )

    @property
    def validated(self) -> dt.date:
        return self.valid_date or self.date

    @property
    def total(self) -> int:
        return sum(line.debit for line in self.lines)
