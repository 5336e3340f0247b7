"""`/v1/devices/…`: a phone enrols its key with a one-time code, and revokes another key of
its own account (a lost phone)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request

from ledger.admin import enrol_device, revoke_key
from ledger.errors import AuthenticationError, EnrolmentError, MalformedRecord, NotAuthorized
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, UnitOfWorkDep
from wallet_api.ratelimit import CodeLimits
from wallet_api.schemas.devices import DeviceIn, DeviceOut, RevokedOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["wallet"])


@router.post("/devices", status_code=201)
def enrol(body: DeviceIn, uow: UnitOfWorkDep, request: Request) -> DeviceOut:
    """Enrols a device's public key with a one-time enrolment code, or with a resident's
    printed recovery code, which first revokes every key of the account (`revoked`)."""
    try:
        public_key = bytes.fromhex(body.public_key)
    except ValueError:
        raise MalformedRecord("public_key must be 64 hex digits") from None
    limits: CodeLimits = request.app.state.code_limits
    client = request.client.host if request.client else "unknown"
    limits.check(client)
    try:
        enrolled = enrol_device(
            uow,
            code=body.enrolment_code,
            public_key=public_key,
            now=uow.ledger.clock(),
            label=body.label,
        )
    except EnrolmentError:
        limits.refused(client)
        raise
    uow.commit()
    return DeviceOut(
        kid=enrolled.kid,
        account=str(enrolled.account),
        role=enrolled.role,
        revoked=enrolled.revoked,
    )


@router.post("/devices/{kid}/revoke")
def revoke(
    device: OptionalDevice, uow: UnitOfWorkDep, kid: str = Path(pattern="^[0-9a-f]{8}$")
) -> RevokedOut:
    """Revokes a key of the same account at once (a lost phone), from another of its devices."""
    if device is None:
        raise AuthenticationError("a bearer token of a device of the same account is needed")
    target = uow.reads.key(kid)
    if target is None or target.account != device.account:
        raise NotAuthorized("a device revokes only keys of its own account")
    revoke_key(uow, kid=kid, now=uow.ledger.clock(), by=device.kid)
    uow.commit()
    return RevokedOut(kid=kid, status="revoked")
