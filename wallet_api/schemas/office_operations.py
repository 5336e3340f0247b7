"""An exchange office's signed operation (its body is a signed envelope) and the entry it made."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

OPERATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["alg", "record", "sig"],
    "additionalProperties": False,
    "properties": {
        "alg": {"const": "Ed25519"},
        "record": {
            "type": "object",
            "description": "a `conversion` (method `cash`), `paper_issue`, `paper_exchange` "
            "or `deposit` record (FORMATS.md §3, §5), signed by an agent of the office",
        },
        "sig": {"type": "string", "description": "base64url Ed25519 signature"},
    },
}


class OfficeOperationOut(BaseModel):
    entry: int
    record_id: str
    type: str
    office: str
    amount: int
    to: str | None
    reserve: str | None
    accepted: str
