"""`/v1/audit/…`: the auditor's time-boxed, read-only access, and the association's accounting
exports.

Every route here only reads, and admits the treasurer or an auditor's key inside the window
the treasurer granted it (`wallet_api.deps.AuditReader`, which logs an auditor's every
request); the access log itself is the treasurer's alone (`TreasurerReader`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from association.accounting import beancount_file, fec_file, journal_csv, journal_entries
from association.auditors import visits
from ledger import acts as acts_module
from ledger.export import export_log
from ledger.ports import Ledger
from ledger.records import format_time
from wallet_api.body import LimitedRoute
from wallet_api.deps import AuditReader, ReadingUnitOfWork, TreasurerReader
from wallet_api.responses import download
from wallet_api.schemas.audit import ActOut, VisitOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["audit"])


CHUNK = 64 * 1024


def _chunks(spool: IO[str]) -> Iterator[str]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


@router.get("/audit/log", response_class=StreamingResponse)
def get_log(request: Request, _reader: AuditReader) -> StreamingResponse:
    """The whole log (`sou-log/1` JSON lines) for `sou audit verify`, ending with a checkpoint."""
    ledger: Ledger = request.app.state.ledger
    spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by _chunks)
    try:
        # Its own unit of work: the checkpoint it may sign is committed before it is served.
        with ledger.unit_of_work() as uow:
            export_log(uow, spool)
            uow.commit()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    name = f"sou-log-{ledger.host.replace(':', '_')}.ndjson"
    return StreamingResponse(
        _chunks(spool),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/audit/fec", response_class=Response)
def get_fec(
    uow: ReadingUnitOfWork,
    _reader: AuditReader,
    year: Annotated[
        int | None, Query(ge=2000, le=9999, description="one year, à-nouveaux first")
    ] = None,
) -> Response:
    """The FEC (A47 A-1 LPF): 18 fields, `|`, ISO 8859-15, decimal comma."""
    name = f"sou-FEC-{year if year is not None else 'complet'}.txt"
    return download(fec_file(uow, year=year), "text/plain; charset=iso-8859-15", name)


@router.get("/audit/beancount", response_class=Response)
def get_beancount(uow: ReadingUnitOfWork, _reader: AuditReader) -> Response:
    """The books as a beancount file, with a balance assertion per account."""
    return download(beancount_file(uow), "text/plain; charset=utf-8", "sou.beancount")


@router.get("/audit/journal.csv", response_class=Response)
def get_journal_csv(uow: ReadingUnitOfWork, _reader: AuditReader) -> Response:
    """The journal as a French spreadsheet (`;`, decimal comma, UTF-8 with a BOM)."""
    return download(journal_csv(journal_entries(uow)), "text/csv; charset=utf-8", "journal.csv")


@router.get("/audit/visits")
def get_visits(
    uow: ReadingUnitOfWork,
    _reader: TreasurerReader,
    kid: Annotated[str | None, Query(pattern="^[0-9a-f]{8}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[VisitOut]:
    """The auditors' requests, newest first: the treasurer's view of the access log."""
    return [
        VisitOut(kid=v.kid, at=format_time(v.at), method=v.method, path=v.path, status=v.status)
        for v in visits(uow, kid=kid, limit=limit)
    ]


@router.get("/audit/acts")
def get_acts(
    uow: ReadingUnitOfWork,
    _reader: AuditReader,
    cursor: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="an act's id")] = None,
    limit: Annotated[int, Query(ge=1, le=acts_module.MAX_PAGE)] = 50,
) -> list[ActOut]:
    """Who did what, newest first (before act `cursor`): accounts opened and frozen, codes
    issued, keys revoked, fee rules, approvals, payouts, grants, bank statements, reserve
    statements, each with the key or the shell that did it."""
    return [
        ActOut(
            id=a.id,
            at=format_time(a.at),
            actor=a.actor,
            act=a.act,
            subject=a.subject,
            detail=a.detail,
        )
        for a in acts_module.acts(uow, before=cursor, limit=limit)
    ]
