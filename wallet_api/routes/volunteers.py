"""`/v1/volunteers`: the association's volunteers, each with their own key on their own device
(an office agent's on an office's cash account, a treasurer's on the association's account).
The treasurer lists them (label, last sign-in) and gives a new volunteer a one-time code,
which their tablet enrols on the office page or the console as a phone enrols; a key is revoked
with `POST /v1/accounts/{n}/devices/{kid}/revoke`."""

from __future__ import annotations

from fastapi import APIRouter

from ledger.admin import account_devices, issue_enrolment_code
from ledger.errors import InvalidTransfer
from ledger.records import format_time
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.volunteers import VolunteerCodeIn, VolunteerCodeOut, VolunteerOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])

PLACES = {"agent": "office_cash", "treasurer": "association"}
CODE_TTL_AT_DESK = 24 * 3600  # handed over in person, enrolled the same day


@router.get("/volunteers")
def get_volunteers(uow: ReadingUnitOfWork, device: OptionalDevice) -> list[VolunteerOut]:
    """Every office agent's and treasurer's key, by place, newest enrolment first."""
    access.treasurer(device)
    out = []
    for account in uow.reads.accounts(kinds=sorted(set(PLACES.values()))):
        place = account.name or f"{account.kind} {account.number}"
        for d in account_devices(uow, account=account.number):
            if PLACES.get(d.role) != account.kind:
                continue
            out.append(
                VolunteerOut(
                    kid=d.kid,
                    role=d.role,
                    account=str(account.number),
                    place=place,
                    label=d.label,
                    status=d.status,
                    enrolled=format_time(d.enrolled),
                    last_used=None if d.last_used is None else format_time(d.last_used),
                )
            )
    return out


@router.post("/volunteers", status_code=201)
def post_volunteer(
    body: VolunteerCodeIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> VolunteerCodeOut:
    """A one-time code for a new volunteer's device: an agent of `office`, or a treasurer (on
    the treasurer's own association account)."""
    actor = access.treasurer(device)
    if body.role == "agent":
        found = uow.reads.accounts(numbers=[body.office] if body.office else [])
        if not found or found[0].kind != "office_cash":
            raise InvalidTransfer(f"no exchange office {body.office}", account=str(body.office))
        account = found[0].number
    else:
        if body.office is not None:
            raise InvalidTransfer("a treasurer belongs to no office")
        if actor.account is None:
            raise InvalidTransfer("this treasurer key has no account")
        account = actor.account
    now = uow.ledger.clock()
    code = issue_enrolment_code(
        uow, account=account, role=body.role, now=now, issued_by=actor.kid, ttl=CODE_TTL_AT_DESK
    )
    uow.commit()
    return VolunteerCodeOut(
        role=body.role,
        account=str(account),
        enrolment_code=code,
        expires=format_time(now + CODE_TTL_AT_DESK),
    )
