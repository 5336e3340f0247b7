"""Wire schemas (pydantic) of the HTTP API, separate from the tables and the domain."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LedgerOut(Out):
    host: str
    currency: str
    unit_name: str
    ledger_key: str
    checkpoint_verifier: str


class InclusionOut(Out):
    entry: int
    size: int
    path: list[str]


class ConsistencyOut(Out):
    old: int
    new: int
    proof: list[str]


class EntryOut(Out):
    index: int
    type: str
    leaf: str
    record: dict[str, Any]


class EntriesOut(Out):
    entries: list[EntryOut]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DeviceIn(In):
    enrolment_code: str = Field(min_length=1, max_length=40)
    public_key: str = Field(pattern="^[0-9a-f]{64}$")
    label: str | None = Field(default=None, max_length=80)


class DeviceOut(Out):
    kid: str
    account: str
    role: str


class ChallengeIn(In):
    kid: str = Field(pattern="^[0-9a-f]{8}$")


class ChallengeOut(Out):
    challenge: str


class TokenIn(In):
    kid: str = Field(pattern="^[0-9a-f]{8}$")
    challenge: str = Field(min_length=1, max_length=64)
    sig: str = Field(min_length=1, max_length=100)


class TokenOut(Out):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class AccountOut(Out):
    number: str
    kind: str
    name: str | None
    currency: str
    status: str
    balance: int | None = Field(description="cents; only for the holder's own devices")


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


class HistoryOut(Out):
    items: list[HistoryItemOut]
    next_cursor: int | None


class PaymentRequestIn(In):
    pr: str = Field(min_length=1, max_length=200, description="unpadded base32 of the request")


class PaymentRequestOut(Out):
    payreq: str
    status: str
    merchant: str
    amount: int
    expires: str
    receipt: dict[str, Any] | None


class RevokedOut(Out):
    kid: str
    status: str
