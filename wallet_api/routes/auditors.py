"""`/v1/auditors/…`: the treasurer lists the auditors' keys and opens or closes their
time-boxed, read-only windows (association/auditors.py); each change is an act."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from association.auditors import Access, accesses, close, grant
from ledger.ports import LedgerUnitOfWork
from ledger.records import format_time
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, TreasurerReader, UnitOfWorkDep
from wallet_api.schemas.auditors import AuditorOut, GrantIn

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["audit"])

KidPath = Annotated[str, Path(pattern="^[0-9a-f]{8}$", description="an auditor's key id")]


def _out(a: Access, now: int) -> AuditorOut:
    return AuditorOut(
        kid=a.kid,
        label=a.label,
        status=a.status,
        granted=None if a.granted is None else format_time(a.granted),
        expires=None if a.expires is None else format_time(a.expires),
        open=a.status == "active"
        and a.granted is not None
        and a.expires is not None
        and a.granted <= now < a.expires,
    )


def _one(uow: LedgerUnitOfWork, kid: str) -> AuditorOut:
    now = uow.ledger.clock()
    (found,) = accesses(uow, kids=[kid])  # grant or close checked it is an auditor's key
    return _out(found, now)


@router.get("/auditors")
def get_auditors(uow: ReadingUnitOfWork, _reader: TreasurerReader) -> list[AuditorOut]:
    """The auditor keys on the association's accounts and their windows, by kid."""
    now = uow.ledger.clock()
    return [_out(a, now) for a in accesses(uow)]


@router.post("/auditors/{kid}/grant")
def post_grant(
    kid: KidPath, body: GrantIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> AuditorOut:
    """Opens the key's window for `days` days from now, replacing any earlier one."""
    access.treasurer(device)
    grant(uow, kid=kid, days=body.days, now=uow.ledger.clock())
    out = _one(uow, kid)
    uow.commit()
    return out


@router.post("/auditors/{kid}/close")
def post_close(kid: KidPath, uow: UnitOfWorkDep, device: OptionalDevice) -> AuditorOut:
    """Ends the key's window now; closing a key with no open window changes nothing."""
    access.treasurer(device)
    close(uow, kid=kid)
    out = _one(uow, kid)
    uow.commit()
    return out
