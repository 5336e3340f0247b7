"""The association's books as a beancount (v3) file that ``bean-check`` accepts.

The same journal entries as the FEC, in double-entry plain text: ``option`` lines (title,
operating currency EUR), a ``commodity`` directive for EUR and for the local unit, an ``open``
directive for every account used (on the first entry's date, or the date given, constrained
to the currencies it moves), then one transaction per entry in date order (flag ``*``,
the label as narration, journal and piece as metadata), and last a ``balance`` assertion per
account and currency on the day after the last entry, with an explicit zero tolerance (else
beancount lets a cent pass), so ``bean-check`` itself proves the balances are those of the
entries. Accounts are named after the chart: the class of the account
number gives the root (1 and 8 Equity, 2, 3, 5 and 41 Assets, other 4 Liabilities, 6 Expenses,
7 Income), then the number, then the auxiliary number: ``Liabilities:467100:1001``. Amounts are
written with a decimal point, as beancount requires.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from association.errors import ExportError
from association.journal import JournalEntry, JournalLine

__all__ = ["account_name", "beancount_amount", "expected_balances", "write_beancount"]

_COMMODITY_RE = re.compile(r"[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]", re.ASCII)
_COMPONENT_BAD = re.compile(r"[^A-Za-z0-9-]", re.ASCII)


def _root(number: str) -> str:
    if not number or not number[0].isdigit():
        raise ExportError(f"an account number of the chart starts with its class: {number!r}")
    first = number[0]
    if first in "18":
        return "Equity"
    if first in "235" or number.startswith("41"):
        return "Assets"
    if first == "4":
        return "Liabilities"
    if first == "6":
        return "Expenses"
    if first == "7":
        return "Income"
    raise ExportError(f"no beancount root for the account class {first}")


def _component(text: str) -> str:
    cleaned = _COMPONENT_BAD.sub("-", text.strip())
    if not cleaned or not (cleaned[0].isdigit() or cleaned[0].isupper()):
        cleaned = "X" + cleaned
    return cleaned


def account_name(line: JournalLine) -> str:
    """``Liabilities:467100:1001`` for the holder 1001 under 467100."""
    parts = [_root(line.account_number), _component(line.account_number)]
    if line.aux_number is not None:
        parts.append(_component(line.aux_number))
    return ":".join(parts)


def beancount_amount(cents: int) -> str:
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units}.{rest:02d}"


def _string(text: str) -> str:
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expected_balances(entries: Iterable[JournalEntry]) -> dict[tuple[str, str], int]:
    """Cents per (beancount account, currency), debits positive, as beancount sums them."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        for line in entry.lines:
            totals[(account_name(line), entry.currency)] += line.amount
    return dict(totals)


def write_beancount(
    entries: Iterable[JournalEntry],
    *,
    unit: str,
    title: str = "Sou",
    open_date: date | None = None,
) -> str:
    """The beancount file of these entries; ``unit`` is the local unit's code (e.g. ``RTZ``)."""
    numbered = sorted(enumerate(entries), key=lambda item: (item[1].date, item[0]))
    ordered = [entry for _, entry in numbered]
    for code in ("EUR", unit):
        if not _COMMODITY_RE.fullmatch(code):
            raise ExportError(f"{code!r} is not a beancount commodity")
    for entry in ordered:
        if entry.currency not in ("EUR", unit):
            raise ExportError(f"the entry {entry.piece_ref!r} is in {entry.currency}")
    start = open_date or (ordered[0].date if ordered else date.today())
    if ordered and ordered[0].date < start:
        raise ExportError("an entry is dated before the accounts are opened")
    currencies: dict[str, set[str]] = defaultdict(set)
    for entry in ordered:
        for line in entry.lines:
            currencies[account_name(line)].add(entry.currency)
    out = [
        f'option "title" {_string(title)}',
        'option "operating_currency" "EUR"',
        "",
        f"{start.isoformat()} commodity EUR",
        f"{start.isoformat()} commodity {unit}",
        "",
    ]
    for account in sorted(currencies):
        out.append(f"{start.isoformat()} open {account} {','.join(sorted(currencies[account]))}")
    for entry in ordered:
        out.append("")
        out.append(f"{entry.date.isoformat()} * {_string(entry.label)}")
        out.append(f"  journal: {_string(entry.journal_code)}")
        if entry.piece_ref:
            out.append(f"  piece: {_string(entry.piece_ref)}")
        for line in entry.lines:
            out.append(f"  {account_name(line)}  {beancount_amount(line.amount)} {entry.currency}")
    if ordered:
        check_day = (ordered[-1].date + timedelta(days=1)).isoformat()
        out.append("")
        for (account, currency), cents in sorted(expected_balances(ordered).items()):
            amount = beancount_amount(cents)
            out.append(f"{check_day} balance {account}  {amount} ~ 0.00 {currency}")
    return "\n".join(out) + "\n"
