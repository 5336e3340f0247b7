"""What `LedgerReads` (ledger/ports.py) answers: plain frozen values, no SQL.

They live apart from the port so that its implementation (ledger/persistence/reads.py), which
`ledger.context` imports, can build them without importing the port and the context back.
Other packages import them from `ledger.ports`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def _record(signed: bytes) -> dict[str, Any]:
    """The record a signed entry holds (its bytes after the `SOU-<TYPE>-V1` line)."""
    record: dict[str, Any] = json.loads(signed.split(b"\n", 1)[1])
    return record


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """An account as the ledger caches it, with its balance (credits − debits)."""

    number: int
    kind: str
    name: str | None  # a system account's name (`reserve:digital`, `paper`, …), else None
    unit: str
    status: str
    balance: int
    opened_idx: int  # the entry that opened it


@dataclass(frozen=True, slots=True)
class KindTotal:
    accounts: int
    balance: int  # Σ credits − debits of those accounts


@dataclass(frozen=True, slots=True)
class HolderInfo:
    """An account holder's personal data, kept beside the log."""

    name: str
    detail: str | None

    @property
    def contact(self) -> str | None:
        return contact_of(self.detail)


def contact_of(detail: str | None) -> str | None:
    """The contact (an email or a phone) in a holder's `detail`: a JSON object."""
    if not detail:
        return None
    value = json.loads(detail).get("contact")
    return value if isinstance(value, str) else None


def detail_with(detail: str | None, contact: str | None) -> str | None:
    """`detail` with its contact replaced (removed if None); None when nothing is left."""
    fields = json.loads(detail) if detail else {}
    fields.pop("contact", None)
    if contact is not None:
        fields["contact"] = contact
    return json.dumps(fields, ensure_ascii=False, sort_keys=True) if fields else None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    kid: str
    account: int
    role: str
    status: str
    label: str | None  # the device's label, erasable


@dataclass(frozen=True, slots=True)
class PostingLine:
    """One leg of an entry, with what the entry says about it."""

    entry: int
    leg: int
    unit: str
    debit: int
    credit: int
    amount: int
    type: str  # the entry's record type
    accepted: int  # Unix seconds, when the ledger accepted the entry
    signed: bytes | None = None  # the entry's signed bytes, when asked for (`records=True`)

    @property
    def record(self) -> dict[str, Any]:
        assert self.signed is not None, "postings(records=True) reads the records"
        return _record(self.signed)


@dataclass(frozen=True, slots=True)
class EntryInfo:
    index: int
    record_id: str
    type: str
    kid: str
    ref_idx: int | None  # the entry it refers to (a refund's payment)
    accepted: int
    signed: bytes

    @property
    def record(self) -> dict[str, Any]:
        return _record(self.signed)


@dataclass(frozen=True, slots=True)
class PaymentFigures:
    """Payments (`transfer` records that are not refunds) in a span of time."""

    count: int
    volume: int
    merchant_to_merchant: int  # cents paid by a merchant to a merchant
    received_by_merchants: int
    active_residents: int  # resident accounts that paid
    active_merchants: int  # merchant accounts that were paid


@dataclass(frozen=True, slots=True)
class TransferLine:
    """A transfer to or from an account, as its business day lists it."""

    incoming: bool
    entry: int
    counterpart: int
    amount: int
    record_id: str
    kid: str  # the key that signed it
    accepted: int
    payreq: str | None
    ref: str | None  # the record id of the payment a refund gives back
    till: str | None  # the key that signed the payment request it pays
