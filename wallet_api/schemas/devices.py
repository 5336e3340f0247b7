"""A device's enrolment and revocation."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import In, Out


class DeviceIn(In):
    enrolment_code: str = Field(min_length=1, max_length=40)
    public_key: str = Field(pattern="^[0-9a-f]{64}$")
    label: str | None = Field(default=None, max_length=80)


class DeviceOut(Out):
    kid: str
    account: str
    role: str
    revoked: list[str] = Field(
        default_factory=list, description="the keys a recovery code revoked (none otherwise)"
    )


class RevokedOut(Out):
    kid: str
    status: str
