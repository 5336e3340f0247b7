"""Receipts: the ledger's signed word that a transfer was accepted at a place in the log.

A receipt is not a log entry: Ed25519 signatures are deterministic, so the same receipt can
be made again, byte for byte, for a retried transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.records import format_time
from ledger.signing import SigningKey, b64url_encode, verify


@dataclass(frozen=True, slots=True)
class Receipt:
    record: dict[str, Any]
    signed: bytes
    sig: bytes

    def envelope(self) -> dict[str, Any]:
        return {"alg": "Ed25519", "record": self.record, "sig": b64url_encode(self.sig)}


def make_receipt(
    transfer: dict[str, Any] | Any,
    *,
    transfer_id: str,
    entry: int,
    accepted: int,
    key: SigningKey,
) -> Receipt:
    record = receipt_record(transfer, transfer_id=transfer_id, entry=entry, accepted=accepted)
    signed = receipt_bytes(transfer, transfer_id=transfer_id, entry=entry, accepted=accepted)
    return Receipt(record, signed, key.sign(signed))


def receipt_record(
    transfer: dict[str, Any] | Any, *, transfer_id: str, entry: int, accepted: int
) -> dict[str, Any]:
    """The fields of a transfer's receipt; its signed bytes need no key to be made again."""
    return {
        "v": 1,
        "type": "receipt",
        "ledger": transfer["ledger"],
        "transfer": transfer_id,
        "entry": entry,
        "from": transfer["from"],
        "to": transfer["to"],
        "amount": transfer["amount"],
        "currency": transfer["currency"],
        "accepted": format_time(accepted),
        "payreq": transfer["payreq"],
        "ref": transfer["ref"],
    }


# The receipt's canonical JSON, keys in RFC 8785 order. Every value is an integer, null or
# ASCII text that JSON writes as is (host, unit code, account numbers, hex ids, RFC 3339 time),
# so filling this in gives the same bytes as `canonical_json` (a test compares the two); a
# day's statement makes thousands of these, hence bytes formatting rather than a JSON encoder.
_RECEIPT = (
    b'SOU-RECEIPT-V1\n{"accepted":"%s","amount":%d,"currency":"%s","entry":%d,"from":"%s",'
    b'"ledger":"%s","payreq":%s,"ref":%s,"to":"%s","transfer":"%s","type":"receipt","v":1}'
)


def _string_or_null(value: str | None) -> bytes:
    return b"null" if value is None else b'"%s"' % value.encode("ascii")


def receipt_bytes(
    transfer: dict[str, Any] | Any, *, transfer_id: str, entry: int, accepted: int
) -> bytes:
    """The signed bytes of a transfer's receipt (what a day's `receipts_root` is made of)."""
    return _RECEIPT % (
        format_time(accepted).encode("ascii"),
        int(transfer["amount"]),
        transfer["currency"].encode("ascii"),
        int(entry),
        transfer["from"].encode("ascii"),
        transfer["ledger"].encode("ascii"),
        _string_or_null(transfer["payreq"]),
        _string_or_null(transfer["ref"]),
        transfer["to"].encode("ascii"),
        transfer_id.encode("ascii"),
    )


def verify_receipt(receipt: Receipt, *, ledger_key: bytes) -> None:
    verify(ledger_key, receipt.signed, receipt.sig)
