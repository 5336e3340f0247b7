"""`/v1/reconversions/…`: a merchant reconverts units to euros, a quote first (fee and net),
then its signed record; the treasurer and auditors see those waiting for payout."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ledger.records import parse_envelope
from merchants.payouts import quote_reconversion, request_reconversion, waiting_reconversions
from wallet_api import access
from wallet_api.body import LimitedRoute, StrictJSON, signed_body
from wallet_api.deps import AuditReader, OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.reconversions import QuoteIn, QuoteOut, ReconversionOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1")


@router.post("/reconversions/quote", tags=["reconversions"])
def quote(body: QuoteIn, uow: ReadingUnitOfWork, device: OptionalDevice) -> QuoteOut:
    """The fee and net the merchant would get, under the association's rule, before it signs."""
    access.merchant_owner(uow, device, body.account)
    q = quote_reconversion(uow, account=body.account, gross=body.amount, now=uow.ledger.clock())
    return QuoteOut(gross=q.gross, fee=q.fee, net=q.net, rate=q.rate)


@router.post(
    "/reconversions",
    status_code=201,
    openapi_extra=signed_body("a reconversion record (FORMATS.md §4)"),
    tags=["reconversions"],
)
def request(body: StrictJSON, uow: UnitOfWorkDep) -> JSONResponse:
    """Posts the merchant's signed `reconversion` record whose fee is the quote's (retry: 200)."""
    record = parse_envelope(body)
    posted = request_reconversion(uow, record=record, now=uow.ledger.clock())
    uow.commit()
    r = record.record
    out = ReconversionOut(
        entry=posted.index,
        record_id=record.id,
        account=r["from"],
        amount=r["amount"],
        fee=r["fee"],
        net=r["amount"] - r["fee"],
    )
    return JSONResponse(out.model_dump(), status_code=200 if posted.retry else 201)


@router.get("/reconversions/waiting", tags=["association"])
def waiting(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[ReconversionOut]:
    """Reconversions waiting for the treasurer's approval, oldest first."""
    return [
        ReconversionOut(
            entry=w.entry,
            record_id=w.record_id,
            account=str(w.account),
            amount=w.amount,
            fee=w.fee,
            net=w.net,
        )
        for w in waiting_reconversions(uow)
    ]
