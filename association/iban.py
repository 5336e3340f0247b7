"""International bank account numbers (ISO 13616) and French RIBs, as statements name accounts.

An IBAN is kept in its electronic form (upper case, no spaces) and checked by
`merchants.iban`, the one checker for every IBAN the service reads. A CFONB 120 file names
an account by its French RIB (bank, branch and account numbers, without the key), so
`iban_from_rib` computes the RIB key and the IBAN: every statement names its account the
same way.
"""

from __future__ import annotations

import re

from association.errors import InvalidIban
from association.rf import mod97
from merchants.iban import format_iban
from merchants.iban import normalize_iban as check_iban

__all__ = ["check_iban", "format_iban", "iban_from_rib", "is_iban"]

# Letters of a French account number count as digits for the RIB key (norme CFONB).
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def is_iban(text: str) -> bool:
    try:
        check_iban(text)
    except InvalidIban:
        return False
    return True


def iban_from_rib(bank: str, branch: str, account: str) -> str:
    """The French IBAN of a RIB: bank code (5 digits), branch (5 digits), account (11 chars)."""
    if not (
        re.fullmatch(r"[0-9]{5}", bank, re.ASCII)
        and re.fullmatch(r"[0-9]{5}", branch, re.ASCII)
        and re.fullmatch(r"[0-9A-Z]{11}", account, re.ASCII)
    ):
        raise InvalidIban(f"not a French RIB: {bank} {branch} {account}")
    digits = int(account.translate(_RIB_LETTERS))
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * digits) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    check = 98 - mod97(bban + "FR00")
    return f"FR{check:02d}{bban}"
