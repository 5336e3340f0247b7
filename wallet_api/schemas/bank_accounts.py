"""The reserve's bank accounts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from wallet_api.schemas.common import LaxIn


class BankAccountIn(LaxIn):
    iban: str = Field(min_length=15, max_length=50)
    reserve: Literal["digital", "paper"]
    label: str = Field(min_length=1, max_length=140)


class BankAccountOut(BaseModel):
    iban: str
    reserve: str
    label: str
    ledger_account: str
