"""Wire schemas (pydantic) of the HTTP API, separate from the tables and the domain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LedgerOut(Out):
    host: str
    currency: str
    unit_name: str
    ledger_key: str
    checkpoint_verifier: str
    source_url: str  # the running version's source code (AGPL-3.0-or-later, section 13)


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


class LeafHashesOut(Out):
    start: int
    hashes: list[str]


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


# --- merchants: business days -----------------------------------------------------------------


class TillOut(Out):
    till: str = Field(description="the kid of the till's key; empty for the printed sticker")
    label: str | None
    payments: int
    credits: int
    refunds: int


class HourOut(Out):
    hour: int = Field(description="local hour (Europe/Paris), 0–23")
    payments: int
    credits: int


class LineOut(Out):
    entry: int
    accepted: str
    direction: str
    amount: int
    counterpart: str
    till: str
    ref: str | None


class DayOut(Out):
    account: str
    date: str
    status: str = Field(description="`open`, or `closed` by a day record in the log")
    closed_entry: int | None
    count: int
    credits: int
    refunds: int
    debits: int
    net: int
    declared: int | None
    difference: int | None = Field(description="declared − net, when a total was declared")
    first_entry: int | None
    last_entry: int | None
    receipts_root: str
    tills: list[TillOut]
    hours: list[HourOut]
    lines: list[LineOut] = Field(description="the day's transfers, with `?lines=true`")


class DayRecordOut(Out):
    record: dict[str, Any] = Field(description="the `day` record to sign with the merchant key")


class DayClosedOut(Out):
    entry: int
    record_id: str
    day: DayOut


class EntrepreneurOut(Out):
    account: str
    analytic_code: str | None
    name: str
    balance: int
    count: int
    credits: int
    refunds: int
    net: int


class ConsolidatedOut(Out):
    cae: str
    date: str
    entrepreneurs: list[EntrepreneurOut]
    balance: int
    count: int
    credits: int
    refunds: int
    net: int


# --- merchants: onboarding and reconversion ---------------------------------------------------


class ApplicationIn(In):
    kind: str = Field(pattern="^(business|cae|local_authority|association)$")
    legal_name: str = Field(min_length=1, max_length=140)
    address: str = Field(min_length=1, max_length=1000)
    activity: str = Field(min_length=1, max_length=140)
    iban: str = Field(min_length=15, max_length=64)
    bic: str | None = Field(default=None, max_length=20)
    parent: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="the CAE, for an entrepreneur"
    )
    analytic_code: str | None = Field(default=None, max_length=20)
    closing_minutes: int = Field(default=0, ge=0, le=1439, description="local end of the day")


class MerchantOut(Out):
    account: str
    kind: str
    parent: str | None
    analytic_code: str | None
    legal_name: str
    address: str
    activity: str
    iban: str
    bic: str | None
    status: str
    closing_minutes: int
    membership_paid_until: str | None


class MembershipIn(In):
    paid_until: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class FeeRuleIn(In):
    rate: int = Field(ge=0, le=500, description="basis points: 250 = 2,50 %")
    minimum: int = Field(default=1, ge=1, le=2**31 - 1, description="cents")
    membership_required: bool = True


class FeeRuleOut(Out):
    kind: str
    rate: int
    minimum: int
    membership_required: bool


class QuoteIn(In):
    account: int = Field(ge=1, le=2**63 - 1)
    amount: int = Field(ge=1, le=2**31 - 1, description="cents to reconvert")


class QuoteOut(Out):
    gross: int
    fee: int
    net: int
    rate: int


class ReconversionOut(Out):
    entry: int
    record_id: str
    account: str
    amount: int
    fee: int
    net: int


class BatchIn(In):
    payouts: list[dict[str, Any]] = Field(
        min_length=1, max_length=500, description="signed `payout` envelopes, one per reconversion"
    )


class BatchOut(Out):
    id: int
    message_id: str
    status: str
    count: int
    total: int


# An account number in a path: bounded by the database's BIGINT, so that an absurd number is
# a validation problem (422), not a database overflow (500).
AccountNumber = Annotated[int, Path(ge=0, le=2**63 - 1, description="an account number")]
