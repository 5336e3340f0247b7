"""Memos: the free text a payer types, kept beside the log so that it can be erased.

A signed record's `memo` field holds no text: it is `""` or the memo's commitment, the hex
SHA-256 of `"SOU-MEMO-V1\\n"` ‖ a 16-byte random salt ‖ the text in UTF-8. The envelope
carries the text and the salt beside the record (`"memo": {"text": …, "salt": …}`); the
service checks them against the commitment and keeps them in the `memos` table, not in the
log. Erasing a memo deletes that row: the signed record, its leaf and every proof stay valid,
and without the salt the commitment tells nothing about the text, however short it was.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

from ledger.errors import MalformedRecord
from ledger.signing import b64url_decode, b64url_encode

MAX_TEXT = 140
PREFIX = b"SOU-MEMO-V1\n"
SALT_LEN = 16


def check_text(field: str, value: object) -> None:
    """Free text in a record or beside it: NFC, at most 140 characters, no control character."""
    if type(value) is not str:
        raise MalformedRecord(f"field '{field}': must be a string", field=field)
    if len(value) > MAX_TEXT:
        raise MalformedRecord(f"field '{field}': at most {MAX_TEXT} characters", field=field)
    if not unicodedata.is_normalized("NFC", value):
        raise MalformedRecord(f"field '{field}': must be NFC-normalised text", field=field)
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in value):
        raise MalformedRecord(
            f"field '{field}': must not contain control characters or lone surrogates",
            field=field,
        )


@dataclass(frozen=True, slots=True)
class Memo:
    text: str
    salt: bytes

    @property
    def commitment(self) -> str:
        return hashlib.sha256(PREFIX + self.salt + self.text.encode()).hexdigest()

    def envelope(self) -> dict[str, str]:
        return {"text": self.text, "salt": b64url_encode(self.salt)}


def new_memo(text: str) -> Memo | None:
    """A memo with a fresh salt, or None for no text (the record's `memo` is then `""`)."""
    if not text:
        return None
    check_text("memo", text)
    return Memo(text, secrets.token_bytes(SALT_LEN))


def commitment(memo: Memo | None) -> str:
    return memo.commitment if memo is not None else ""


def parse_memo(value: object, committed: object) -> Memo | None:
    """The memo of an envelope, checked against the record's `memo` commitment."""
    if value is None:
        if committed != "":
            raise MalformedRecord("the record commits to a memo that the envelope does not carry")
        return None
    if not isinstance(value, dict) or value.keys() != {"text", "salt"}:
        raise MalformedRecord("memo must be an object with exactly 'text' and 'salt'")
    text, salt = value["text"], value["salt"]
    check_text("memo", text)
    if not text:
        raise MalformedRecord('an empty memo is sent as no memo, with the record\'s memo ""')
    if not isinstance(salt, str):
        raise MalformedRecord("memo.salt must be a base64url string")
    memo = Memo(text, b64url_decode(salt))
    if len(memo.salt) != SALT_LEN:
        raise MalformedRecord(f"memo.salt must be {SALT_LEN} bytes")
    if memo.commitment != committed:
        raise MalformedRecord("the memo does not match the record's commitment", field="memo")
    return memo
