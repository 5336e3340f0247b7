"""Amounts of money, and the one place where French amount formats are printed and parsed.

Sou counts in integer cents everywhere (FORMATS.md §2): `Money` is a frozen value of cents and
a unit code that refuses floats, booleans, overflow beyond a signed 64-bit column, and arithmetic or
ordering across units. Every import, export and page formats and parses amounts through
`format_fr`, `parse_fr` and `format_amount`, so that "1 234,56" means the same thing in a bank
statement, a CSV journal and the till: a no-break space (U+00A0) groups thousands, a comma
separates the two decimals, and a hyphen-minus marks negatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NewType

from ledger.errors import CurrencyMismatch, FormatError, InvalidAmount

MAX_CENTS = 2**63 - 1
NBSP = "\u00a0"

# An amount in cents of a unit known from where it stands (a record's field, a leg of a known
# unit): what the ledger's records and legs carry, where `Money` would repeat the unit.
Cents = NewType("Cents", int)

# Thousands may be grouped by a space, a no-break space or a narrow no-break space, used
# consistently; the integer part is otherwise plain ASCII digits.
_FR_AMOUNT = re.compile(
    r"(?P<sign>-?)"
    r"(?P<units>\d{1,3}(?P<sep>[ \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*|\d+)"
    r"(?:,(?P<decimals>\d{1,2}))?",
    re.ASCII,
)
# A machine-style "12.50" is tolerated only ungrouped, with one or two decimals.
_DOT_AMOUNT = re.compile(r"(?P<sign>-?)(?P<units>\d+)\.(?P<decimals>\d{1,2})", re.ASCII)
_MAX_TEXT = 40  # far beyond 2**63 cents written out, and below int()'s digit limit


def _check_cents(cents: object) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise InvalidAmount(f"an amount is a whole number of cents, not {type(cents).__name__}")
    if not -MAX_CENTS <= cents <= MAX_CENTS:
        raise InvalidAmount("the amount is out of range", cents=cents)
    return cents


@dataclass(frozen=True, slots=True)
class Money:
    cents: int
    unit: str

    def __post_init__(self) -> None:
        _check_cents(self.cents)
        if not isinstance(self.unit, str) or not self.unit.strip():
            raise FormatError("a unit code is a non-empty string")

    @classmethod
    def zero(cls, unit: str) -> Money:
        return cls(0, unit)

    def _same_unit(self, other: Money) -> None:
        if other.unit != self.unit:
            raise CurrencyMismatch(
                f"cannot mix {self.unit} and {other.unit}", left=self.unit, right=other.unit
            )

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_unit(other)
        return Money(self.cents + other.cents, self.unit)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_unit(other)
        return Money(self.cents - other.cents, self.unit)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.unit)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_unit(other)
        return self.cents < other.cents

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_unit(other)
        return self.cents <= other.cents

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_unit(other)
        return self.cents > other.cents

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_unit(other)
        return self.cents >= other.cents

    def __str__(self) -> str:
        return format_amount(self.cents, self.unit)


def format_fr(cents: int) -> str:
    """`123456` → "1 234,56" (U+00A0 between groups), `-5` → "-0,05"."""
    _check_cents(cents)
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", NBSP)
    return f"{'-' if cents < 0 else ''}{grouped},{rest:02d}"


def format_amount(cents: int, unit: str) -> str:
    """`1250, "RTZ"` → "12,50 RTZ", with a no-break space before the unit."""
    return f"{format_fr(cents)}{NBSP}{unit}"


def parse_fr(text: str) -> int:
    """Parse a French amount ("1 234,56", "12", "12,5", "-3,00", or "12.50") into cents.

    Surrounding whitespace is ignored. Anything ambiguous is refused: a comma followed by three
    digits ("1,234"), irregular grouping, several commas, more than two decimals.
    """
    if not isinstance(text, str):
        raise InvalidAmount(f"an amount to parse is text, not {type(text).__name__}")
    stripped = text.strip()
    if len(stripped) > _MAX_TEXT:
        raise InvalidAmount("the amount is too long", text=text[:_MAX_TEXT])
    match = _FR_AMOUNT.fullmatch(stripped) or _DOT_AMOUNT.fullmatch(stripped)
    if match is None:
        raise InvalidAmount(f"not an amount: {text!r}", text=text)
    units = int(re.sub(r"\D", "", match["units"]))
    cents = units * 100 + int((match["decimals"] or "0").ljust(2, "0"))
    if match["sign"]:
        cents = -cents
    if abs(cents) > MAX_CENTS:
        raise InvalidAmount("the amount is out of range", text=text)
    return cents
