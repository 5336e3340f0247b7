"""The association's volunteers' keys (office agents, treasurers) as the treasurer sees them,
and a one-time code that enrols a new volunteer's device."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from wallet_api.schemas.common import In, Out


class VolunteerOut(Out):
    kid: str
    role: str
    account: str = Field(description="the office's cash account, or the association's")
    place: str = Field(description="the office's name, or the association's account")
    label: str | None
    status: str
    enrolled: str
    last_used: str | None


class VolunteerCodeIn(In):
    role: Literal["agent", "treasurer"]
    office: int | None = Field(default=None, ge=1, description="an agent's office (account)")


class VolunteerCodeOut(Out):
    role: str
    account: str
    enrolment_code: str
    expires: str
