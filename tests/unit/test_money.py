"""Money values and French amount formats (FORMATS.md §2)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import CurrencyMismatch, FormatError, InvalidAmount
from ledger.money import MAX_CENTS, Money, format_amount, format_fr, parse_fr

NBSP = "\u00a0"
NNBSP = "\u202f"


# --- Money --------------------------------------------------------------------------------


@pytest.mark.parametrize("cents", [12.5, 12.0, True, False, "1250", Decimal("12.50"), None])
def test_money_refuses_anything_but_integer_cents(cents: object) -> None:
    with pytest.raises(InvalidAmount):
        Money(cents, "RTZ")  # type: ignore[arg-type]


@pytest.mark.parametrize("cents", [MAX_CENTS + 1, -MAX_CENTS - 1, 10**30])
def test_money_refuses_amounts_beyond_a_signed_64_bit_column(cents: int) -> None:
    with pytest.raises(InvalidAmount):
        Money(cents, "RTZ")


@pytest.mark.parametrize("unit", ["", "  ", None, 3])
def test_money_refuses_a_missing_unit(unit: object) -> None:
    with pytest.raises(FormatError):
        Money(100, unit)  # type: ignore[arg-type]


def test_money_adds_subtracts_and_compares_within_a_unit() -> None:
    a, b = Money(12_50, "RTZ"), Money(2_75, "RTZ")
    assert a + b == Money(15_25, "RTZ")
    assert b - a == Money(-9_75, "RTZ")
    assert -a == Money(-12_50, "RTZ")
    assert b < a and b <= a and a > b and a >= b and a >= a
    assert Money.zero("RTZ") == Money(0, "RTZ")
    assert sum([a, b], Money.zero("RTZ")) == Money(15_25, "RTZ")


def test_money_of_different_units_is_never_mixed() -> None:
    rtz, eur = Money(100, "RTZ"), Money(100, "EUR")
    assert rtz != eur
    with pytest.raises(CurrencyMismatch):
        _ = rtz + eur
    with pytest.raises(CurrencyMismatch):
        _ = rtz - eur
    with pytest.raises(CurrencyMismatch):
        _ = rtz < eur
    with pytest.raises(CurrencyMismatch):
        _ = rtz >= eur


def test_money_does_not_mix_with_plain_numbers() -> None:
    with pytest.raises(TypeError):
        _ = Money(100, "RTZ") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Money(100, "RTZ") < Fraction(1)  # type: ignore[operator]


def test_money_overflow_is_refused_rather_than_wrapped() -> None:
    with pytest.raises(InvalidAmount):
        _ = Money(MAX_CENTS, "RTZ") + Money(1, "RTZ")


def test_money_is_frozen_and_hashable() -> None:
    money = Money(100, "RTZ")
    with pytest.raises(AttributeError):
        money.cents = 200  # type: ignore[misc]
    assert {money, Money(100, "RTZ")} == {money}
    assert str(money) == f"1,00{NBSP}RTZ"


# --- French formats -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0,00"),
        (5, "0,05"),
        (-5, "-0,05"),
        (1250, "12,50"),
        (100_000, f"1{NBSP}000,00"),
        (123_456, f"1{NBSP}234,56"),
        (-123_456_789, f"-1{NBSP}234{NBSP}567,89"),
    ],
)
def test_format_fr_groups_thousands_with_a_no_break_space(cents: int, text: str) -> None:
    assert format_fr(cents) == text


def test_format_amount_names_the_unit() -> None:
    assert format_amount(1250, "RTZ") == f"12,50{NBSP}RTZ"


@pytest.mark.parametrize("cents", [1.5, True, "12"])
def test_format_fr_refuses_anything_but_integer_cents(cents: object) -> None:
    with pytest.raises(InvalidAmount):
        format_fr(cents)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1234,56", 123_456),
        ("1 234,56", 123_456),
        (f"1{NBSP}234,56", 123_456),
        (f"1{NNBSP}234,56", 123_456),
        (f"1{NBSP}234{NBSP}567", 123_456_700),
        ("12", 1200),
        ("12,5", 1250),
        ("12,50", 1250),
        ("-3,00", -300),
        ("0,05", 5),
        ("12.50", 1250),
        ("12.5", 1250),
        (" 12,50 ", 1250),
        ("-0,00", 0),
    ],
)
def test_parse_fr_accepts_french_amounts(text: str, cents: int) -> None:
    assert parse_fr(text) == cents


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "abc",
        "1,234",
        "1,2,3",
        "12,345",
        "1.234",
        "12.",
        "12,",
        ",5",
        ".5",
        "1.234,56",
        "1 234.56",
        "1 23,00",
        "1234 567,00",
        f"1 234{NBSP}567,00",
        "1  234,00",
        "+12,00",
        "--1",
        "1e3",
        "١٢",
        "9" * 50,
        "92233720368547758,08",
    ],
)
def test_parse_fr_rejects_anything_ambiguous(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_fr(text)


@settings(database=None)
@given(st.integers(min_value=-(10**12) + 1, max_value=10**12 - 1))
def test_french_format_round_trips(cents: int) -> None:
    assert parse_fr(format_fr(cents)) == cents
    assert parse_fr(format_fr(cents).replace(NBSP, " ")) == cents
    assert parse_fr(format_fr(cents).replace(NBSP, NNBSP)) == cents
    assert parse_fr(format_fr(cents).replace(NBSP, "")) == cents
