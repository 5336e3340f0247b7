"""What erasing a member's personal data erased."""

from __future__ import annotations

from pydantic import BaseModel


class ErasedOut(BaseModel):
    account: str
    holder: bool
    devices: int
    merchant: bool
    memos: int
    bank_lines: int
