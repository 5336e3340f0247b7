"""Signing in: a challenge, signed by the device's key, for a bearer token."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import In, Out


class ChallengeIn(In):
    kid: str = Field(pattern="^[0-9a-f]{8}$")


class ChallengeOut(Out):
    challenge: str


class TokenIn(In):
    kid: str = Field(pattern="^[0-9a-f]{8}$")
    challenge: str = Field(min_length=1, max_length=64)
    sig: str = Field(min_length=1, max_length=100)


class TokenOut(Out):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
