"""Receipts: the ledger's signed word that a transfer was accepted at a place in the log.

A receipt is not a log entry: Ed25519 signatures are deterministic, so the same receipt can
be made again, byte for byte, for a retried transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.records import canonical_json, format_time, prefix
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


def receipt_bytes(
    transfer: dict[str, Any] | Any, *, transfer_id: str, entry: int, accepted: int
) -> bytes:
    """The signed bytes of a transfer's receipt (what a day's `receipts_root` is made of)."""
    record = receipt_record(transfer, transfer_id=transfer_id, entry=entry, accepted=accepted)
    return prefix("receipt") + canonical_json(record)


def verify_receipt(receipt: Receipt, *, ledger_key: bytes) -> None:
    verify(ledger_key, receipt.signed, receipt.sig)
