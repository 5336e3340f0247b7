"""Signed records: their canonical bytes, their envelope, their id, and their typed body.

Every change of state is a record signed by the key that authorised it. The signed bytes are
`"SOU-<TYPE>-V1\\n"` followed by the RFC 8785 canonical JSON of the record; the record id is
the SHA-256 of those bytes, and the log's leaf is those bytes followed by the 64-byte
signature. This module checks a record's shape against its type's schema and builds its
typed body, once (`ledger.domain`: each type's module holds its schema and its rules; who
may sign what, and what it does to balances, is judged by `ledger.rules`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ledger.domain.enums import RecordType
from ledger.domain.fields import MAX_AMOUNT as MAX_AMOUNT
from ledger.domain.fields import MAX_SAFE_INT as MAX_SAFE_INT
from ledger.domain.fields import MAX_WINDOW as MAX_WINDOW
from ledger.domain.fields import bad
from ledger.domain.frozen import frozen
from ledger.domain.kind import Record
from ledger.domain.registry import KINDS, Kind
from ledger.domain.timestamps import date_bounds as date_bounds
from ledger.domain.timestamps import format_time as format_time
from ledger.domain.timestamps import ledger_date as ledger_date
from ledger.domain.timestamps import parse_time as parse_time
from ledger.errors import MalformedRecord, NotCanonical
from ledger.memos import Memo, commitment, new_memo, parse_memo
from ledger.signing import SigningKey, b64url_decode, b64url_encode

# (The limits and the time helpers imported `as` themselves above are imported from here by
# the other packages: their home is `ledger.domain`.)
SIG_LEN = 64

_PREFIXES = {
    t: f"SOU-{t.upper().replace('_', '-')}-V1\n".encode() for t in (*RecordType, "receipt")
}
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


def check_record(record: object) -> str:
    """Checks a record's shape against its type's schema and returns the type."""
    return _checked_kind(record).type


def _checked_kind(record: object) -> Kind:
    if not isinstance(record, dict):
        raise MalformedRecord("the record must be a JSON object")
    record_type = record.get("type")
    kind = KINDS.get(record_type) if isinstance(record_type, str) else None
    if kind is None:
        raise bad("type", f"unknown record type {record_type!r}")
    schema = kind.schema
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
                raise bad("expires", f"must be 1 to {MAX_WINDOW} s after 'created'")
    return kind


@frozen
class SignedRecord:
    """A checked record with its signed bytes and signature (not yet verified); made for each
    payment, hence `frozen` (to the type checker) rather than a frozen dataclass."""

    type: RecordType
    record: Mapping[str, Any]  # the fields as signed (what the other packages read)
    signed: bytes
    sig: bytes
    id: str  # hex SHA-256 of `signed`, computed once: every step of the write path uses it
    body: Record  # the typed fields (ledger.domain), built once: what the rules read
    memo: Memo | None = None  # the text the record commits to (ledger.memos), if it came with it

    @property
    def leaf(self) -> bytes:
        return self.signed + self.sig

    @property
    def kid(self) -> str:
        return self.body.kid

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
    kind = _checked_kind(record)
    if len(sig) != SIG_LEN:
        raise MalformedRecord("the signature must be 64 bytes")
    if "memo" in record and record["memo"] != commitment(memo):
        raise MalformedRecord("the memo does not match the record's commitment", field="memo")
    signed = _PREFIXES[kind.type] + canonical_json(record)
    digest = hashlib.sha256(signed).hexdigest()
    body = kind.parse(record)
    return SignedRecord(kind.type, MappingProxyType(record), signed, sig, digest, body, memo)


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
    kind = _checked_kind(record)
    if kind.type != record_type:
        raise MalformedRecord("the record type does not match its prefix")
    if canonical_json(record) != signed[newline + 1 :]:
        raise NotCanonical("the signed bytes are not canonical JSON")
    digest = hashlib.sha256(signed).hexdigest()
    return SignedRecord(
        kind.type, MappingProxyType(record), signed, sig, digest, kind.parse(record)
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
