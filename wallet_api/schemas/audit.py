"""The access log and the acts, as the treasurer and auditors read them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VisitOut(BaseModel):
    kid: str
    at: str  # RFC 3339 UTC
    method: str
    path: str
    status: int


class ActOut(BaseModel):
    id: int
    at: str  # RFC 3339 UTC
    actor: str = Field(description="`key <kid> (<role>)`, `shell:<user>` or `server`")
    act: str
    subject: str
    detail: dict[str, object]
