"""ISO 11649 creditor references ("RF" references), one per member, for top-ups by bank transfer.

A reference is ``RF``, two check digits and a body of 1 to 21 letters or digits; the check digits
make the whole, moved so that ``RF`` and the digits come last and letters read as 10…35, equal
1 modulo 97 (ISO 7064 MOD 97-10, as for IBANs). A member's reference has the member's account
number as its body, so a bank line bearing it names the member without any lookup table. It is
stored and compared in its electronic form (upper case, no spaces) and printed in groups of four.
`find_rf` picks a valid reference out of a bank statement's free-text label.
"""

from __future__ import annotations

import re

from association.errors import InvalidCreditorReference

__all__ = ["check_rf", "find_rf", "format_rf", "mod97", "reference_body", "rf_reference"]

MAX_BODY = 21
_BODY_RE = re.compile(r"[0-9A-Z]{1,21}", re.ASCII)
_RF_RE = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}", re.ASCII)
_SPACES = re.compile(r"[ \u00a0\u202f]")
_GROUP_RE = re.compile(r"[0-9A-Z]{1,4}", re.ASCII)


def mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 of digits and upper-case letters, letters counting as 10 (A) … 35 (Z)."""
    remainder = 0
    for char in text:
        value = int(char, 36)
        remainder = (remainder * (100 if value > 9 else 10) + value) % 97
    return remainder


def rf_reference(member_number: int | str) -> str:
    """A member's reference in electronic form: ``rf_reference(2348231) == "RF712348231"``."""
    if isinstance(member_number, bool):
        raise InvalidCreditorReference("a member number is an integer or a string")
    if isinstance(member_number, int):
        if member_number < 0:
            raise InvalidCreditorReference("a member number is not negative")
        body = str(member_number)
    elif isinstance(member_number, str):
        body = _SPACES.sub("", member_number).upper()
    else:
        raise InvalidCreditorReference("a member number is an integer or a string")
    if not _BODY_RE.fullmatch(body):
        raise InvalidCreditorReference(
            f"a reference body is 1 to {MAX_BODY} letters or digits, not {member_number!r}"
        )
    check = 98 - mod97(body + "RF00")
    return f"RF{check:02d}{body}"


def check_rf(text: str) -> str:
    """The electronic form of a valid reference (spaces removed, upper case), else raise."""
    if not isinstance(text, str):
        raise InvalidCreditorReference("a reference is text")
    compact = _SPACES.sub("", text.strip()).upper()
    if not _RF_RE.fullmatch(compact):
        raise InvalidCreditorReference(f"not an RF creditor reference: {text!r}")
    if mod97(compact[4:] + compact[:4]) != 1:
        raise InvalidCreditorReference(f"wrong check digits in {text!r}")
    return compact


def format_rf(reference: str) -> str:
    """The print form, in groups of four: ``"RF18 5390 0754 7034"``."""
    compact = check_rf(reference)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def reference_body(reference: str) -> str:
    """The body of a valid reference (for a member's reference, the member number)."""
    return check_rf(reference)[4:]


def find_rf(text: str) -> str | None:
    """The first valid creditor reference written in a free text, electronic or print form.

    A word ``RFnn…`` that is valid by itself wins; after a bare ``RFnn`` the following groups of
    at most four characters are joined, longest valid first (as a print form is written).
    """
    words = text.upper().split()
    for i, word in enumerate(words):
        if not word.startswith("RF") or len(word) < 4 or not word[2:4].isdigit():
            continue
        word = word.rstrip(".,;:)")
        if len(word) > 4:
            try:
                return check_rf(word)
            except InvalidCreditorReference:
                continue
        groups = [word]
        for follow in words[i + 1 :]:
            follow = follow.rstrip(".,;:)")
            if not _GROUP_RE.fullmatch(follow) or len(groups[-1]) != 4:
                break
            groups.append(follow)
            if sum(map(len, groups)) >= 4 + MAX_BODY:
                break
        for end in range(len(groups), 1, -1):
            try:
                return check_rf("".join(groups[:end]))
            except InvalidCreditorReference:
                continue
    return None
