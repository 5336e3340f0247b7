"""Merchants' bank details: IBAN and BIC checked by schwifty, one stored form, typed errors."""

from __future__ import annotations

import pytest

from ledger.errors import FormatError
from merchants.errors import InvalidBic, InvalidIban
from merchants.iban import (
    BankDetails,
    bank_details,
    format_iban,
    mask_iban,
    normalize_bic,
    normalize_iban,
)

FRENCH = "FR7630006000011234567890189"


@pytest.mark.parametrize(
    "typed",
    [FRENCH, "FR76 3000 6000 0112 3456 7890 189", " fr76 3000 6000 0112 3456 7890 189 "],
)
def test_an_iban_is_stored_compact_and_upper_case_however_it_was_typed(typed: str) -> None:
    assert normalize_iban(typed) == FRENCH


def test_an_iban_is_shown_grouped_by_four_or_masked() -> None:
    assert format_iban(FRENCH) == "FR76 3000 6000 0112 3456 7890 189"
    assert mask_iban(FRENCH) == "FR76 •••• 0189"


@pytest.mark.parametrize(
    "typed",
    [
        "FR7630006000011234567890188",  # ISO 13616 check digits wrong
        "FR7630006000011234567890",  # too short for France
        "FR763000600001123456789018900",  # too long
        "XX7630006000011234567890189",  # no such country
        "US12345",  # not an IBAN country
        "FR76300060000112345678901@9",  # not alphanumeric
        "",
        "FR" + "7" * 100,
    ],
)
def test_an_invalid_iban_is_refused_with_a_typed_error(typed: str) -> None:
    with pytest.raises(InvalidIban):
        normalize_iban(typed)


def test_an_iban_with_a_wrong_french_rib_key_is_refused() -> None:
    # Valid ISO 13616 check digits over a BBAN whose RIB key (the last two digits) is wrong.
    with pytest.raises(InvalidIban) as refused:
        normalize_iban("FR0630006000011234567890188")
    assert refused.value.code == "invalid-iban"


def test_an_iban_outside_the_sepa_zone_is_refused() -> None:
    with pytest.raises(InvalidIban):
        normalize_iban("BR1800360305000010009795493C1")


def test_an_invalid_iban_is_a_format_error_for_the_web_layer() -> None:
    assert issubclass(InvalidIban, FormatError) and issubclass(InvalidBic, FormatError)


def test_a_non_string_iban_is_refused() -> None:
    with pytest.raises(InvalidIban):
        normalize_iban(7630006000011234567890189)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "stored"), [("agrifrpp", "AGRIFRPP"), ("AGRI FR PP XXX", "AGRIFRPPXXX")]
)
def test_a_bic_is_stored_compact_and_upper_case(typed: str, stored: str) -> None:
    assert normalize_bic(typed) == stored


@pytest.mark.parametrize("typed", ["AGRI", "AGRIXXPP", "AGRIFRPPX", "AGR_FRPP", ""])
def test_an_invalid_bic_is_refused_with_a_typed_error(typed: str) -> None:
    with pytest.raises(InvalidBic):
        normalize_bic(typed)


def test_bank_details_take_the_registry_bic_when_none_is_given() -> None:
    assert bank_details(FRENCH) == BankDetails(FRENCH, "AGRIFRPPXXX")
    assert bank_details(FRENCH, "  ") == BankDetails(FRENCH, "AGRIFRPPXXX")
    assert bank_details("DE89 3704 0044 0532 0130 00", "cobadeff") == BankDetails(
        "DE89370400440532013000", "COBADEFF"
    )
