"""What a phone does: enrol its key, and pay with signed transfers."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from ledger.admin import enrol_device, revoke_key
from ledger.errors import AuthenticationError, MalformedRecord, NotAuthorized
from ledger.records import parse_envelope
from wallet_api.batcher import Batcher
from wallet_api.body import LimitedRoute, signed_body, strict_json
from wallet_api.deps import OptionalDevice, UnitOfWorkDep
from wallet_api.schemas import DeviceIn, DeviceOut, RevokedOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["wallet"])


@router.post("/devices", status_code=201)
def enrol(body: DeviceIn, uow: UnitOfWorkDep) -> DeviceOut:
    """Enrols a device's public key with a one-time enrolment code."""
    try:
        public_key = bytes.fromhex(body.public_key)
    except ValueError:
        raise MalformedRecord("public_key must be 64 hex digits") from None
    enrolled = enrol_device(
        uow,
        code=body.enrolment_code,
        public_key=public_key,
        now=uow.ledger.clock(),
        label=body.label,
    )
    uow.commit()
    return DeviceOut(kid=enrolled.kid, account=str(enrolled.account), role=enrolled.role)


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


@router.post("/devices/{kid}/revoke")
def revoke(
    device: OptionalDevice, uow: UnitOfWorkDep, kid: str = Path(pattern="^[0-9a-f]{8}$")
) -> RevokedOut:
    """Revokes a key of the same account at once (a lost phone), from another of its devices."""
    if device is None:
        raise AuthenticationError("a bearer token of a device of the same account is needed")
    target = uow.store.keys([kid]).get(kid)
    if target is None or target.account != device.account:
        raise NotAuthorized("a device revokes only keys of its own account")
    revoke_key(uow, kid=kid, now=uow.ledger.clock(), by=device.kid)
    uow.commit()
    return RevokedOut(kid=kid, status="revoked")
