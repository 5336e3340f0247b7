"""An account as its holder (or the public, for a shop) sees it: balance, payee, history, own
entries with their proofs, and how to top it up by bank transfer; a resident's account opened
at the office, and recovered there."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from wallet_api.schemas.common import In, Out


class AccountOut(Out):
    number: str
    kind: str
    name: str | None
    currency: str
    status: str
    balance: int | None = Field(description="cents; only for the holder's own devices")


class PayeeOut(Out):
    """Who an account number belongs to, as a payer must see it before paying (verification of
    payee): a shop's or the association's public name, a resident's first name and initial."""

    number: str
    kind: str
    name: str | None = Field(description="`Camille M.` for a resident; a shop's public name")
    status: str


class HistoryItemOut(Out):
    entry: int
    transfer: str
    type: str
    direction: str
    counterpart: str
    amount: int
    accepted: str
    memo: str
    ref: str | None
    counterpart_name: str | None = Field(
        default=None, description="the counterpart's name (a person, a shop, an office)"
    )
    method: str | None = Field(default=None, description="a conversion's: `cash` or `bank`")
    office: str | None = Field(default=None, description="the exchange office, if any")
    office_name: str | None = None


class HistoryOut(Out):
    items: list[HistoryItemOut]
    next_cursor: int | None


class OwnEntryOut(Out):
    index: int
    type: str
    leaf: str = Field(description="base64 of the entry's leaf: signed bytes, then signature")
    proof: list[str] = Field(description="hex RFC 9162 inclusion proof in the checkpoint's tree")


class OwnEntriesOut(Out):
    checkpoint: str = Field(description="the signed checkpoint note the proofs lead to")
    size: int
    entries: list[OwnEntryOut]
    next_cursor: int | None


class TopUpOut(BaseModel):
    account: str
    beneficiary: str
    iban: str
    bic: str | None
    reference: str
    amount: int | None
    currency: str
    epc_payload: str


class AccountDeviceOut(Out):
    kid: str
    role: str
    label: str | None = Field(description="the name it was enrolled with (`porte-monnaie (web)`)")
    status: str = Field(description="`active` or `revoked`")
    enrolled: str = Field(description="when its enrolment was accepted into the log (UTC)")
    last_used: str | None = Field(
        description="its latest sign-in (UTC, to within two minutes), null if none"
    )


class AccountDevicesOut(Out):
    account: str
    devices: list[AccountDeviceOut] = Field(description="newest enrolment first")


class DeviceRevokedOut(Out):
    account: str
    kid: str
    status: str


class LostPhoneOut(Out):
    account: str
    revoked: list[str] = Field(description="the keys revoked, oldest enrolment first")
    enrolment_code: str = Field(description="one-time code for the new phone (`POST /v1/devices`)")
    expires: str = Field(description="when the code expires unused (UTC)")


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 .()-]{4,22}[0-9]$")
# a word of five digits or more, or of eight characters or more mixing letters and digits,
# looks like a document's number (a French identity card's is nine, such as X4RTBPFW4)
DOCUMENT_NUMBER = re.compile(r"\b(?:(?=\w*(?:\d\w*){5})\w+|(?=\w*\d)(?=\w*[^\W\d_])\w{8,})")


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split()))


class OpenAccountIn(In):
    kind: Literal["resident"] = Field(description="merchants apply through `/v1/merchants`")
    name: str = Field(max_length=400, description="the holder's name, 1 to 140 characters")
    contact: str | None = Field(
        default=None, max_length=254, description="an email address or a phone number"
    )
    consent: bool = Field(
        default=False, description="the member accepted the privacy notice (required: true)"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        name = _text(value)
        if not 1 <= len(name) <= 140:
            raise ValueError("a name has 1 to 140 characters")
        return name

    @field_validator("contact")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        contact = _text(value or "")
        if not contact:
            return None
        if EMAIL.match(contact) or (
            PHONE.match(contact) and sum(c.isdigit() for c in contact) >= 6
        ):
            return contact
        raise ValueError("a contact is an email address or a phone number")


class EnrolmentOut(Out):
    code: str = Field(description="one-time code of the member's phone (`POST /v1/devices`)")
    expires_at: str = Field(description="when the code expires unused (UTC), 15 minutes on")
    url: str = Field(description="the wallet's address that enrols with it (`/E/{code}`)")


class OpenedAccountOut(Out):
    number: str
    enrolment: EnrolmentOut
    recovery_code: str = Field(
        description="the printed recovery code, shown once: it enrols a phone with no office "
        "(`POST /v1/devices`), revoking every other key of the account"
    )


class RecoveryCodeOut(Out):
    account: str
    recovery_code: str = Field(description="shown once, to print; it replaces any previous one")
    issued: str = Field(description="when it was issued (UTC)")


class RecoveryStatusOut(Out):
    account: str
    issued: str | None = Field(description="when the usable recovery code was issued, or null")


class RecoveryRevokedOut(Out):
    account: str
    revoked: bool = Field(description="whether there was a usable recovery code")


IdentityDocument = Literal["identity-card", "passport", "residence-permit", "other"]


class RecoverIn(In):
    identity_check: IdentityDocument = Field(description="the kind of document seen")
    note: str | None = Field(
        default=None, max_length=140, description="never the document's number"
    )

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        note = _text(value or "")
        if DOCUMENT_NUMBER.search(note):
            raise ValueError("a note never holds the document's number")
        return note or None


class RecoveredOut(Out):
    account: str
    revoked: list[str] = Field(description="the keys revoked, oldest enrolment first")
    enrolment: EnrolmentOut
