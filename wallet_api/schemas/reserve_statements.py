"""Signed reserve statements, their cosignatures, and a holder's proof of being counted."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import In, Out


class ReserveStatementOut(Out):
    id: int
    date: str
    status: str
    checkpoint_size: int
    liabilities: int
    reserve: int


class PublishIn(In):
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class PublishedOut(ReserveStatementOut):
    note: str


class CosignIn(In):
    signature: str = Field(min_length=1, max_length=400, description="'— <host>/<role> <b64>'")


class ProofStepOut(Out):
    side: str
    hash: str
    sum: int


class LiabilityProofOut(Out):
    holder: str
    balance: int
    leaf_salt: str
    path: list[ProofStepOut]


class HolderProofOut(Out):
    statement: int
    date: str
    account: str
    balance: int
    proof: LiabilityProofOut
    note: str
    ledger_key: str
