"""What a till does: register payment requests and watch them turn paid."""

from __future__ import annotations

from fastapi import APIRouter, Path

from ledger.posting import Posted
from ledger.records import format_time, parse_leaf
from merchants.payment_requests import parse_request_base32
from merchants.requests import RequestStatus, register_request, request_status
from wallet_api.deps import ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas import PaymentRequestIn, PaymentRequestOut

router = APIRouter(prefix="/v1", tags=["merchants"])


def _out(status: RequestStatus, uow: ReadingUnitOfWork) -> PaymentRequestOut:
    receipt = None
    if status.payment is not None:
        entry = status.payment
        posted = Posted(parse_leaf(entry.leaf), entry.index, entry.accepted)
        receipt = posted.receipt(uow.ledger.key).envelope()
    return PaymentRequestOut(
        payreq=status.payreq,
        status=status.status,
        merchant=str(status.merchant),
        amount=status.amount,
        expires=format_time(status.expires),
        receipt=receipt,
    )


@router.post("/payment-requests", status_code=201)
def register(body: PaymentRequestIn, uow: UnitOfWorkDep) -> PaymentRequestOut:
    """Registers a payment request signed by the till (a merchant or cashier key)."""
    pr = parse_request_base32(body.pr)
    status = register_request(uow, pr=pr, now=uow.ledger.clock())
    uow.commit()
    return _out(status, uow)


@router.get("/payment-requests/{payreq}")
def get_status(
    uow: ReadingUnitOfWork, payreq: str = Path(pattern="^[0-9a-f]{64}$")
) -> PaymentRequestOut:
    """`open`, `expired`, or `paid` with the ledger's receipt."""
    return _out(request_status(uow, payreq=payreq, now=uow.ledger.clock()), uow)
