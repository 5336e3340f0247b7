"""A till's payment request and its status."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wallet_api.schemas.common import In, Out


class PaymentRequestIn(In):
    pr: str = Field(min_length=1, max_length=200, description="unpadded base32 of the request")


class PaymentRequestOut(Out):
    payreq: str
    status: str
    merchant: str
    amount: int
    expires: str
    receipt: dict[str, Any] | None
