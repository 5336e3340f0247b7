"""An account as its holder (or the public, for a shop) sees it: balance, payee, history, own
entries with their proofs, and how to top it up by bank transfer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from wallet_api.schemas.common import Out


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
