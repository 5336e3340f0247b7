"""A batch of the treasurer's signed payouts, paid by one SEPA file."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wallet_api.schemas.common import In, Out


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


class BatchSummaryOut(Out):
    id: int
    message_id: str
    status: str = Field(description="`approved` (to send to the bank) or `executed`")
    count: int
    total: int = Field(description="cents paid by the batch's file")
    created: str = Field(description="when the treasurer approved it (RFC 3339)")
    executed: str | None = Field(description="when it was marked sent and executed")


class BatchesOut(Out):
    batches: list[BatchSummaryOut] = Field(description="newest first")
    next_before: int | None = Field(
        description="`before` for the next (older) page, null on the last page"
    )
