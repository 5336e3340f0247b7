"""The association's books from the log: FEC, CSV journal and beancount, on every operation."""

from __future__ import annotations

import csv
import io
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from association.accounting import (
    beancount_file,
    fec_file,
    journal_csv,
    journal_entries,
)
from association.fec import FEC_COLUMNS
from ledger.money import parse_fr
from tests.support import Holder, World
from tests.unit.test_beancount_export import BEAN_CHECK, beancount_balances

YEAR = 86_400 * 366
RESERVE_DIGITAL, RESERVE_PAPER, PAPER, PAYOUTS, FEES = 11, 12, 2, 13, 14


@dataclass
class Books:
    alice: Holder
    bob: Holder
    shop: Holder
    farm: Holder


def reconvert(world: World, merchant: Holder, amount: int, fee: int) -> None:
    """The merchant reconverts, and the treasurer pays the net out."""
    asked = world.record(
        "reconversion", merchant.key, from_=merchant.account, amount=amount, fee=fee
    )
    world.post(asked)
    world.post(
        world.record("payout", world.treasurer.key, reconversion=asked.id, amount=amount - fee)
    )


def every_operation(world: World) -> Books:
    """Two years of a small currency, with every kind of record of the log."""
    office = world.office
    alice, bob = world.resident(balance=100_00), world.resident()
    shop, farm = world.shop(), world.shop(name="Ferme Etcheverry")
    world.post(
        world.record(
            "conversion", world.treasurer.key, method="bank", office=None, to=bob.account,
            amount=50_00,
        )
    )  # fmt: skip
    world.post(world.record("paper_issue", office.key, office=office.account, amount=40_00))
    world.deposit(40_00, "paper")
    world.post(
        world.record(
            "paper_exchange", office.key, office=office.account, to=alice.account, amount=15_00
        )
    )
    world.deposit(80_00, "digital")
    paid = world.transfer(alice, shop, 30_00, memo="Pain | fromage")
    world.post(paid)
    world.pay(bob, shop, 20_00)
    world.pay(shop, alice, 5_00, ref=paid.id)  # a refund
    world.pay(shop, farm, 10_00)  # merchant to merchant
    reconvert(world, farm, 10_00, 25)
    world.post(world.day(shop, "2026-03-13"))  # a closed day: no money, no entry
    world.now += YEAR
    world.pay(alice, shop, 10_00)
    reconvert(world, shop, 20_00, 50)
    world.convert(bob, 7_00)  # cash at the office, not yet deposited
    return Books(alice, bob, shop, farm)


def fec_rows(content: bytes) -> list[list[str]]:
    text = content.decode("iso8859-15")
    assert text.endswith("\r\n")
    rows = [line.split("|") for line in text[:-2].split("\r\n")]
    assert rows[0] == list(FEC_COLUMNS)
    return rows[1:]


def cents(text: str) -> int:
    return parse_fr(text)


def test_the_fec_has_18_fields_balanced_entries_and_gap_free_numbers(world: World) -> None:
    every_operation(world)
    with world.ledger.unit_of_work(write=False) as uow:
        content = fec_file(uow)
    rows = fec_rows(content)
    assert all(len(row) == 18 for row in rows)
    entries: dict[tuple[str, int], int] = defaultdict(int)
    for row in rows:
        debit, credit = cents(row[11]), cents(row[12])
        assert (debit == 0) != (credit == 0)
        entries[(row[0], int(row[2]))] += debit - credit
    assert all(total == 0 for total in entries.values())
    numbers: dict[str, list[int]] = defaultdict(list)
    for journal, number in entries:
        numbers[journal].append(number)
    assert {j: sorted(n) for j, n in numbers.items()} == {
        "CONV": [1, 2, 3],
        "BIL": [1, 2],
        "BQ": [1, 2, 3, 4],
        "PAI": [1, 2, 3, 4, 5],
        "REC": [1, 2],
    }
    assert "Pain / fromage" not in content.decode("iso8859-15")  # memos stay out of the books
    assert {row[4] for row in rows} == {
        "512100", "512200", "530000", "467100", "467200", "467300", "706000",
    }  # fmt: skip


