"""Signed records: their fields, their canonical bytes, their envelope and their id.

Every change of state is a record signed by the key that authorised it. The signed bytes are
`"SOU-<TYPE>-V1\\n"` followed by the RFC 8785 canonical JSON of the record; the record id is
the SHA-256 of those bytes, and the log's leaf is those bytes followed by the 64-byte
signature. This module checks the shape of every record type (field names, types, ranges)
and nothing else: who may sign what, and what it does to balances, is `ledger.rules`.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from ledger.errors import MalformedRecord, NotCanonical
from ledger.memos import Memo, check_text, commitment, new_memo, parse_memo
from ledger.signing import SigningKey, b64url_decode, b64url_encode

MAX_SAFE_INT = 2**53 - 1
MAX_AMOUNT = 2**31 - 1
MAX_WINDOW = 300  # seconds between `created` and `expires`
SIG_LEN = 64

Check = Callable[[str, object], None]


def _bad(field: str, why: str) -> MalformedRecord:
    return MalformedRecord(f"field '{field}': {why}", field=field)


def _int(lo: int, hi: int) -> Check:
    def check(field: str, value: object) -> None:
        if type(value) is not int:
            raise _bad(field, "must be an integer")
        if not lo <= value <= hi:
            raise _bad(field, f"must be between {lo} and {hi}")

    return check


def _pattern(regex: str, what: str) -> Check:
    compiled = re.compile(regex, re.ASCII)

    def check(field: str, value: object) -> None:
        if type(value) is not str or compiled.fullmatch(value) is None:
            raise _bad(field, f"must be {what}")

    return check


def _choice(*options: str) -> Check:
    def check(field: str, value: object) -> None:
        if value not in options or type(value) is not str:
            raise _bad(field, f"must be one of {', '.join(options)}")

    return check


def _optional(check: Check) -> Check:
    def optional(field: str, value: object) -> None:
        if value is not None:
            check(field, value)

    return optional


def _const(expected: object) -> Check:
    def check(field: str, value: object) -> None:
        if value != expected or type(value) is not type(expected):
            raise _bad(field, f"must be {expected!r}")

    return check


VERSION = _const(1)
HOST = _pattern(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?", "a lower-case host name")
UNIT = _pattern(r"[A-Z][A-Z0-9]{2,9}", "a unit code such as RTZ")
ACCOUNT = _pattern(r"[1-9][0-9]{0,9}", "an account number (decimal, no leading zero)")
AMOUNT = _int(1, MAX_AMOUNT)
FEE = _int(0, MAX_AMOUNT)
NONCE = _pattern(r"[A-Za-z0-9_-]{16,64}", "16 to 64 characters of [A-Za-z0-9_-]")
KID = _pattern(r"[0-9a-f]{8}", "8 lower-case hex digits")
HEX32 = _pattern(r"[0-9a-f]{64}", "64 lower-case hex digits")
SIGNATURE = _pattern(r"[A-Za-z0-9_-]{86}", "an Ed25519 signature in unpadded base64url")
TIME = _pattern(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "an RFC 3339 UTC time like 2026-03-14T10:15:30Z"
)
NAME = _pattern(r"[a-z0-9:_-]{1,40}", "a system account name")
_DATE_SHAPE = _pattern(r"\d{4}-\d{2}-\d{2}", "a date YYYY-MM-DD")


def _calendar_date(field: str, value: object) -> None:
    _DATE_SHAPE(field, value)
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        raise _bad(field, "must be a real calendar date") from None


DATE = _calendar_date

COUNT = _int(0, MAX_SAFE_INT)

ROLES = ("resident", "merchant", "cashier", "agent", "treasurer", "auditor")
HOLDER_KINDS = ("resident", "merchant", "association")
SYSTEM_KINDS = ("issuance", "paper", "world", "reserve", "office_cash", "payouts", "fees")

_COMMON: dict[str, Check] = {"v": VERSION, "type": _pattern(r"[a-z_]+", "a type"), "ledger": HOST}
_SIGNED_OP: dict[str, Check] = {
    "currency": UNIT,
    "nonce": NONCE,
    "kid": KID,
    "created": TIME,
    "expires": TIME,
    "memo": _pattern(r"([0-9a-f]{64})?", '"" or the memo\'s commitment (64 hex digits)'),
}

SCHEMAS: dict[str, dict[str, Check]] = {
    "genesis": {
        **_COMMON,
        "currency": UNIT,
        "unit_name": check_text,
        "ledger_key": HEX32,
        "kid": KID,
        "created": TIME,
    },
    # A rotation of the ledger key (FORMATS.md §4): signed by the key in force, naming the
    # next one, with that key's signature of `rotation_message` to show it is held.
    "ledger_key": {
        **_COMMON,
        "ledger_key": HEX32,
        "proof": SIGNATURE,
        "nonce": NONCE,
        "kid": KID,
        "created": TIME,
    },
    "account": {
        **_COMMON,
        "number": ACCOUNT,
        "status": _choice("open", "frozen", "closed"),
        "kind": _choice(*HOLDER_KINDS, *SYSTEM_KINDS),
        "unit": UNIT,
        "flags": _choice("", "no_overdraft"),
        "name": _optional(NAME),
        "nonce": NONCE,
        "kid": KID,
        "created": TIME,
    },
    "key": {
        **_COMMON,
        "action": _choice("enrol", "revoke"),
        "subject": KID,
        "public_key": _optional(HEX32),
        "account": _optional(ACCOUNT),
        "role": _optional(_choice(*ROLES)),
        "refund_limit": _optional(_int(0, MAX_AMOUNT)),
        "issued_by": _optional(KID),
        "nonce": NONCE,
        "kid": KID,
        "created": TIME,
    },
    "transfer": {
        **_COMMON,
        **_SIGNED_OP,
        "from": ACCOUNT,
        "to": ACCOUNT,
        "amount": AMOUNT,
        "payreq": _optional(HEX32),
        "ref": _optional(HEX32),
    },
    "conversion": {
        **_COMMON,
        **_SIGNED_OP,
        "method": _choice("cash", "bank"),
        "office": _optional(ACCOUNT),
        "to": ACCOUNT,
        "amount": AMOUNT,
    },
    "paper_issue": {**_COMMON, **_SIGNED_OP, "office": ACCOUNT, "amount": AMOUNT},
    "paper_exchange": {**_COMMON, **_SIGNED_OP, "office": ACCOUNT, "to": ACCOUNT, "amount": AMOUNT},
    "deposit": {
        **_COMMON,
        **_SIGNED_OP,
        "office": ACCOUNT,
        "reserve": _choice("digital", "paper"),
        "amount": AMOUNT,
    },
    "reconversion": {**_COMMON, **_SIGNED_OP, "from": ACCOUNT, "amount": AMOUNT, "fee": FEE},
    "payout": {**_COMMON, **_SIGNED_OP, "reconversion": HEX32, "amount": AMOUNT},
    # A merchant's closed business day (FORMATS.md §7): its figures, signed by the merchant.
    "day": {
        **_COMMON,
        "account": ACCOUNT,
        "date": DATE,
        "kid": KID,
        "first_entry": _optional(COUNT),
        "last_entry": _optional(COUNT),
        "count": COUNT,
        "credits": COUNT,
        "refunds": COUNT,
        "debits": COUNT,
        "declared": _optional(COUNT),
        "receipts_root": HEX32,
    },
}
RECORD_TYPES = tuple(SCHEMAS)
_PREFIXES = {t: f"SOU-{t.upper().replace('_', '-')}-V1\n".encode() for t in (*SCHEMAS, "receipt")}
_TYPE_OF_PREFIX = {p: t for t, p in _PREFIXES.items()}


def prefix(record_type: str) -> bytes:
    return _PREFIXES[record_type]


def canonical_json(record: Mapping[str, object]) -> bytes:
    """RFC 8785 canonical JSON for records that hold only strings, safe integers and null.

    For that domain, Python's sorted, compact, non-ASCII-escaping encoder produces exactly the
    JCS bytes (tests compare it with the `rfc8785` package) at a fifth of the cost.
    """
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        raise MalformedRecord("a string holds a lone surrogate: not valid Unicode") from None


@functools.lru_cache(maxsize=4096)
def parse_time(value: str) -> int:
    """Unix seconds of an already-validated `YYYY-MM-DDTHH:MM:SSZ` string."""
    try:
        year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
        hour, minute, second = int(value[11:13]), int(value[14:16]), int(value[17:19])
        if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
            raise ValueError
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError
    except ValueError:
        raise MalformedRecord(f"not a valid time: {value!r}") from None
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


LEDGER_ZONE = ZoneInfo("Europe/Paris")  # the currency's civil time (a cashier's day)


def ledger_date(unix: int) -> str:
    """The `YYYY-MM-DD` date, in the ledger's time zone, of a moment."""
    return datetime.datetime.fromtimestamp(unix, LEDGER_ZONE).date().isoformat()


