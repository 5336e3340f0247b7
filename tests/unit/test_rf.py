"""ISO 11649 creditor references (association/rf.py) and IBANs (association/iban.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from association.errors import InvalidCreditorReference, InvalidIban
from association.iban import check_iban, format_iban, iban_from_rib, is_iban
from association.rf import check_rf, find_rf, format_rf, reference_body, rf_reference


@pytest.mark.parametrize(
    ("body", "reference"),
    [
        ("539007547034", "RF18539007547034"),  # ISO 11649's own example
        ("2348231", "RF712348231"),  # the EPC's example
    ],
)
def test_published_examples_are_reproduced(body: str, reference: str) -> None:
    assert rf_reference(body) == reference
    assert check_rf(reference) == reference


def test_a_member_number_gives_its_reference_and_back() -> None:
    assert rf_reference(2348231) == "RF712348231"
    assert reference_body(rf_reference(1042)) == "1042"


def test_the_print_form_is_in_groups_of_four_and_reads_back() -> None:
    assert format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    assert check_rf("rf18 5390 0754 7034") == "RF18539007547034"


@pytest.mark.parametrize(
    "text", ["RF19539007547034", "RF18539007547035", "RF18", "XX18539007547034", "RF1A5390", ""]
)
def test_wrong_check_digits_or_shapes_are_refused(text: str) -> None:
    with pytest.raises(InvalidCreditorReference):
        check_rf(text)


@pytest.mark.parametrize(
    "member", [-1, "", "TOO-LONG-A-BODY-FOR-RF-REF", True, "12345678901234567890123"]
)
def test_a_reference_cannot_be_made_of_an_invalid_body(member: object) -> None:
    with pytest.raises(InvalidCreditorReference):
        rf_reference(member)  # type: ignore[arg-type]


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21))
def test_every_body_gives_a_valid_reference_that_any_change_of_its_last_character_breaks(
    body: str,
) -> None:
    reference = rf_reference(body)
    assert check_rf(format_rf(reference)) == reference
    last = reference[-1]
    other = ("1" if last != "1" else "2") if last.isdigit() else ("A" if last != "A" else "B")
    changed = reference[:-1] + other
    with pytest.raises(InvalidCreditorReference):
        check_rf(changed)


@pytest.mark.parametrize(
    ("label", "found"),
    [
        ("VIR SEPA RECU /DE DUPONT /MOTIF RF18 5390 0754 7034 LOYER", "RF18539007547034"),
        ("Recharge rf712348231, merci", "RF712348231"),
        ("VIR RF13 1002 RECHARGE", "RF131002"),
        ("REF RF99 1002 sans clé valide", None),
        ("VIREMENT SANS REFERENCE", None),
    ],
)
def test_a_reference_is_found_in_a_bank_label(label: str, found: str | None) -> None:
    assert find_rf(label) == found


def test_ibans_are_checked_and_computed_from_french_ribs() -> None:
    assert check_iban("fr14 2004 1010 0505 0001 3M02 606") == "FR1420041010050500013M02606"
    assert iban_from_rib("20041", "01005", "0500013M026") == "FR1420041010050500013M02606"
    assert format_iban("FR1420041010050500013M02606") == "FR14 2004 1010 0505 0001 3M02 606"
    assert not is_iban("FR1520041010050500013M02606")
    with pytest.raises(InvalidIban):
        iban_from_rib("2004", "01005", "0500013M026")
