"""The beancount export (association/beancount_export.py), checked by beancount itself."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data as bdata

from association.beancount_export import account_name, expected_balances, write_beancount
from association.errors import ExportError
from association.journal import Chart
from tests.unit.test_fec import UNIT, line, month

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def beancount_balances(text: str) -> dict[tuple[str, str], int]:
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, bdata.Transaction):
            for posting in entry.postings:
                assert posting.units is not None and posting.units.number is not None
                totals[(posting.account, posting.units.currency)] += posting.units.number
    cents = {key: value * 100 for key, value in totals.items()}
    assert all(value == value.to_integral_value() for value in cents.values())
    return {key: int(value) for key, value in cents.items()}


def test_bean_check_accepts_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sou.beancount"
    path.write_text(write_beancount(month(), unit=UNIT, title="Le Sou – comptes 2024"), "utf-8")
    result = subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_balances_computed_by_beancount_are_those_of_the_ledger() -> None:
    entries = month()
    balances = beancount_balances(write_beancount(entries, unit=UNIT))
    assert balances == expected_balances(entries)
    assert balances[("Assets:512100", "EUR")] == 50_00 - 1_470_00 + 12_345_60
    assert balances[("Liabilities:467100:1042", "EUR")] == -12_345_60 + 1_000_00
    assert balances[("Income:706000", "EUR")] == -(30_00 + 25_00)
    assert balances[("Liabilities:467100:1001", UNIT)] == -50_00


def test_a_wrong_balance_assertion_is_caught_by_bean_check(tmp_path: Path) -> None:
    text = write_beancount(month(), unit=UNIT).replace(
        "balance Assets:512100  10925.60 ~ 0.00 EUR", "balance Assets:512100  10925.61 ~ 0.00 EUR"
    )
    assert "10925.61" in text
    path = tmp_path / "tampered.beancount"
    path.write_text(text, "utf-8")
    result = subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode != 0


def test_accounts_are_named_after_the_chart() -> None:
    assert (
        account_name(line(Chart.HOLDERS, debit=1, aux=("1001", "x"))) == "Liabilities:467100:1001"
    )
    assert account_name(line(Chart.RESERVE_DIGITAL, debit=1)) == "Assets:512100"
    assert account_name(line(Chart.FEES, credit=1)) == "Income:706000"
    assert account_name(line(("411000", "Clients"), debit=1)) == "Assets:411000"
    assert account_name(line(("627000", "Frais bancaires"), debit=1)) == "Expenses:627000"


def test_an_entry_in_an_unknown_currency_is_refused() -> None:
    with pytest.raises(ExportError):
        write_beancount(month(), unit="XYZ")


def test_the_accounts_are_opened_on_the_given_date_before_the_first_entry() -> None:
    text = write_beancount(month(), unit=UNIT, open_date=date(2024, 1, 1))
    assert "2024-01-01 open Assets:512100 EUR\n" in text
    assert "2024-01-01 open Liabilities:467100:1001 EUR,RTZ\n" in text
    with pytest.raises(ExportError):
        write_beancount(month(), unit=UNIT, open_date=date(2024, 3, 2))
