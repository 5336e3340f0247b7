"""Wire models shared by several resources, and the bases of the request and response models."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from association.bank_import import LineView
from association.dashboard import LatestStatement


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LaxIn(BaseModel):
    """A request body that refuses unknown fields but, unlike `In`, lets pydantic convert a
    value given as another JSON type (the reserve's and the offices' settings)."""

    model_config = ConfigDict(extra="forbid")


# An account number in a path: bounded by the database's BIGINT, so that an absurd number is
# a validation problem (422), not a database overflow (500).
AccountNumber = Annotated[int, Path(ge=0, le=2**63 - 1, description="an account number")]
ImageFormat = Literal["png", "svg"]


class StatementLineOut(BaseModel):
    statement: int
    line: int
    date: str
    amount: int = Field(description="cents, negative for money out")
    label: str
    reference: str | None
    status: str = Field(description="open, matched or resolved")
    entry: int | None = Field(description="the log entry the line is matched to")
    batch: int | None = Field(description="the payout batch the line is matched to")
    note: str | None
    member: str | None = Field(description="the account a top-up line's RF reference names")


def statement_line_out(v: LineView) -> StatementLineOut:
    """A bank statement's line: in a statement, and among the reserve check's open lines."""
    return StatementLineOut(
        statement=v.statement,
        line=v.line,
        date=v.date,
        amount=v.amount,
        label=v.label,
        reference=v.reference,
        status=v.status,
        entry=v.entry,
        batch=v.batch,
        note=v.note,
        member=None if v.member is None else str(v.member),
    )


class StatementBankOut(Out):
    sha256: str
    iban: str | None
    closing_date: str | None
    closing_balance: int | None


class LatestStatementOut(Out):
    id: int
    date: str
    status: str
    checkpoint_size: int
    liabilities: int
    reserve: int
    difference: int
    shortfall: int
    cosignatures: int
    banks: list[StatementBankOut]


def latest_statement_out(s: LatestStatement | None) -> LatestStatementOut | None:
    """The latest reserve statement: on the reserve dashboard and in the public totals."""
    if s is None:
        return None
    return LatestStatementOut(
        id=s.id,
        date=s.date,
        status=s.status,
        checkpoint_size=s.checkpoint_size,
        liabilities=s.liabilities,
        reserve=s.reserve,
        difference=s.difference,
        shortfall=s.shortfall,
        cosignatures=s.cosignatures,
        banks=[StatementBankOut(**asdict(b)) for b in s.banks],
    )
