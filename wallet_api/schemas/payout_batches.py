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
