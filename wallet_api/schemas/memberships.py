"""Membership: the yearly fees, a member's payments and status, reminders, the setting."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from wallet_api.schemas.common import In, Out

Category = Literal["resident", "merchant", "reduced"]
Year = Field(ge=2000, le=2100, description="the membership year")
Cents = Field(default=None, ge=1, le=2**31 - 1, description="euro cents")


class FeesIn(In):
    year: int = Year
    resident: int | None = Cents
    merchant: int | None = Cents
    reduced: int | None = Cents


class FeeOut(Out):
    year: int
    category: str
    amount: int = Field(description="euro cents")


class PaymentIn(In):
    account: int = Field(ge=1, le=2**63 - 1)
    year: int = Year
    category: Category
    method: Literal["euros", "currency"] = Field(
        description="euros: cash or card at the office; currency: a transfer already made"
    )
    entry: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="for the currency: the entry of the member's transfer to the association "
        "(none: their latest payment of the fee to it that no membership has used)",
    )


class PaymentOut(Out):
    receipt: int = Field(description="the payment's number, its receipt's")
    account: str
    year: int
    category: str
    amount: int = Field(description="euro cents")
    method: str
    entry: int | None
    office: str | None
    at: str
    by: str
    receipt_url: str


class StandingOut(Out):
    account: str
    year: int
    status: str = Field(description="up-to-date, lapsed or never")
    last_paid: int | None = Field(description="the last year paid")
    payments: list[PaymentOut]


class MemberOut(Out):
    account: str
    kind: str
    name: str | None
    contact: str | None
    status: str
    last_paid: int | None


class SettingsIn(In):
    refuse_conversions_to_lapsed: bool


class SettingsOut(Out):
    refuse_conversions_to_lapsed: bool = Field(
        description="an office refuses conversions to a resident whose fee is lapsed"
    )
