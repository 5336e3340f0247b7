"""The auditor's time-boxed, read-only access, and the association's accounting exports.

Every route here only reads, and admits the treasurer or an auditor's key inside the window
the treasurer granted it (`access.audit_reader`); the access log itself is the treasurer's
alone. Each request of an auditor's key, allowed or refused, is written to the access log by
the `AuditReader`/`TreasurerReader` dependencies, in a unit of work of its own, once the
request's outcome is known (its status: 200, or the problem's). The reserve's figures (the
dashboard, the reserve check, bank accounts and statements, payout batches, waiting
reconversions) are read through `AuditReader` too, so an auditor's visits there are logged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from association.accounting import beancount_file, fec_file, journal_csv, journal_entries
from association.auditors import record_visit, visits
from association.evaluation import MonthFigures, assess, evaluation, evaluation_csv
from ledger import acts as acts_module
from ledger.accounts import Key
from ledger.context import Ledger, LedgerUnitOfWork
from ledger.errors import SouError
from ledger.export import export_log
from ledger.records import format_time
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork
from wallet_api.errors import status_of

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["audit"])
CHUNK = 64 * 1024


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


class MonthOut(BaseModel):
    month: str
    active_residents: int
    active_merchants: int
    payments: int
    volume: int
    merchant_to_merchant: int
    merchant_share_bp: int | None
    received_by_merchants: int
    reconverted: int
    reconversion_rate_bp: int | None
    average_circulation: int
    velocity_bp: int | None
    partial: bool = Field(
        description="the ledger began after the month's first day or the month is still running"
    )


class CriterionOut(BaseModel):
    name: str
    target: int
    at_least: bool
    month: str | None
    value: int | None
    met: bool | None


class PilotOut(BaseModel):
    end: str | None
    days_left: int | None
    criteria: list[CriterionOut]


class EvaluationOut(BaseModel):
    currency: str
    generated: str
    months: list[MonthOut]
    pilot: PilotOut


def _status(error: BaseException) -> int:
    if isinstance(error, SouError):
        return status_of(error)
    if isinstance(error, HTTPException):
        return error.status_code
    if isinstance(error, RequestValidationError):
        return 422
    return 500


def _log_visit(request: Request, key: Key, status: int) -> None:
    ledger: Ledger = request.app.state.ledger
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    with ledger.unit_of_work() as uow:
        record_visit(
            uow, kid=key.kid, method=request.method, path=path, status=status, now=ledger.clock()
        )
        uow.commit()


def _logged(
    request: Request,
    uow: LedgerUnitOfWork,
    device: Key | None,
    rule: Callable[[LedgerUnitOfWork, Key | None], Key],
) -> Iterator[Key]:
    """Applies `rule`; an auditor key's request is logged with its outcome, whatever it is."""
    if device is None or device.role != "auditor":
        yield rule(uow, device)
        return
    try:
        key = rule(uow, device)
    except SouError as error:
        _log_visit(request, device, status_of(error))
        raise
    status = 200
    try:
        yield key
    except BaseException as error:
        status = _status(error)
        raise
    finally:
        _log_visit(request, device, status)


def _audit_reader(
    request: Request, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Iterator[Key]:
    yield from _logged(request, uow, device, access.audit_reader)


def _treasurer_reader(
    request: Request, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Iterator[Key]:
    yield from _logged(request, uow, device, lambda _uow, d: access.treasurer(d))


AuditReader = Annotated[Key, Depends(_audit_reader)]
TreasurerReader = Annotated[Key, Depends(_treasurer_reader)]


def download(content: bytes | str, media_type: str, name: str) -> Response:
    """A file the browser saves as `name` (Content-Disposition: attachment)."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


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


def _month_out(m: MonthFigures) -> MonthOut:
    return MonthOut(
        month=m.month,
        active_residents=m.active_residents,
        active_merchants=m.active_merchants,
        payments=m.payments,
        volume=m.volume,
        merchant_to_merchant=m.merchant_to_merchant,
        merchant_share_bp=m.merchant_share_bp,
        received_by_merchants=m.received_by_merchants,
        reconverted=m.reconverted,
        reconversion_rate_bp=m.reconversion_rate_bp,
        average_circulation=m.average_circulation,
        velocity_bp=m.velocity_bp,
        partial=m.partial,
    )


@router.get("/reports/evaluation")
def get_evaluation(uow: ReadingUnitOfWork, _reader: AuditReader, request: Request) -> EvaluationOut:
    """The pilot's evaluation, month by month (Europe/Paris); ratios in basis points; where
    the pilot stands against its criteria, and the days left to its end."""
    now = uow.ledger.clock()
    months = evaluation(uow, now=now)
    status = assess(months, now=now, end=request.app.state.pilot_end)
    return EvaluationOut(
        currency=uow.ledger.currency,
        generated=format_time(now),
        months=[_month_out(m) for m in months],
        pilot=PilotOut(
            end=status.end.isoformat() if status.end else None,
            days_left=status.days_left,
            criteria=[
                CriterionOut(
                    name=a.criterion.name,
                    target=a.criterion.target,
                    at_least=a.criterion.at_least,
                    month=a.month,
                    value=a.value,
                    met=a.met,
                )
                for a in status.assessments
            ],
        ),
    )


@router.get("/reports/evaluation.csv", response_class=Response)
def get_evaluation_csv(uow: ReadingUnitOfWork, _reader: AuditReader) -> Response:
    """The same report as a French spreadsheet."""
    months = evaluation(uow, now=uow.ledger.clock())
    return download(evaluation_csv(months), "text/csv; charset=utf-8", "evaluation.csv")
