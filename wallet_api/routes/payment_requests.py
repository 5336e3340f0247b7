"""`/v1/payment-requests/…`: what a till does: register payment requests, show their QR code
and watch them turn paid."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse

from ledger.ports import Ledger
from ledger.posting import Posted
from ledger.records import format_time, parse_leaf
from merchants.payment_requests import parse_request, parse_request_base32, request_url
from merchants.requests import RequestStatus, register_request, request_status
from wallet_api.body import LimitedRoute
from wallet_api.deps import LedgerDep, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.responses import qr_image
from wallet_api.schemas.common import ImageFormat
from wallet_api.schemas.payment_requests import PaymentRequestIn, PaymentRequestOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["merchants"])


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


PayreqPath = Annotated[str, Path(pattern="^[0-9a-f]{64}$")]


POLL = 0.25  # seconds between looks at the ledger while a till waits


@router.get("/payment-requests/{payreq}/qr.{image_format}", response_class=Response)
def request_qr(uow: ReadingUnitOfWork, payreq: PayreqPath, image_format: ImageFormat) -> Response:
    """The request's QR code (its `HTTPS://HOST/R/…` URL), for the till's screen."""
    request_status(uow, payreq=payreq, now=uow.ledger.clock())
    row = uow.reads.request_bytes(payreq)
    return qr_image(request_url(uow.ledger.host, parse_request(row)), image_format)


def _snapshot(ledger: Ledger, payreq: str) -> PaymentRequestOut:
    with ledger.unit_of_work(write=False) as uow:
        return _out(request_status(uow, payreq=payreq, now=ledger.clock()), uow)


@router.get("/payment-requests/{payreq}/events", response_class=StreamingResponse)
async def request_events(request: Request, ledger: LedgerDep, payreq: PayreqPath) -> Response:
    """Server-Sent Events: the request's status now, then at each change until paid or expired."""
    first = _snapshot(ledger, payreq)  # an unknown request is a problem, not a stream

    async def stream() -> AsyncIterator[str]:
        last, current = None, first
        while True:
            if current != last:
                yield f"event: status\ndata: {json.dumps(current.model_dump())}\n\n"
                last = current
            if current.status != "open" or await request.is_disconnected():
                return
            await asyncio.sleep(POLL)
            current = await asyncio.to_thread(_snapshot, ledger, payreq)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
