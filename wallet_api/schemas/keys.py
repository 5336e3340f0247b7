"""A device key as a verifier sees it."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import Out


class KeyOut(Out):
    kid: str
    account: str | None = Field(description="null unless a shop's key or the caller may know")
    role: str | None = Field(description="null unless a shop's key or the caller may know")
    status: str
    public_key: str
