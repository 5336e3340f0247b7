"""A merchant's bank details: IBAN and BIC, checked with `schwifty` and kept in one normal form.

An IBAN is stored compact and upper-case ("FR7630006000011234567890189"): the country's length
and structure, the ISO 13616 check digits and, where the country has one, the national check
digits must all hold, and the country must be in the SEPA zone since payouts are SEPA credit
transfers. It is shown grouped by four ("FR76 3000 6000 …") or masked on receipts and pages.
A BIC is stored compact and upper-case, 8 or 11 characters; when none is given, the one
`schwifty`'s bank registry knows for the IBAN's bank is used, if any (SEPA payouts need none).
Anything else raises `InvalidIban` or `InvalidBic`. These details are personal data: they live
in the merchant's profile, never in a ledger record.
"""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from merchants.errors import InvalidBic, InvalidIban

MAX_INPUT = 64


def normalize_iban(text: str) -> str:
    """The compact, upper-case form of a valid SEPA IBAN typed with or without spaces."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        raise InvalidIban("an IBAN is a short text")
    try:
        iban = IBAN(text, validate_bban=True)
    except SchwiftyException as error:
        raise InvalidIban(f"invalid IBAN: {error}", reason=type(error).__name__) from None
    if not iban.in_sepa_zone:
        raise InvalidIban(f"{iban.country_code} is not in the SEPA zone", reason="NotInSepaZone")
    return str(iban.compact)


def normalize_bic(text: str) -> str:
    """The compact, upper-case form of a structurally valid BIC (8 or 11 characters)."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        raise InvalidBic("a BIC is a short text")
    try:
        bic = BIC(text)
    except SchwiftyException as error:
        raise InvalidBic(f"invalid BIC: {error}", reason=type(error).__name__) from None
    return str(bic.compact)


def format_iban(iban: str) -> str:
    """A stored IBAN grouped by four characters, as printed on French RIBs."""
    compact = normalize_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """A stored IBAN with all but its country, check digits and last four characters hidden."""
    compact = normalize_iban(iban)
    return f"{compact[:4]} •••• {compact[-4:]}"


@dataclass(frozen=True, slots=True)
class BankDetails:
    """Checked bank details: build them with `bank_details`."""

    iban: str
    bic: str | None


def bank_details(iban: str, bic: str | None = None) -> BankDetails:
    """Checks and normalises an IBAN and an optional BIC.

    Without a BIC, the bank registry's BIC for the IBAN's bank is used if it knows one. The
    BIC's country is not compared with the IBAN's: some banks hold accounts under another
    country's BIC, and a SEPA credit transfer is routed by the IBAN alone.
    """
    compact = normalize_iban(iban)
    if bic is None or not bic.strip():
        known = IBAN(compact).bic
        return BankDetails(compact, str(known.compact) if known is not None else None)
    return BankDetails(compact, normalize_bic(bic))
