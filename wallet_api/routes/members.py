"""`/v1/members/…`: a member's data rights (association.members, docs/PRIVACY.md): everything
held about them, as JSON or as a page, for them and the treasurer; erasure by the treasurer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from association import members
from ledger.accounts import Key
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.responses import download
from wallet_api.schemas.members import ErasedOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])


MemberNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="the member's account")]


@router.get("/members/{number}/export")
def get_member_export(
    number: MemberNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """Everything held about the holder of account `number`, as JSON: for the treasurer (a
    member's request at the office) and for the member's own devices."""
    _member_reader(device, number)
    data = members.member_data(uow, number=number)
    return download(members.member_json(data), "application/json", f"sou-{number}.json")


@router.get("/members/{number}/export.html", response_class=Response)
def get_member_page(
    number: MemberNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """The same, as a page a person reads (and prints)."""
    _member_reader(device, number)
    page = members.member_html(members.member_data(uow, number=number))
    return Response(page, media_type="text/html; charset=utf-8")


@router.post("/members/{number}/erase")
def post_member_erase(
    number: MemberNumber, uow: UnitOfWorkDep, device: OptionalDevice
) -> ErasedOut:
    """Erases the personal data of a closed account (the treasurer): the log, the accounts
    and the audit still verify."""
    access.treasurer(device)
    erased = members.erase_member(uow, number=number)
    uow.commit()
    return ErasedOut(
        account=str(erased.account),
        holder=erased.holder,
        devices=erased.devices,
        merchant=erased.merchant,
        memos=erased.memos,
        bank_lines=erased.bank_lines,
    )


def _member_reader(device: Key | None, number: int) -> None:
    """The treasurer, or the member's own key (not a till's: a shop's data is its owner's)."""
    if access.signed_in(device).role != "treasurer":
        access.balance_holder(device, number)
