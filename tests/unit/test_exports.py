"""CSV and PDF exports of takings, read back as the merchant's accountant would read them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.money import parse_fr
from merchants.business_day import day_bounds
from merchants.errors import StatementError
from merchants.exports import (
    LINES_HEADER,
    TAKINGS_HEADER,
    day_lines_csv,
    day_statement_pdf,
    takings_csv,
)
from merchants.takings import day_statement, period_statements, period_totals
from tests.unit.test_takings import (
    DAY,
    MERCHANT,
    a_busy_day,
    a_days_lines,
    received,
)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            pages.append(text_page.get_text_range())
            text_page.close()
            page.close()
        # Extracted text may keep the no-break spaces or turn them into spaces.
        return "\n".join(pages).replace("\u00a0", " ").replace("\r", "")
    finally:
        document.close()


def test_the_lines_csv_has_a_french_header_and_one_row_per_transfer_in_entry_order() -> None:
    lines = a_busy_day()
    statement = day_statement(lines, account=MERCHANT, date=DAY, closing_hour=2)
    rows = read_csv(day_lines_csv(statement, reversed(lines)))
    assert tuple(rows[0]) == LINES_HEADER
    assert [int(row[3]) for row in rows[1:]] == [10, 11, 14, 15, 17, 20]
    first = rows[1]
    assert first[:3] == ["14/03/2026", "14/03/2026", "09:05:00"]
    assert first[4:6] == ["Paiement reçu", "12,50"]
    refund = rows[4]
    assert refund[4:6] == ["Remboursement", "-3,20"] and len(refund[8]) == 64
    after_midnight = rows[6]
    assert after_midnight[:3] == ["14/03/2026", "15/03/2026", "01:59:59"]


def test_the_lines_csv_adds_up_to_the_statement() -> None:
    lines = a_busy_day()
    statement = day_statement(lines, account=MERCHANT, date=DAY, closing_hour=2)
    rows = read_csv(day_lines_csv(statement, lines))[1:]
    amounts = [parse_fr(row[5]) for row in rows]
    assert sum(a for a in amounts if a > 0) == statement.credits
    assert -sum(a for a in amounts if a < 0) == statement.debits
    assert -sum(parse_fr(r[5]) for r in rows if r[4] == "Remboursement") == statement.refunds


def test_the_lines_csv_refuses_lines_that_are_not_the_statements() -> None:
    lines = a_busy_day()
    statement = day_statement(lines, account=MERCHANT, date=DAY, closing_hour=2)
    with pytest.raises(StatementError):
        day_lines_csv(statement, lines[:-1])


def test_a_till_label_that_looks_like_a_formula_is_defused() -> None:
    line = received(1, day_bounds(DAY)[0], 1_00, till="=HYPERLINK(1)")
    statement = day_statement([line], account=MERCHANT, date=DAY)
    rows = read_csv(day_lines_csv(statement, [line]))
    assert rows[1][7] == "'=HYPERLINK(1)"


def test_large_amounts_are_grouped_by_thousands_as_french_spreadsheets_expect() -> None:
    line = received(1, day_bounds(DAY)[0], 1_234_567_89)
    statement = day_statement([line], account=MERCHANT, date=DAY)
    rows = read_csv(takings_csv([statement]))
    assert rows[1][2] == "1\u00a0234\u00a0567,89"
    assert parse_fr(rows[1][2]) == 1_234_567_89


def test_the_takings_csv_has_a_row_per_day_and_a_total_row() -> None:
    statements = period_statements(
        a_busy_day(),
        account=MERCHANT,
        first=dt.date(2026, 3, 13),
        last=dt.date(2026, 3, 15),
        closing_hour=2,
        declared={DAY: 120_00},
    )
    rows = read_csv(takings_csv(list(reversed(statements))))
    assert tuple(rows[0]) == TAKINGS_HEADER
    assert [row[0] for row in rows[1:]] == ["13/03/2026", "14/03/2026", "15/03/2026", "Total"]
    day = rows[2]
    assert day[1:8] == ["4", "122,70", "3,20", "119,50", "43,20", "120,00", "0,50"]
    assert day[8:10] == ["10", "20"] and len(day[10]) == 64
    empty = rows[1]
    assert empty[1:8] == ["0", "0,00", "0,00", "0,00", "0,00", "", ""]
    assert rows[-1][1:8] == ["4", "122,70", "3,20", "119,50", "43,20", "120,00", "0,50"]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), closing=st.integers(0, 23), days=st.integers(1, 4))
def test_the_takings_csv_read_back_adds_up_to_its_total_and_to_the_lines(
    data: st.DataObject, closing: int, days: int
) -> None:
    first = dt.date(2026, 10, 24)
    last = first + dt.timedelta(days=days - 1)
    lines = data.draw(a_days_lines(day_bounds(first, closing)[0], day_bounds(last, closing)[1]))
    statements = period_statements(
        lines, account=MERCHANT, first=first, last=last, closing_hour=closing
    )
    rows = read_csv(takings_csv(statements))
    body, total = rows[1:-1], rows[-1]
    assert len(body) == days and total[0] == "Total"
    for column in (2, 3, 4, 5):
        assert sum(parse_fr(row[column]) for row in body) == parse_fr(total[column])
    assert sum(int(row[1]) for row in body) == int(total[1])
    assert parse_fr(total[2]) == sum(line.amount for line in lines if line.direction == "in")
    assert parse_fr(total[5]) == sum(line.amount for line in lines if line.direction == "out")
    assert parse_fr(total[4]) == period_totals(statements).net


def test_the_pdf_day_statement_shows_the_totals_as_text() -> None:
    lines = a_busy_day()
    statement = day_statement(lines, account=MERCHANT, date=DAY, closing_hour=2, declared=120_00)
    data = day_statement_pdf(statement, lines, merchant_name="Boulangerie Dupré", unit="RTZ")
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Relevé de journée (ticket Z)" in text
    assert "Boulangerie Dupré - compte 1042" in text
    assert "Journée du 14/03/2026" in text
    for label, value in [
        ("Paiements reçus", "4"),
        ("Encaissements", "122,70 RTZ"),
        ("Remboursements", "3,20 RTZ"),
        ("Net", "119,50 RTZ"),
        ("Total des sorties", "43,20 RTZ"),
        ("Montant déclaré", "120,00 RTZ"),
        ("Écart", "0,50 RTZ"),
    ]:
        assert f"{label}\n{value}" in text or f"{label} {value}" in text, label
    assert statement.receipts_root in text
    assert "c0ffee00" in text and "09 h" in text


def test_the_pdf_of_an_empty_day_says_so_and_survives_unusual_names() -> None:
    statement = day_statement([], account=MERCHANT, date=DAY)
    data = day_statement_pdf(statement, [], merchant_name="Boulangerie Œuvre — “Ça” 🍞", unit="RTZ")
    text = pdf_text(data)
    assert "Aucune opération ce jour." in text
    assert 'Boulangerie OEuvre - "Ça" ? - compte 1042' in text