def date_bounds(date: str) -> tuple[int, int]:
    """The first moment of `date` in the ledger's time zone and that of the day after."""
    day = datetime.date.fromisoformat(date)
    start, end = (
        datetime.datetime.combine(d, datetime.time(), LEDGER_ZONE)
        for d in (day, day + datetime.timedelta(days=1))
    )
    return int(start.timestamp()), int(end.timestamp())


def format_time(unix: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def check_record(record: object) -> str:
    """Checks a record's shape against its type's schema and returns the type."""
    if not isinstance(record, dict):
        raise MalformedRecord("the record must be a JSON object")
    record_type = record.get("type")
    schema = SCHEMAS.get(record_type) if isinstance(record_type, str) else None
    if schema is None:
        raise _bad("type", f"unknown record type {record_type!r}")
    if record.keys() != schema.keys():
        missing = sorted(schema.keys() - record.keys())
        extra = sorted(record.keys() - schema.keys())
        raise MalformedRecord(f"wrong fields: missing {missing}, unexpected {extra}")
    for field, check in schema.items():
        check(field, record[field])
    if "created" in schema:
        created = parse_time(record["created"])
        if "expires" in schema:
            expires = parse_time(record["expires"])
            if not 0 < expires - created <= MAX_WINDOW:
                raise _bad("expires", f"must be 1 to {MAX_WINDOW} s after 'created'")
    assert isinstance(record_type, str)
    return record_type


@dataclass(frozen=True, slots=True)
class SignedRecord:
    """A checked record with its signed bytes and signature (not yet verified)."""

    type: str
    record: Mapping[str, Any]
    signed: bytes
    sig: bytes
    id: str  # hex SHA-256 of `signed`, computed once: every step of the write path uses it
    memo: Memo | None = None  # the text the record commits to (ledger.memos), if it came with it

    @property
    def leaf(self) -> bytes:
        return self.signed + self.sig

    @property
    def kid(self) -> str:
        kid: str = self.record["kid"]
        return kid

    def envelope(self) -> dict[str, Any]:
        envelope = {"alg": "Ed25519", "record": dict(self.record), "sig": b64url_encode(self.sig)}
        if self.memo is not None:
            envelope["memo"] = self.memo.envelope()
        return envelope


def signed_bytes(record: Mapping[str, object]) -> bytes:
    record_type = check_record(record)
    return _PREFIXES[record_type] + canonical_json(record)


def make_signed(record: Mapping[str, object], sig: bytes, memo: Memo | None = None) -> SignedRecord:
    record = dict(record)
    record_type = check_record(record)
    if len(sig) != SIG_LEN:
        raise MalformedRecord("the signature must be 64 bytes")
    if "memo" in record and record["memo"] != commitment(memo):
        raise MalformedRecord("the memo does not match the record's commitment", field="memo")
    signed = _PREFIXES[record_type] + canonical_json(record)
    return SignedRecord(
        record_type, MappingProxyType(record), signed, sig, hashlib.sha256(signed).hexdigest(), memo
    )


def parse_envelope(envelope: object) -> SignedRecord:
    """An envelope `{"alg": "Ed25519", "record": {...}, "sig": "<base64url>"}`, shape-checked,
    with `"memo": {"text", "salt"}` beside when the record commits to one (ledger.memos)."""
    if not isinstance(envelope, dict) or not (_ENVELOPE <= envelope.keys() <= _ENVELOPE | {"memo"}):
        raise MalformedRecord("the envelope must have 'alg', 'record', 'sig' and only a 'memo'")
    if envelope["alg"] != "Ed25519":
        raise MalformedRecord("alg must be 'Ed25519'")
    if not isinstance(envelope["sig"], str):
        raise MalformedRecord("sig must be a base64url string")
    if not isinstance(envelope["record"], dict):
        raise MalformedRecord("record must be a JSON object")
    memo = parse_memo(envelope.get("memo"), envelope["record"].get("memo", ""))
    return make_signed(envelope["record"], b64url_decode(envelope["sig"]), memo)


_ENVELOPE = {"alg", "record", "sig"}


def parse_leaf(leaf: bytes) -> SignedRecord:
    """A log leaf (signed bytes ‖ signature) back into a record; rejects any non-canonical byte."""
    if len(leaf) <= SIG_LEN:
        raise MalformedRecord("leaf too short")
    signed, sig = leaf[:-SIG_LEN], leaf[-SIG_LEN:]
    newline = signed.find(b"\n")
    record_type = _TYPE_OF_PREFIX.get(signed[: newline + 1]) if newline > 0 else None
    if record_type is None or record_type == "receipt":
        raise MalformedRecord("unknown record prefix")
    try:
        record = json.loads(signed[newline + 1 :])
    except (ValueError, UnicodeDecodeError):
        raise MalformedRecord("the record is not valid JSON") from None
    if check_record(record) != record_type:
        raise MalformedRecord("the record type does not match its prefix")
    if canonical_json(record) != signed[newline + 1 :]:
        raise NotCanonical("the signed bytes are not canonical JSON")
    return SignedRecord(
        record_type, MappingProxyType(record), signed, sig, hashlib.sha256(signed).hexdigest()
    )


def sign_record(
    record: Mapping[str, object], key: SigningKey, memo: Memo | None = None
) -> SignedRecord:
    """Signs a record with `key` (whose kid the record must name)."""
    if record.get("kid") != key.kid:
        raise MalformedRecord("the record's kid is not the signing key's")
    return make_signed(record, key.sign(signed_bytes(record)), memo)


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def operation(
    record_type: str,
    *,
    key: SigningKey,
    host: str,
    currency: str,
    now: int,
    memo: str = "",
    validity: int = MAX_WINDOW,
    nonce: str | None = None,
    **fields: object,
) -> SignedRecord:
    """A signed operation record (transfer, conversion, ...), as a client device makes one;
    a `memo` goes beside the record, which signs its commitment (ledger.memos)."""
    text = new_memo(memo)
    record: dict[str, object] = {
        "v": 1,
        "type": record_type,
        "ledger": host,
        "currency": currency,
        "nonce": nonce or new_nonce(),
        "kid": key.kid,
        "created": format_time(now),
        "expires": format_time(now + validity),
        "memo": commitment(text),
    }
    record.update({("from" if k == "from_" else k): v for k, v in fields.items()})
    return sign_record(record, key, text)
