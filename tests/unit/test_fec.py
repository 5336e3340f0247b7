"""The FEC export (association/fec.py, association/journal.py; article A47 A-1 LPF)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from association.errors import ExportError, UnbalancedEntry
from association.fec import FEC_COLUMNS, fec_amount, fec_filename, fec_text, write_fec
from association.journal import Chart, JournalEntry, JournalLine

# A month of the association's books, shared with the beancount tests.

UNIT = "RTZ"


def line(
    account: tuple[str, str], *, debit: int = 0, credit: int = 0, aux: tuple[str, str] | None = None
) -> JournalLine:
    return JournalLine(
        account[0], account[1], aux[0] if aux else None, aux[1] if aux else None, debit, credit
    )


def bank(
    day: int, piece: str, label: str, *lines: JournalLine, currency: str = "EUR"
) -> JournalEntry:
    when = date(2024, 3, day)
    journal = ("BQ", "Banque – fonds de réserve") if currency == "EUR" else ("MLC", "Unités émises")
    return JournalEntry(journal[0], journal[1], when, piece, when, label, lines, currency=currency)


def sales(day: int, piece: str, label: str, *lines: JournalLine) -> JournalEntry:
    when = date(2024, 3, day)
    return JournalEntry("OD", "Opérations diverses", when, piece, when, label, lines)


DUPONT = ("1001", "Marie-Hélène Dupont")
BOULANGERIE = ("1017", "Boulangerie Léa & Théo | SARL")
ECLAT = ("1042", "Société Coopérative Éclat – Œuvre")
ISSUED = ("467900", "Unités en circulation")


def month() -> list[JournalEntry]:
    return [
        bank(
            1,
            "RF401001",
            "Conversion par virement – Dupont",
            line(Chart.RESERVE_DIGITAL, debit=50_00),
            line(Chart.HOLDERS, credit=50_00, aux=DUPONT),
        ),
        bank(
            4,
            "VE24064000457",
            "Dépôt espèces comptoir n°101",
            line(Chart.RESERVE_PAPER, debit=1_250_00),
            line(Chart.OFFICE_CASH, credit=1_250_00),
        ),
        sales(
            5,
            "R-0007",
            "Reconversion “mars” Boulangerie",
            line(Chart.HOLDERS, debit=1_500_00, aux=BOULANGERIE),
            line(Chart.RECONVERSIONS_PAYABLE, credit=1_470_00),
            line(Chart.FEES, credit=30_00),
        ),
        bank(
            5,
            "SOU-PAYOUT-0007",
            "Virement reconversion R-0007",
            line(Chart.RECONVERSIONS_PAYABLE, debit=1_470_00),
            line(Chart.RESERVE_DIGITAL, credit=1_470_00),
        ),
        bank(
            2,
            "RF971042",
            "Conversion par virement – Éclat",
            line(Chart.RESERVE_DIGITAL, debit=12_345_60),
            line(Chart.HOLDERS, credit=12_345_60, aux=ECLAT),
        ),
        sales(
            20,
            "R-0008",
            "Reconversion Éclat",
            line(Chart.HOLDERS, debit=1_000_00, aux=ECLAT),
            line(Chart.RECONVERSIONS_PAYABLE, credit=975_00),
            line(Chart.FEES, credit=25_00),
        ),
        bank(
            1,
            "RF401001",
            "Unités émises – Dupont",
            line(ISSUED, debit=50_00),
            line(Chart.HOLDERS, credit=50_00, aux=DUPONT),
            currency=UNIT,
        ),
    ]


EUR_ENTRIES = [entry for entry in month() if entry.currency == "EUR"]


def rows(data: bytes) -> list[list[str]]:
    text = data.decode("iso8859-15")
    assert text.endswith("\r\n")
    return [row.split("|") for row in text[:-2].split("\r\n")]


def test_the_header_is_the_18_official_columns_in_order() -> None:
    header = rows(write_fec(EUR_ENTRIES))[0]
    assert header == [
        "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
        "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
        "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
    ]  # fmt: skip
    assert tuple(header) == FEC_COLUMNS


def test_every_line_has_18_fields_and_decodes_as_iso_8859_15() -> None:
    data = write_fec(EUR_ENTRIES)
    data.decode("iso8859-15")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # accented labels are single bytes, not UTF-8
    table = rows(data)
    assert len(table) == 1 + sum(len(entry.lines) for entry in EUR_ENTRIES)
    assert all(len(row) == 18 for row in table)
    assert "Œuvre" in data.decode("iso8859-15")


def test_each_entry_balances_and_numbers_are_gap_free_per_journal() -> None:
    table = rows(write_fec(EUR_ENTRIES))[1:]
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in table:
        for amount in row[11:13]:
            assert amount.count(",") == 1 and " " not in amount and "." not in amount
        totals[(row[0], row[2])][0] += int(row[11].replace(",", ""))
        totals[(row[0], row[2])][1] += int(row[12].replace(",", ""))
    assert all(debit == credit for debit, credit in totals.values())
    numbers: dict[str, list[int]] = defaultdict(list)
    for journal, number in totals:
        numbers[journal].append(int(number))
    assert {j: sorted(n) for j, n in numbers.items()} == {"BQ": [1, 2, 3, 4], "OD": [1, 2]}


def test_entries_are_numbered_in_chronological_order() -> None:
    table = rows(write_fec(EUR_ENTRIES))[1:]
    bank = [(row[2], row[3], row[8]) for row in table if row[0] == "BQ"]
    assert [number for number, _, _ in bank][::2] == ["1", "2", "3", "4"]
    assert [day for _, day, _ in bank][::2] == ["20240301", "20240302", "20240304", "20240305"]
    assert [row[3] for row in table] == sorted(row[3] for row in table)


def test_amounts_dates_and_auxiliary_accounts_are_written_as_the_fec_wants() -> None:
    table = rows(write_fec(EUR_ENTRIES))
    eclat = next(row for row in table if row[8] == "RF971042" and row[4] == "467100")
    assert eclat[3] == eclat[9] == eclat[15] == "20240302"
    assert (eclat[6], eclat[7]) == ("1042", "Société Coopérative Éclat - Œuvre")
    assert (eclat[11], eclat[12]) == ("0,00", "12345,60")
    assert eclat[13:15] == ["", ""] and eclat[16:] == ["", ""]
    bank_line = next(row for row in table if row[8] == "RF971042" and row[4] == "512100")
    assert (bank_line[6], bank_line[7]) == ("", "")


def test_text_fields_never_hold_a_separator_and_are_replaced_deterministically() -> None:
    table = rows(write_fec(EUR_ENTRIES))
    payout = next(row for row in table if row[6] == "1017")
    assert payout[7] == "Boulangerie Léa & Théo / SARL"
    assert fec_text("Reconversion “mars” — ok\tsuite") == 'Reconversion "mars" - ok suite'
    assert fec_text("Ĉu ŝi? 日本") == "Cu si? ??"
    assert fec_text("a|b") == "a/b"


def test_amounts_use_a_decimal_comma_without_thousands_separator() -> None:
    assert [fec_amount(c) for c in (0, 5, 1_234_567_89, -12_30)] == [
        "0,00",
        "0,05",
        "1234567,89",
        "-12,30",
    ]


def test_an_unbalanced_entry_is_refused() -> None:
    with pytest.raises(UnbalancedEntry):
        sales(
            1, "X", "Bad", line(Chart.FEES, credit=10_00), line(Chart.RESERVE_DIGITAL, debit=9_99)
        )


def test_a_line_is_either_a_debit_or_a_credit() -> None:
    with pytest.raises(ExportError):
        line(Chart.FEES, debit=1, credit=1)
    with pytest.raises(ExportError):
        line(Chart.FEES)
    with pytest.raises(ExportError):
        line(Chart.FEES, debit=-5)


def test_an_entry_in_local_units_has_no_place_in_the_fec() -> None:
    units = [entry for entry in month() if entry.currency == UNIT]
    with pytest.raises(ExportError):
        write_fec(units)


def test_the_file_name_is_siren_fec_and_closing_date() -> None:
    assert fec_filename("123456789", date(2024, 12, 31)) == "123456789FEC20241231.txt"
    with pytest.raises(ExportError):
        fec_filename("12345", date(2024, 12, 31))


def test_an_empty_year_is_only_the_header() -> None:
    assert rows(write_fec([])) == [list(FEC_COLUMNS)]


def test_entries_without_validation_date_use_their_date() -> None:
    entry: JournalEntry = EUR_ENTRIES[0]
    assert entry.validated == entry.date
