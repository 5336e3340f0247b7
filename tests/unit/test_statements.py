"""Bank statement files of the reserve accounts: camt.053, CFONB 120 and French CSV
(association/statements.py and its parsers)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from association.camt import parse_camt053
from association.cfonb import decode_amount, parse_cfonb120
from association.csv_fr import parse_csv_fr
from association.errors import (
    BalanceMismatch,
    BrokenChain,
    DuplicateStatement,
    MalformedStatement,
    UnbalancedStatement,
    WrongAccount,
)
from association.statement_files import StatementFormat, detect_format, parse_statement
from association.statements import (
    BankStatement,
    check_account,
    check_against_ledger,
    check_chain,
    check_new,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "statements"
CAMT_MARCH = DATA / "camt053_v02_reserve_digital_2024-03.xml"
CAMT_APRIL = DATA / "camt053_v08_reserve_digital_2024-04.xml"
CFONB = DATA / "cfonb120_reserve_paper_2024-03.txt"
CSV_FEBRUARY = DATA / "csv_fr_debit_credit_iso8859-15.csv"
CSV_MARCH = DATA / "csv_fr_montant_utf8_bom.csv"

DIGITAL = "FR7610278360550002048150165"
PAPER = "FR7610278360550002048150262"
COOP = "FR7642559100000801234567812"


def read(path: Path) -> BankStatement:
    account = {CAMT_MARCH: DIGITAL, CAMT_APRIL: DIGITAL, CFONB: PAPER}.get(path, COOP)
    return parse_statement(path.read_bytes(), account_iban=account)


# --- camt.053 --------------------------------------------------------------------------------


def test_a_camt053_v02_statement_is_read_with_its_balances_and_booked_lines() -> None:
    statement = read(CAMT_MARCH)
    assert (statement.account_iban, statement.currency) == (DIGITAL, "EUR")
    assert (statement.opening_date, statement.opening_balance) == (date(2024, 2, 29), 12_345_67)
    assert (statement.closing_date, statement.closing_balance) == (date(2024, 3, 31), 12_183_27)
    assert [line.amount for line in statement.lines] == [50_00, 1_250_00, -1_470_00, -12_40, 20_00]
    first, deposit, payout, _fees, by_label = statement.lines
    assert first.reference == "RF401001"
    assert "Marie-Hélène Dupont" in first.label
    assert first.bank_ref == "24061A0000123"
    assert (deposit.date, deposit.value_date, deposit.reference) == (
        date(2024, 3, 4),
        date(2024, 3, 5),
        None,
    )
    assert payout.reference == "SOU-PAYOUT-0007"
    assert "Boulangerie Léa et Théo SARL" in payout.label
    assert by_label.reference == "RF131002"  # found in the unstructured remittance
    assert statement.sha256 == hashlib.sha256(CAMT_MARCH.read_bytes()).hexdigest()


def test_a_camt053_v08_statement_chains_with_the_previous_month() -> None:
    march, april = read(CAMT_MARCH), read(CAMT_APRIL)
    assert [line.amount for line in april.lines] == [3_000_00, -2_910_00]
    assert april.lines[0].reference == "RF971042"
    assert "Société Coopérative Éclat" in april.lines[0].label
    check_chain(march, april)


def test_a_camt053_file_refuses_a_document_type_declaration() -> None:
    evil = (
        b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&x;</Document>'
    )
    with pytest.raises(MalformedStatement):
        parse_camt053(evil)


def test_a_truncated_camt053_file_is_malformed_at_its_line() -> None:
    data = CAMT_MARCH.read_bytes()
    with pytest.raises(MalformedStatement) as caught:
        parse_camt053(data[: len(data) // 2])
    assert caught.value.line is not None


def test_a_camt053_whose_closing_balance_does_not_add_up_is_refused() -> None:
    data = CAMT_MARCH.read_bytes().replace(b"12183.27", b"12183.28")
    with pytest.raises(UnbalancedStatement):
        parse_camt053(data)


def test_another_xml_document_is_not_a_statement() -> None:
    with pytest.raises(MalformedStatement, match=r"not a camt\.053"):
        parse_camt053(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')


# --- CFONB 120 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "decimals", "cents"),
    [
        ("0000000084000{", 2, 8_400_00),
        ("0000000012345O", 2, -1_234_56),
        ("0000000000035}", 2, -3_50),
        ("0000000000012A", 0, 121_00),
        ("0000000001234{", 3, 12_34),
    ],
)
def test_cfonb_amounts_carry_their_sign_in_the_last_character(
    field: str, decimals: int, cents: int
) -> None:
    assert decode_amount(field, decimals) == cents


def test_a_cfonb120_file_of_two_days_gives_one_statement_for_the_account() -> None:
    statement = read(CFONB)
    assert statement.account_iban == PAPER
    assert (statement.opening_date, statement.opening_balance) == (date(2024, 3, 1), 8_400_00)
    assert (statement.closing_date, statement.closing_balance) == (date(2024, 3, 8), 10_487_44)
    assert [line.amount for line in statement.lines] == [
        1_250_00,
        -1_234_56,
        2_030_50,
        45_00,
        -3_50,
    ]
    deposit, transfer, cash, top_up, fee = statement.lines
    assert deposit.label == "VERSEMENT ESPECES COMPTOIR 101 BOURSE DU TRAVAIL"
    assert deposit.bank_ref == "VE24064000457"
    assert transfer.reference == "SOU-XFER-0003"
    assert cash.label == "REMISE ESPECES COMPTOIR 102 MARCHÉ DE LA PLACE DU COMMERCE"
    assert cash.value_date == date(2024, 3, 11)
    assert top_up.reference == "RF931017"
    assert "CHLOÉ" in top_up.label
    assert fee.bank_ref == "0000005"


def test_a_cfonb120_file_without_line_breaks_reads_the_same() -> None:
    lines = CFONB.read_bytes().split(b"\r\n")
    joined = b"".join(lines)
    assert parse_cfonb120(joined)[0].lines == read(CFONB).lines


def test_a_cfonb_record_with_a_bad_amount_is_malformed_at_its_line() -> None:
    lines = CFONB.read_bytes().split(b"\r\n")
    lines[3] = lines[3][:103] + b"X" + lines[3][104:]
    with pytest.raises(MalformedStatement) as caught:
        parse_cfonb120(b"\r\n".join(lines))
    assert caught.value.line == 4


def test_a_cfonb_file_cut_before_its_closing_record_is_malformed() -> None:
    lines = CFONB.read_bytes().split(b"\r\n")
    with pytest.raises(MalformedStatement, match="07"):
        parse_cfonb120(b"\r\n".join(lines[:-2]))


def test_cfonb_days_that_do_not_chain_are_refused() -> None:
    lines = CFONB.read_bytes().split(b"\r\n")
    lines[7] = lines[7][:90] + b"0000000084153D" + lines[7][104:]  # the 2nd day's old balance
    lines[-2] = lines[-2][:90] + b"0000000104873D" + lines[-2][104:]
    with pytest.raises(BrokenChain):
        parse_cfonb120(b"\r\n".join(lines))


# --- French CSV ------------------------------------------------------------------------------


def test_a_french_csv_in_iso8859_15_with_debit_and_credit_columns_is_read() -> None:
    statement = read(CSV_FEBRUARY)
    assert (statement.opening_balance, statement.closing_balance) == (3_208_15, 15_471_40)
    assert (statement.opening_date, statement.closing_date) == (
        date(2024, 1, 31),
        date(2024, 2, 29),
    )
    assert [line.amount for line in statement.lines] == [
        150_00,
        1_250_00,
        -1_470_00,
        -12_00,
        12_345_60,
        -35,
    ]
    assert statement.lines[0].reference == "RF971042"
    assert statement.lines[0].label == "VIR SEPA RECU /DE Mélanie Lefèvre /MOTIF RF97 1042"
    assert statement.lines[2].label == "VIR SEPA EMIS /A L'ŒUVRE DES JARDINS; RECONVERSION"
    assert statement.lines[4].reference == "RF131002"


def test_a_french_csv_in_utf8_with_bom_and_one_amount_column_is_read() -> None:
    statement = read(CSV_MARCH)
    assert [line.amount for line in statement.lines] == [25_00, -1_234_56, -98_40, 2_000_00, 10_00]
    assert statement.lines[1].value_date == date(2024, 3, 5)
    assert statement.lines[1].label == "VIR SEPA EMIS /A Épicerie « Chez Noë » reconversion"
    assert statement.lines[1].bank_ref == "B24064000231"
    assert statement.lines[0].reference == "RF401001"
    assert statement.closing_balance == 16_173_44


def test_two_csv_months_of_one_account_chain() -> None:
    check_chain(read(CSV_FEBRUARY), read(CSV_MARCH))


def test_a_csv_row_with_an_impossible_date_is_malformed_at_its_line() -> None:
    text = CSV_MARCH.read_bytes().decode("utf-8-sig").replace("18/03/2024;18", "31/02/2024;18")
    with pytest.raises(MalformedStatement) as caught:
        parse_csv_fr(text.encode("utf-8"))
    assert caught.value.line == 7


def test_a_csv_row_with_both_a_debit_and_a_credit_is_malformed() -> None:
    data = CSV_FEBRUARY.read_bytes().replace(b"12,00;\r\n", b"12,00;12,00\r\n")
    with pytest.raises(MalformedStatement) as caught:
        parse_csv_fr(data)
    assert caught.value.line == 10


def test_a_csv_with_an_ambiguous_amount_is_malformed() -> None:
    data = CSV_FEBRUARY.read_bytes().replace(b";;150,00", b";;1,500")
    with pytest.raises(MalformedStatement, match="1,500"):
        parse_csv_fr(data)


def test_a_csv_without_its_account_or_balances_is_malformed() -> None:
    data = CSV_FEBRUARY.read_bytes()
    with pytest.raises(MalformedStatement, match="account"):
        parse_csv_fr(data.replace(b"IBAN;", b"Titulaire;"))
    with pytest.raises(MalformedStatement, match="Solde"):
        parse_csv_fr(data.split(b"Solde final")[0])


def test_a_csv_whose_lines_do_not_add_up_is_refused() -> None:
    data = CSV_FEBRUARY.read_bytes().replace(b"15 471,40", b"15 471,41")
    with pytest.raises(UnbalancedStatement):
        parse_csv_fr(data)


# --- every format --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (CAMT_MARCH, StatementFormat.CAMT053),
        (CFONB, StatementFormat.CFONB120),
        (CSV_FEBRUARY, StatementFormat.CSV_FR),
        (CSV_MARCH, StatementFormat.CSV_FR),
    ],
)
def test_the_format_is_recognised_from_the_bytes(path: Path, kind: StatementFormat) -> None:
    assert detect_format(path.read_bytes()) is kind


@pytest.mark.parametrize("path", [CAMT_MARCH, CAMT_APRIL, CFONB, CSV_FEBRUARY, CSV_MARCH])
def test_a_file_of_another_account_is_refused(path: Path) -> None:
    other = PAPER if path != CFONB else DIGITAL
    with pytest.raises(WrongAccount):
        parse_statement(path.read_bytes(), account_iban=other)


def test_a_statement_in_another_currency_is_of_the_wrong_account() -> None:
    with pytest.raises(WrongAccount):
        check_account(read(CAMT_MARCH), DIGITAL, currency="CHF")


@pytest.mark.parametrize("data", [b"", b"\n\n", b"hello world", b"01 too short"])
def test_a_file_in_no_known_format_is_malformed(data: bytes) -> None:
    with pytest.raises(MalformedStatement):
        parse_statement(data, account_iban=DIGITAL)


def test_statements_that_do_not_chain_are_refused() -> None:
    march, april = read(CAMT_MARCH), read(CAMT_APRIL)
    with pytest.raises(BrokenChain):
        check_chain(april, march)  # in the wrong order
    with pytest.raises(BrokenChain, match="closed at"):
        check_chain(march, replace(april, opening_balance=12_183_26, closing_balance=12_273_26))
    with pytest.raises(BrokenChain, match="missing"):
        check_chain(replace(march, closing_date=date(2024, 3, 29)), april)
    with pytest.raises(BrokenChain, match="different accounts"):
        check_chain(read(CFONB), april)


def test_the_same_file_imported_twice_is_a_duplicate() -> None:
    statement = read(CAMT_MARCH)
    check_new(statement, {read(CAMT_APRIL).sha256})
    with pytest.raises(DuplicateStatement):
        check_new(statement, {read(CAMT_APRIL).sha256, statement.sha256})


def test_a_line_booked_outside_the_statement_dates_is_refused() -> None:
    statement = read(CAMT_MARCH)
    with pytest.raises(MalformedStatement, match="outside"):
        replace(statement, closing_date=date(2024, 3, 10))


def test_the_bank_balance_is_the_reserve_plus_the_payouts_and_fees_it_holds() -> None:
    statement = read(CAMT_MARCH)
    check_against_ledger(statement, reserve=12_000_00, payouts_held=150_00, fees_held=33_27)
    with pytest.raises(BalanceMismatch) as caught:
        check_against_ledger(statement, reserve=12_000_00, payouts_held=150_00)
    assert caught.value.detail["difference"] == 33_27
