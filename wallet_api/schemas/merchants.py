"""A merchant's application and profile, and its business days: statements, closing, and a
CAE's consolidated view."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wallet_api.schemas.common import In, Out


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
    decision: str = Field(description="`pending`, `approved` or `refused`")
    applied: str = Field(description="when the application was registered")
    refusal_reason: str | None
    latitude_e6: int | None = Field(description="the map's latitude, in microdegrees")
    longitude_e6: int | None = Field(description="the map's longitude, in microdegrees")


class ApplicationOut(Out):
    account: str
    legal_name: str
    kind: str
    activity: str
    address: str
    applied: str
    decision: str
    refusal_reason: str | None


class ApplicationsOut(Out):
    status: str
    applications: list[ApplicationOut]


class RefusalIn(In):
    reason: str = Field(min_length=1, max_length=280, description="said to the applicant")


class CardIn(In):
    """The fields to change; those left out stay as they are."""

    address: str | None = Field(default=None, min_length=1, max_length=1000)
    activity: str | None = Field(default=None, min_length=1, max_length=140)
    iban: str | None = Field(default=None, min_length=15, max_length=64)
    bic: str | None = Field(default=None, max_length=20)
    closing_minutes: int | None = Field(default=None, ge=0, le=1439)
    latitude_e6: int | None = Field(default=None, ge=-90_000_000, le=90_000_000)
    longitude_e6: int | None = Field(default=None, ge=-180_000_000, le=180_000_000)
    clear_position: bool = Field(default=False, description="remove the map's coordinates")


class CardOut(Out):
    merchant: MerchantOut
    changed: dict[str, Any] = Field(description="each field changed: `from` and `to`")


class TillKeyOut(Out):
    kid: str
    label: str | None
    status: str
    refund_limit: int | None = Field(description="cents a day, signed in the till's key record")
    enrolled: str


class TillsOut(Out):
    account: str
    tills: list[TillKeyOut]


class TillCodeIn(In):
    refund_limit: int = Field(ge=0, le=10**9, description="cents a day")


class TillCodeOut(Out):
    account: str
    enrolment_code: str
    refund_limit: int


class MembershipIn(In):
    paid_until: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


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


class MonthDayOut(Out):
    date: str
    count: int
    credits: int
    refunds: int
    net: int
    closed_entry: int | None = Field(description="the régie's signed `day` record, once closed")
    receipts_root: str


class MonthReconversionOut(Out):
    entry: int
    requested: str
    amount: int = Field(description="units taken out of the account")
    fee: int
    net: int = Field(description="euros paid out (or to be paid) to the régie")
    batch: int | None
    status: str = Field(description="`waiting`, `approved` (in a batch) or `executed`")


class MonthOut(Out):
    account: str
    name: str
    month: str
    complete: bool = Field(description="false while the month is under way")
    start: str
    end: str
    opening: int = Field(description="the balance at the first business day's start")
    days: list[MonthDayOut]
    count: int
    credits: int
    refunds: int
    net: int
    reconversions: list[MonthReconversionOut]
    reconverted: int
    paid_out: int
    other: int = Field(description="closing − opening − net + reconverted")
    closing: int = Field(description="the balance at the last business day's end")
    first_entry: int | None
    last_entry: int | None
    log_size: int = Field(description="the log's size when the statement was read")
    receipts_root: str = Field(description="RFC 9162 root over the month's receipts")
