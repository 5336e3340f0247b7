"""`/v1/transfers`: a phone pays with a signed transfer (the service's hot path: see
wallet_api/hotpath.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ledger.errors import MalformedRecord
from ledger.records import parse_envelope
from wallet_api.batcher import Batcher
from wallet_api.body import LimitedRoute, signed_body, strict_json

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["wallet"])


@router.post(
    "/transfers",
    status_code=201,
    openapi_extra=signed_body("a transfer record (FORMATS.md §4)"),
    responses={200: {"description": "a retry of a transfer already accepted: the same receipt"}},
)
async def create_transfer(request: Request) -> JSONResponse:
    """Posts a signed transfer; returns the ledger's signed receipt.

    The record is posted by the worker's batcher, together with the payments that arrive
    meanwhile (group commit); its outcome is its own.
    """
    return await post_transfer(request)


async def post_transfer(request: Request) -> JSONResponse:
    """`POST /v1/transfers`, whichever way the request came: `wallet_api.hotpath` serves it
    without FastAPI's routing, the route above documents it (and serves it without that)."""
    body = await strict_json(request)
    if not isinstance(body, dict):
        raise MalformedRecord("the body must be a signed transfer envelope")
    record = parse_envelope(body)
    if record.type != "transfer":
        raise MalformedRecord("this is not a transfer record")
    batcher: Batcher = request.app.state.batcher
    posted = await batcher.post(record)
    receipt = posted.receipt(batcher.ledger.key)
    return JSONResponse(receipt.envelope(), status_code=200 if posted.retry else 201)