def test_each_operation_is_booked_as_the_association_accounts_for_it(world: World) -> None:
    books = every_operation(world)
    with world.ledger.unit_of_work(write=False) as uow:
        entries = journal_entries(uow)

    def lines(label_start: str) -> set[tuple[str, str | None, int]]:
        found = [e for e in entries if e.label.startswith(label_start)]
        assert found, label_start
        return {(ln.account_number, ln.aux_number, ln.amount) for ln in found[0].lines}

    office = world.office.account
    assert lines("Conversion en espèces") == {
        ("530000", office, 100_00),
        ("467100", books.alice.account, -100_00),
    }
    assert lines("Conversion par virement") == {
        ("512100", None, 50_00),
        ("467100", books.bob.account, -50_00),
    }
    assert lines("Émission de billets") == {("530000", office, 40_00), ("467300", None, -40_00)}
    assert lines("Billets échangés") == {
        ("467300", None, 15_00),
        ("467100", books.alice.account, -15_00),
        ("512100", None, 15_00),
        ("512200", None, -15_00),
    }
    assert lines("Dépôt en banque") == {("512200", None, 40_00), ("530000", office, -40_00)}
    assert lines("Remboursement") == {
        ("467100", books.shop.account, 5_00),
        ("467100", books.alice.account, -5_00),
    }
    assert lines("Reconversion") == {
        ("467100", books.farm.account, 10_00),
        ("467200", None, -9_75),
        ("706000", None, -25),
    }
    assert lines("Versement") == {("467200", None, 9_75), ("512100", None, -9_75)}


def test_bean_check_accepts_the_books_and_their_balances_are_the_ledgers(
    world: World, tmp_path: Path
) -> None:
    books = every_operation(world)
    with world.ledger.unit_of_work(write=False) as uow:
        text = beancount_file(uow)
    path = tmp_path / "sou.beancount"
    path.write_text(text, "utf-8")
    result = subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr

    def ledger(number: int) -> int:
        return world.balance(number)

    expected = {
        "Assets:512100": ledger(RESERVE_DIGITAL) + ledger(PAYOUTS) + ledger(FEES),
        "Assets:512200": ledger(RESERVE_PAPER),
        f"Assets:530000:{world.office.number}": ledger(world.office.number),
        "Liabilities:467200": -ledger(PAYOUTS),
        "Liabilities:467300": -ledger(PAPER),
        "Income:706000": -ledger(FEES),
    }
    for holder in (books.alice, books.bob, books.shop, books.farm):
        expected[f"Liabilities:467100:{holder.number}"] = -ledger(holder.number)
    assert beancount_balances(text) == {(a, "EUR"): c for a, c in expected.items()}
    assert expected["Income:706000"] == -75  # the two fees
    assert expected["Assets:512100"] == 50_00 + 80_00 + 15_00 - 9_75 - 19_50


def test_one_years_fec_opens_with_the_balances_carried_from_the_years_before(
    world: World,
) -> None:
    every_operation(world)
    with world.ledger.unit_of_work(write=False) as uow:
        whole = fec_rows(fec_file(uow))
        second = fec_rows(fec_file(uow, year=2027))
        first = fec_rows(fec_file(uow, year=2026))
    assert second[0][0] == "AN" and second[0][3] == "20270101"
    assert all(row[3].startswith("2027") for row in second)
    assert not any(row[0] == "AN" for row in first)  # nothing before the first year

    def totals(rows: list[list[str]]) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = defaultdict(int)
        for row in rows:
            account = "110000" if row[4] in ("706000", "110000") else row[4]
            out[(account, row[6])] += cents(row[11]) - cents(row[12])
        return {k: v for k, v in out.items() if v}

    assert totals(second) == totals(whole)
    assert len(first) + len(second) - sum(row[0] == "AN" for row in second) == len(whole)


def test_the_csv_journal_is_a_french_spreadsheet_of_the_same_entries(world: World) -> None:
    every_operation(world)
    with world.ledger.unit_of_work(write=False) as uow:
        entries = journal_entries(uow)
        content = journal_csv(entries)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Journal", "Libellé journal", "N° écriture"]
    body = rows[1:]
    assert len(body) == sum(len(e.lines) for e in entries)
    debits = sum(parse_fr(r[10]) for r in body if r[10])
    credits = sum(parse_fr(r[11]) for r in body if r[11])
    assert debits == credits == sum(e.total for e in entries)
    assert "100,00" in {r[10] for r in body}  # decimal comma, as format_fr prints


def test_an_empty_ledger_has_empty_books(world: World) -> None:
    with world.ledger.unit_of_work(write=False) as uow:
        assert journal_entries(uow) == []
        assert fec_rows(fec_file(uow)) == []
        assert "balance" not in beancount_file(uow)
