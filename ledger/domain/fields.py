"""Field checks: the building blocks of each record type's schema (names, types, ranges).

A schema maps each field of a record type to its check, in the order the fields are checked
(the first failing one is reported); `COMMON` and `SIGNED_OP` are the fields that every
record, and every client-signed operation, has.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping

from ledger.errors import MalformedRecord

MAX_SAFE_INT = 2**53 - 1
MAX_AMOUNT = 2**31 - 1
MAX_WINDOW = 300  # seconds between `created` and `expires`

Check = Callable[[str, object], None]
Schema = Mapping[str, Check]


def bad(field: str, why: str) -> MalformedRecord:
    return MalformedRecord(f"field '{field}': {why}", field=field)


def integer(lo: int, hi: int) -> Check:
    def check(field: str, value: object) -> None:
        if type(value) is not int:
            raise bad(field, "must be an integer")
        if not lo <= value <= hi:
            raise bad(field, f"must be between {lo} and {hi}")

    return check


def pattern(regex: str, what: str) -> Check:
    compiled = re.compile(regex, re.ASCII)

    def check(field: str, value: object) -> None:
        if type(value) is not str or compiled.fullmatch(value) is None:
            raise bad(field, f"must be {what}")

    return check


def choice(*options: str) -> Check:
    """One of `options` (an enum's members are its strings)."""

    def check(field: str, value: object) -> None:
        if value not in options or type(value) is not str:
            raise bad(field, f"must be one of {', '.join(options)}")

    return check


def optional(check: Check) -> Check:
    def optional(field: str, value: object) -> None:
        if value is not None:
            check(field, value)

    return optional


def const(expected: object) -> Check:
    def check(field: str, value: object) -> None:
        if value != expected or type(value) is not type(expected):
            raise bad(field, f"must be {expected!r}")

    return check


def _calendar_date(field: str, value: object) -> None:
    _DATE_SHAPE(field, value)
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        raise bad(field, "must be a real calendar date") from None


VERSION = const(1)
HOST = pattern(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?", "a lower-case host name")
UNIT = pattern(r"[A-Z][A-Z0-9]{2,9}", "a unit code such as RTZ")
ACCOUNT = pattern(r"[1-9][0-9]{0,9}", "an account number (decimal, no leading zero)")
AMOUNT = integer(1, MAX_AMOUNT)
FEE = integer(0, MAX_AMOUNT)
NONCE = pattern(r"[A-Za-z0-9_-]{16,64}", "16 to 64 characters of [A-Za-z0-9_-]")
KID = pattern(r"[0-9a-f]{8}", "8 lower-case hex digits")
HEX32 = pattern(r"[0-9a-f]{64}", "64 lower-case hex digits")
SIGNATURE = pattern(r"[A-Za-z0-9_-]{86}", "an Ed25519 signature in unpadded base64url")
TIME = pattern(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "an RFC 3339 UTC time like 2026-03-14T10:15:30Z"
)
NAME = pattern(r"[a-z0-9:_-]{1,40}", "a system account name")
_DATE_SHAPE = pattern(r"\d{4}-\d{2}-\d{2}", "a date YYYY-MM-DD")
DATE = _calendar_date
COUNT = integer(0, MAX_SAFE_INT)

COMMON: Schema = {"v": VERSION, "type": pattern(r"[a-z_]+", "a type"), "ledger": HOST}
SIGNED_OP: Schema = {
    "currency": UNIT,
    "nonce": NONCE,
    "kid": KID,
    "created": TIME,
    "expires": TIME,
    "memo": pattern(r"([0-9a-f]{64})?", '"" or the memo\'s commitment (64 hex digits)'),
}
