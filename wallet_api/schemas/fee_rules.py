"""The association's reconversion fee for one kind of merchant."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import In, Out


class FeeRuleIn(In):
    rate: int = Field(ge=0, le=500, description="basis points: 250 = 2,50 %")
    minimum: int = Field(default=1, ge=1, le=2**31 - 1, description="cents")
    membership_required: bool = True


class FeeRuleOut(Out):
    kind: str
    rate: int
    minimum: int
    membership_required: bool
