"""The verifiable log's proofs, leaf hashes and entries, and a witness's cosignature."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wallet_api.schemas.common import In, Out


class InclusionOut(Out):
    entry: int
    size: int
    path: list[str]


class ConsistencyOut(Out):
    old: int
    new: int
    proof: list[str]


class EntryOut(Out):
    index: int
    type: str
    leaf: str
    record: dict[str, Any]


class EntriesOut(Out):
    entries: list[EntryOut]


class LeafHashesOut(Out):
    start: int
    hashes: list[str]


class CosignatureIn(In):
    size: int = Field(ge=1, le=2**63 - 1, description="the cosigned checkpoint's size")
    line: str = Field(
        max_length=400, description="the witness's signature line, `— <name> <base64>`"
    )
