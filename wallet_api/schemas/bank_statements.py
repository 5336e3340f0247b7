"""The reserve's imported bank statements and what accounts for their lines."""

from __future__ import annotations

from pydantic import BaseModel, Field

from wallet_api.schemas.common import LaxIn, StatementLineOut


class ImportedOut(BaseModel):
    id: int
    iban: str
    lines: int
    matched: int
    open: int


class BankStatementOut(BaseModel):
    id: int
    iban: str
    format: str
    sha256: str
    opening_date: str
    opening_balance: int
    closing_date: str
    closing_balance: int
    imported: int
    lines: int
    open: int


class StatementDetailOut(BankStatementOut):
    items: list[StatementLineOut]


class ResolveIn(LaxIn):
    note: str = Field(min_length=1, max_length=280)


class MatchIn(LaxIn):
    """One of `entry` (a deposit or a bank conversion) and `batch` (a payout batch)."""

    entry: int | None = Field(default=None, ge=0, le=2**63 - 1)
    batch: int | None = Field(default=None, ge=1, le=2**63 - 1)
    note: str = Field(min_length=1, max_length=280)


class TopUpOut(BaseModel):
    entry: int
    record_id: str
    line: StatementLineOut
