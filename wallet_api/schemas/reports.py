"""The pilot's evaluation report."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MonthOut(BaseModel):
    month: str
    active_residents: int
    active_merchants: int
    payments: int
    volume: int
    merchant_to_merchant: int
    merchant_share_bp: int | None
    received_by_merchants: int
    reconverted: int
    reconversion_rate_bp: int | None
    average_circulation: int
    velocity_bp: int | None
    partial: bool = Field(
        description="the ledger began after the month's first day or the month is still running"
    )


class CriterionOut(BaseModel):
    name: str
    target: int
    at_least: bool
    month: str | None
    value: int | None
    met: bool | None


class PilotOut(BaseModel):
    end: str | None
    days_left: int | None
    criteria: list[CriterionOut]


class EvaluationOut(BaseModel):
    currency: str
    generated: str
    months: list[MonthOut]
    pilot: PilotOut
