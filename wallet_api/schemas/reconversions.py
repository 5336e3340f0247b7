"""A merchant's reconversion: the quote, and the reconversion posted (or waiting for payout)."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import In, Out


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
