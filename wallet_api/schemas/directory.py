"""The public merchant directory."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import Out


class ListingOut(Out):
    account: str = Field(description="the account to pay (`/M/<account>` opens the pay screen)")
    name: str
    activity: str
    address: str
    latitude_e6: int | None = Field(description="microdegrees, as the association confirmed")
    longitude_e6: int | None


class DirectoryOut(Out):
    activity: str | None
    activities: list[str] = Field(description="every activity listed, for the search")
    merchants: list[ListingOut]
