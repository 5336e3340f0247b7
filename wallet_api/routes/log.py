"""The verifiable log: its checkpoints, proofs and leaf hashes for anyone; its entries
(who paid whom, how much, the memo) for the treasurer and an auditor in its window only
(docs/PRIVACY.md). A holder reads its own entries with their proofs under /v1/accounts."""

from __future__ import annotations

import base64
import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from ledger import transparency
from ledger.log import leaf_hash
from wallet_api.body import LimitedRoute
from wallet_api.deps import AuditReader, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.log import (
    ConsistencyOut,
    CosignatureIn,
    EntriesOut,
    EntryOut,
    InclusionOut,
    LeafHashesOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["log"])


@router.get("/log/checkpoint", response_class=PlainTextResponse)
def get_checkpoint(uow: UnitOfWorkDep) -> PlainTextResponse:
    """The latest signed checkpoint, with the cosignature lines of the witnesses who vouched
    for it (C2SP tlog-cosignature)."""
    checkpoint = transparency.witnessed(uow, transparency.latest_checkpoint(uow))
    uow.commit()
    return PlainTextResponse(checkpoint.note, media_type="text/plain; charset=utf-8")


@router.post("/log/cosignatures", status_code=201, responses={200: {"description": "known"}})
def post_cosignature(body: CosignatureIn, uow: UnitOfWorkDep, request: Request) -> JSONResponse:
    """A witness hands in its cosignature of a published checkpoint; kept if it verifies
    under one of the witness keys the ledger is configured with (`SOU_WITNESSES`)."""
    witnesses: tuple[str, ...] = request.app.state.witnesses
    new = transparency.receive_cosignature(uow, size=body.size, line=body.line, witnesses=witnesses)
    uow.commit()
    return JSONResponse({"size": body.size, "kept": new}, status_code=201 if new else 200)


@router.get("/log/inclusion")
def get_inclusion(
    uow: ReadingUnitOfWork,
    entry: int = Query(ge=0, le=2**63 - 1),
    size: int = Query(ge=1, le=2**63 - 1),
) -> InclusionOut:
    path = transparency.inclusion(uow, entry=entry, size=size)
    return InclusionOut(entry=entry, size=size, path=[h.hex() for h in path])


@router.get("/log/consistency")
def get_consistency(
    uow: ReadingUnitOfWork,
    old: int = Query(ge=1, le=2**63 - 1),
    new: int = Query(ge=1, le=2**63 - 1),
) -> ConsistencyOut:
    proof = transparency.consistency(uow, old=old, new=new)
    return ConsistencyOut(old=old, new=new, proof=[h.hex() for h in proof])


@router.get("/log/leaf-hashes")
def get_leaf_hashes(
    uow: ReadingUnitOfWork,
    start: int = Query(ge=0, le=2**63 - 1),
    end: int = Query(ge=1, le=2**63 - 1),
) -> LeafHashesOut:
    """The RFC 9162 leaf hashes of entries start to end − 1 (at most 1000): enough to
    recompute the tree and check a checkpoint, nothing of what the entries say."""
    page = transparency.entries(uow, start=start, end=end)
    return LeafHashesOut(start=start, hashes=[leaf_hash(entry.leaf).hex() for entry in page])


@router.get("/log/entries")
def get_entries(
    uow: ReadingUnitOfWork,
    _reader: AuditReader,
    start: int = Query(ge=0, le=2**63 - 1),
    end: int = Query(ge=1, le=2**63 - 1),
) -> EntriesOut:
    """Entries start to end − 1 (at most 1000), each with its leaf and record: the
    treasurer's and an auditor's (in its window)."""
    page = transparency.entries(uow, start=start, end=end)
    return EntriesOut(
        entries=[
            EntryOut(
                index=entry.index,
                type=entry.type,
                leaf=base64.b64encode(entry.leaf).decode(),
                record=json.loads(entry.signed.split(b"\n", 1)[1]),
            )
            for entry in page
        ]
    )
