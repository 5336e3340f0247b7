"""The public totals, and the twelve months of the public transparency page."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import LatestStatementOut, Out


class PublicMonthOut(Out):
    month: str = Field(description="YYYY-MM, Europe/Paris")
    partial: bool = Field(description="the current month, so far")
    circulation: int = Field(description="cents in circulation at the month's end")
    backing: int = Field(description="backing euros (cents) at the month's end")
    coverage_bp: int | None
    payments: int = Field(description="digital payments accepted in the month")
    payments_total: int | None = Field(
        description="their total in cents; null when fewer than `min_payments`"
    )


class TransparencyOut(Out):
    circulation: int
    circulation_digital: int
    circulation_paper: int
    backing: int
    coverage_bp: int | None
    payouts_payable: int
    holders: dict[str, int]
    latest_statement: LatestStatementOut | None
    latest_note: str | None
    residents: int = Field(description="open resident accounts")
    merchants: int = Field(description="open merchant accounts")
    approved_merchants: int
    min_payments: int = Field(description="a month's total is shown from this many payments")
    months: list[PublicMonthOut] = Field(description="the last twelve months, oldest first")
