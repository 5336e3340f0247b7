"""`/v1/offices/…`: an exchange office's cash and what went through it (its agent's and the
treasurer's), and the paper notes the treasurer delivers to it."""

from __future__ import annotations

from fastapi import APIRouter

from association.offices import office_view, record_note_delivery
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.common import AccountNumber
from wallet_api.schemas.offices import NoteDeliveryIn, NoteDeliveryOut, OfficeOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["offices"])


@router.get("/offices/{number}")
def get_office(number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice) -> OfficeOut:
    """The office's cash not yet deposited and what went through it (euro cents).

    The notes in an office's drawer are inventory the log does not see: it knows the notes
    handed out and taken back at the office; those delivered to it are recorded by the
    treasurer (`POST /v1/offices/{number}/note-deliveries`) and shown on the reserve dashboard.
    """
    access.office_reader(device, number)
    view = office_view(uow, number=number)
    return OfficeOut(
        number=str(view.number),
        name=view.name,
        status=view.status,
        currency="EUR",
        cash=view.cash,
        converted=view.converted,
        paper_issued=view.paper_issued,
        paper_exchanged=view.paper_exchanged,
        deposited=view.deposited,
    )


@router.post("/offices/{number}/note-deliveries", status_code=201)
def post_note_delivery(
    number: AccountNumber, body: NoteDeliveryIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> NoteDeliveryOut:
    """Records paper notes the association handed to the office (or took back from it):
    inventory, not money, so kept beside the log; the reserve dashboard shows each office's
    stock (received − issued + taken back)."""
    treasurer = access.treasurer(device)
    total = record_note_delivery(
        uow,
        office=number,
        amount=body.amount,
        note=body.note,
        kid=treasurer.kid,
        now=uow.ledger.clock(),
    )
    uow.commit()
    return NoteDeliveryOut(office=str(number), amount=body.amount, notes_delivered=total)
