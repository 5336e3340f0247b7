"""An auditor's key and its read-only window, as the treasurer opens and closes it."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import In, Out


class GrantIn(In):
    days: int = Field(ge=1, le=366, description="the window's length from now, in days")


class AuditorOut(Out):
    kid: str
    label: str | None
    status: str = Field(description="the key's: active or revoked")
    granted: str | None = Field(description="RFC 3339 UTC; null if no window is open")
    expires: str | None
    open: bool = Field(description="the key may read now")
