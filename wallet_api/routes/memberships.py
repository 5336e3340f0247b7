"""`/v1/memberships/…`: the yearly membership fees (set by the treasurer), the fees members
pay at an office (in euros, or by a transfer in the currency already made), their receipts,
each member's status, renewal reminders and the association's rule on conversions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from association import memberships as ms
from ledger.accounts import Key
from ledger.config import Settings
from ledger.errors import FormatError, NotAuthorized
from ledger.records import format_time
from merchants.sepa import Debtor
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.common import AccountNumber
from wallet_api.schemas.memberships import (
    FeeOut,
    FeesIn,
    MemberOut,
    PaymentIn,
    PaymentOut,
    SettingsIn,
    SettingsOut,
    StandingOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])

YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")]
ReceiptNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="the receipt's number")]


def _office_or_treasurer(device: Key | None) -> Key:
    """Memberships are kept by the treasurer and recorded at the offices, by their agents."""
    key = access.signed_in(device)
    if key.role not in ("agent", "treasurer"):
        raise NotAuthorized("only an office's agent or the treasurer may do this")
    return key


def _member_or_office(device: Key | None, number: int) -> Key:
    """A member's membership: theirs to read too, with their own key."""
    key = access.signed_in(device)
    if key.role in ("agent", "treasurer"):
        return key
    if key.role in ("resident", "merchant") and key.account == number:
        return key
    raise NotAuthorized(f"key {key.kid} may not read the membership of account {number}")


def _payment_out(p: ms.Payment) -> PaymentOut:
    return PaymentOut(
        receipt=p.number,
        account=str(p.account),
        year=p.year,
        category=p.category,
        amount=p.amount,
        method=p.method,
        entry=p.entry,
        office=None if p.office is None else str(p.office),
        at=format_time(p.at),
        by=p.by,
        receipt_url=f"/v1/memberships/receipts/{p.number}/receipt.html",
    )


def _member_out(m: ms.Member) -> MemberOut:
    return MemberOut(
        account=str(m.account),
        kind=m.kind,
        name=m.name,
        contact=m.contact,
        status=m.status,
        last_paid=m.last_paid,
    )


@router.get("/memberships/fees")
def get_fees(
    uow: ReadingUnitOfWork, device: OptionalDevice, year: YearQuery = None
) -> list[FeeOut]:
    """The fees set, of every year or of `year`, in euro cents."""
    _office_or_treasurer(device)
    return [
        FeeOut(year=f.year, category=f.category, amount=f.amount) for f in ms.fees(uow, year=year)
    ]


@router.put("/memberships/fees")
def put_fees(body: FeesIn, uow: UnitOfWorkDep, device: OptionalDevice) -> list[FeeOut]:
    """Sets the fees of a year, for the categories given; answers that year's fees."""
    access.treasurer(device)
    given = {c: getattr(body, c) for c in ms.CATEGORIES if getattr(body, c) is not None}
    if not given:
        raise FormatError("give the fee of at least one category")
    for category, amount in given.items():
        ms.set_fee(uow, year=body.year, category=category, amount=amount)
    uow.commit()
    return [
        FeeOut(year=f.year, category=f.category, amount=f.amount)
        for f in ms.fees(uow, year=body.year)
    ]


@router.post("/memberships/payments", status_code=201)
def post_payment(body: PaymentIn, uow: UnitOfWorkDep, device: OptionalDevice) -> PaymentOut:
    """Records a member's fee for a year: paid in euros at the office (nothing in the log: the
    association's own money), or in the currency by the member's transfer to the association,
    named by its `entry`. An agent records it for their office."""
    key = _office_or_treasurer(device)
    made = ms.record_payment(
        uow,
        account=body.account,
        year=body.year,
        category=body.category,
        method=body.method,
        entry=body.entry,
        office=key.account if key.role == "agent" else None,
        now=uow.ledger.clock(),
    )
    uow.commit()
    return _payment_out(made)


@router.get("/memberships/members")
def get_members(
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    status: Annotated[Literal["up-to-date", "lapsed", "never"] | None, Query()] = None,
    year: YearQuery = None,
) -> list[MemberOut]:
    """The residents and merchants with their status in `year` (only `status`'s, if given)."""
    _office_or_treasurer(device)
    chosen = ms.year_of(uow.ledger.clock()) if year is None else year
    return [_member_out(m) for m in ms.members(uow, year=chosen, status=status)]


@router.get("/memberships/members/{number}")
def get_member(
    number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice, year: YearQuery = None
) -> StandingOut:
    """A member's status in `year` and every fee they paid: for the offices, the treasurer
    and the member's own devices."""
    _member_or_office(device, number)
    chosen = ms.year_of(uow.ledger.clock()) if year is None else year
    s = ms.standing(uow, account=number, year=chosen)
    return StandingOut(
        account=str(s.account),
        year=s.year,
        status=s.status,
        last_paid=s.last_paid,
        payments=[_payment_out(p) for p in s.payments],
    )


@router.get("/memberships/reminders")
def get_reminders(
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    days: Annotated[int, Query(ge=0, le=366, description="days before the year's end")] = 30,
) -> list[MemberOut]:
    """Whom to remind to renew: the lapsed members, and, within `days` of the year's end,
    those whose last paid year is this one."""
    _office_or_treasurer(device)
    return [_member_out(m) for m in ms.reminders(uow, now=uow.ledger.clock(), days=days)]


@router.get("/memberships/receipts/{receipt}/receipt.html", response_class=Response)
def get_receipt(
    receipt: ReceiptNumber, request: Request, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """The receipt (reçu d'adhésion), a page to print: for the offices and the treasurer, and
    for the member's own devices (their receipts only)."""
    key = access.signed_in(device)
    if key.role not in ("agent", "treasurer"):
        paid = ms.payments(uow, account=key.account)
        if key.role not in ("resident", "merchant") or receipt not in {p.number for p in paid}:
            raise NotAuthorized(f"key {key.kid} may not read membership receipt {receipt}")
    debtor: Debtor | None = request.app.state.debtor
    name = debtor.name if debtor is not None else Settings.association_name
    page = ms.receipt_html(uow, number=receipt, association=name)
    return Response(page, media_type="text/html; charset=utf-8")


@router.get("/memberships/settings")
def get_settings(uow: ReadingUnitOfWork, device: OptionalDevice) -> SettingsOut:
    """The association's membership rules."""
    access.treasurer(device)
    return SettingsOut(**ms.settings(uow))


@router.put("/memberships/settings")
def put_settings(body: SettingsIn, uow: UnitOfWorkDep, device: OptionalDevice) -> SettingsOut:
    """Sets whether offices refuse conversions to residents whose fee is lapsed."""
    access.treasurer(device)
    made = ms.set_setting(uow, name=ms.REFUSE_LAPSED, on=body.refuse_conversions_to_lapsed)
    uow.commit()
    return SettingsOut(**made)
