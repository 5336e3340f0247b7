"""EPC QR codes (EPC069-12, "SEPA credit transfer" QR, version 002) for top-ups by bank transfer.

A member scans the code with their banking app, which fills in a credit transfer to the reserve
account with the member's creditor reference. The payload is twelve fields at most, one per
line, separated by LF with no trailing separator and trailing empty fields left out: ``BCD``,
version ``002``, character set ``1`` (UTF-8), ``SCT``, BIC (optional in version 002), beneficiary
name (≤ 70), IBAN, amount ``EUR12.50`` (or empty: the member types it), purpose code (4 letters,
optional), structured reference (an ISO 11649 RF reference) *or* unstructured remittance
(≤ 140), and a note to the payer (≤ 70); at most 331 bytes. The image is made with `qrcode`,
error correction M as the EPC guideline requires, in byte mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from association.errors import InvalidCreditorReference, InvalidIban, InvalidPaymentCode
from association.iban import check_iban
from association.rf import check_rf
from merchants.qr import qr_png, qr_svg

__all__ = ["MAX_PAYLOAD_BYTES", "TransferCode", "epc_payload", "epc_qr_png", "epc_qr_svg"]

MAX_PAYLOAD_BYTES = 331
MAX_AMOUNT = 999_999_999_99
_BIC_RE = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", re.ASCII)
_PURPOSE_RE = re.compile(r"[A-Z0-9]{4}", re.ASCII)


def _text(value: str, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidPaymentCode(f"the {what} is text")
    if any(c < " " or c == "\x7f" for c in value):
        raise InvalidPaymentCode(f"the {what} has control characters or line breaks")
    if len(value) > limit:
        raise InvalidPaymentCode(f"the {what} is longer than {limit} characters")
    return value


@dataclass(frozen=True)
class TransferCode:
    """What an EPC QR code asks the payer's bank to do. ``amount`` is cents, or None."""

    name: str
    iban: str
    amount: int | None = None
    reference: str | None = None
    remittance: str | None = None
    bic: str | None = None
    purpose: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        name = _text(self.name, "beneficiary name", 70).strip()
        if not name:
            raise InvalidPaymentCode("the beneficiary name is required")
        object.__setattr__(self, "name", name)
        try:
            object.__setattr__(self, "iban", check_iban(self.iban))
        except InvalidIban as exc:
            raise InvalidPaymentCode(exc.message) from exc
        if self.amount is not None and (
            isinstance(self.amount, bool)
            or not isinstance(self.amount, int)
            or not 1 <= self.amount <= MAX_AMOUNT
        ):
            raise InvalidPaymentCode("the amount is whole cents from EUR0.01 to EUR999999999.99")
        if self.reference is not None and self.remittance is not None:
            raise InvalidPaymentCode("a structured reference excludes a remittance text")
        if self.reference is not None:
            try:
                object.__setattr__(self, "reference", check_rf(self.reference))
            except InvalidCreditorReference as exc:
                raise InvalidPaymentCode(exc.message) from exc
        if self.remittance is not None:
            _text(self.remittance, "remittance text", 140)
        if self.bic is not None and not _BIC_RE.fullmatch(self.bic):
            raise InvalidPaymentCode(f"not a BIC: {self.bic!r}")
        if self.purpose is not None and not _PURPOSE_RE.fullmatch(self.purpose):
            raise InvalidPaymentCode(f"not an ISO 20022 purpose code: {self.purpose!r}")
        if self.note is not None:
            _text(self.note, "note to the payer", 70)


def _amount(cents: int | None) -> str:
    if cents is None:
        return ""
    units, rest = divmod(cents, 100)
    return f"EUR{units}.{rest:02d}"


def epc_payload(code: TransferCode) -> str:
    """The EPC069-12 payload text (LF-separated, ≤ 331 bytes in UTF-8)."""
    fields = [
        "BCD",
        "002",
        "1",
        "SCT",
        code.bic or "",
        code.name,
        code.iban,
        _amount(code.amount),
        code.purpose or "",
        code.reference or "",
        code.remittance or "",
        code.note or "",
    ]
    while not fields[-1]:
        fields.pop()
    payload = "\n".join(fields)
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise InvalidPaymentCode(f"the payload is longer than {MAX_PAYLOAD_BYTES} bytes")
    return payload


def epc_qr_png(code: TransferCode) -> bytes:
    # Byte mode for the whole payload: EPC readers expect the UTF-8 bytes as they are.
    return qr_png(epc_payload(code).encode("utf-8"))


def epc_qr_svg(code: TransferCode) -> bytes:
    return qr_svg(epc_payload(code).encode("utf-8"))
