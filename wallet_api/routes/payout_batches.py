"""`/v1/payout-batches/…`: the treasurer approves reconversions in batches of signed payouts,
one record per reconversion, and downloads each batch's SEPA file; auditors read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from association.errors import BankAccountNotConfigured
from ledger.records import format_time, parse_envelope
from merchants.payouts import Batch, approve_batch, batch, batches, mark_executed
from merchants.sepa import Debtor
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import AuditReader, OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.responses import download
from wallet_api.schemas.payout_batches import (
    BatchesOut,
    BatchIn,
    BatchOut,
    BatchSummaryOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])


BatchNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="a payout batch")]


def _batch_out(b: Batch) -> BatchOut:
    return BatchOut(id=b.id, message_id=b.message_id, status=b.status, count=b.count, total=b.total)


@router.post("/payout-batches", status_code=201)
def post_batch(
    body: BatchIn, uow: UnitOfWorkDep, device: OptionalDevice, request: Request
) -> BatchOut:
    """Approves reconversions in one batch: the treasurer's signed payouts, all or nothing."""
    access.treasurer(device)
    debtor: Debtor | None = request.app.state.debtor
    if debtor is None:
        raise BankAccountNotConfigured(
            "the association's reserve bank account is not configured (SOU_RESERVE_IBAN)"
        )
    records = [parse_envelope(envelope) for envelope in body.payouts]
    made = approve_batch(uow, payouts=records, debtor=debtor, now=uow.ledger.clock())
    uow.commit()
    return _batch_out(made)


@router.get("/payout-batches")
def list_batches(
    uow: ReadingUnitOfWork,
    _reader: AuditReader,
    before: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="only batches with a lower id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="batches on the page")] = 20,
) -> BatchesOut:
    """Past payout batches, newest first, a page at a time (`before` = the page's `next_before`)."""
    found = batches(uow, before=before, limit=limit + 1)
    page = found[:limit]
    return BatchesOut(
        batches=[
            BatchSummaryOut(
                id=b.id,
                message_id=b.message_id,
                status=b.status,
                count=b.count,
                total=b.total,
                created=format_time(b.created),
                executed=None if b.executed is None else format_time(b.executed),
            )
            for b in page
        ],
        next_before=page[-1].id if len(found) > limit else None,
    )


@router.get("/payout-batches/{number}")
def get_batch(number: BatchNumber, uow: ReadingUnitOfWork, _reader: AuditReader) -> BatchOut:
    return _batch_out(batch(uow, number=number))


@router.get("/payout-batches/{number}/sepa.xml", response_class=Response)
def get_batch_file(number: BatchNumber, uow: ReadingUnitOfWork, _reader: AuditReader) -> Response:
    """The batch's SEPA credit-transfer file (pain.001.001.09) for the bank."""
    found = batch(uow, number=number)
    return download(found.sepa_file, "application/xml", f"{found.message_id}.xml")


@router.post("/payout-batches/{number}/executed")
def post_executed(number: BatchNumber, uow: UnitOfWorkDep, device: OptionalDevice) -> BatchOut:
    """Marks the batch executed: the bank statement shows the transfers."""
    access.treasurer(device)
    done = mark_executed(uow, number=number, now=uow.ledger.clock())
    uow.commit()
    return _batch_out(done)
