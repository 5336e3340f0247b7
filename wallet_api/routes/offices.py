"""What an exchange office does: conversions, paper notes, cash deposits; top-ups by transfer.

The office's tablet signs each operation with its agent key; the ledger's rules judge the
signer, the office, the amounts and the backing. Reading an office's cash needs a bearer
token of its agent or of the treasurer; a member's top-up details, one of their own devices.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from association.epc_qr import epc_qr_png, epc_qr_svg
from association.offices import (
    TopUp,
    office_view,
    record_note_delivery,
    record_office_operation,
    top_up,
)
from ledger.errors import MalformedRecord
from ledger.records import format_time, parse_envelope
from merchants.sepa import Debtor
from wallet_api import access
from wallet_api.body import LimitedRoute, StrictJSON
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas import AccountNumber

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["offices"])

OPERATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["alg", "record", "sig"],
    "additionalProperties": False,
    "properties": {
        "alg": {"const": "Ed25519"},
        "record": {
            "type": "object",
            "description": "a `conversion` (method `cash`), `paper_issue`, `paper_exchange` "
            "or `deposit` record (FORMATS.md §3, §5), signed by an agent of the office",
        },
        "sig": {"type": "string", "description": "base64url Ed25519 signature"},
    },
}
ImageFormat = Literal["png", "svg"]
MEDIA = {"png": "image/png", "svg": "image/svg+xml"}
TopUpAmount = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="cents to fill in the transfer, if any")
]


class OfficeOperationOut(BaseModel):
    entry: int
    record_id: str
    type: str
    office: str
    amount: int
    to: str | None
    reserve: str | None
    accepted: str


class OfficeOut(BaseModel):
    number: str
    name: str | None
    status: str
    currency: str
    cash: int
    converted: int
    paper_issued: int
    paper_exchanged: int
    deposited: int


class TopUpOut(BaseModel):
    account: str
    beneficiary: str
    iban: str
    bic: str | None
    reference: str
    amount: int | None
    currency: str
    epc_payload: str


@router.post(
    "/office-operations",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": OPERATION_SCHEMA}},
        }
    },
    responses={200: {"description": "a retry of an operation already recorded: the same entry"}},
)
def create_office_operation(body: StrictJSON, uow: UnitOfWorkDep) -> JSONResponse:
    """Records an exchange office's signed operation: euros received, paper notes, a deposit."""
    if not isinstance(body, dict) or not isinstance(body.get("record"), dict):
        raise MalformedRecord("the body must be a signed envelope whose record is an object")
    record = parse_envelope(body)
    posted = record_office_operation(uow, record=record, now=uow.ledger.clock())
    uow.commit()
    r = record.record
    out = OfficeOperationOut(
        entry=posted.index,
        record_id=record.id,
        type=record.type,
        office=r["office"],
        amount=r["amount"],
        to=r.get("to"),
        reserve=r.get("reserve"),
        accepted=format_time(posted.accepted),
    )
    return JSONResponse(out.model_dump(), status_code=200 if posted.retry else 201)


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


class NoteDeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(
        ge=-(2**31 - 1),
        le=2**31 - 1,
        description="face value of the notes in cents; negative for notes taken back",
    )
    note: str = Field(min_length=1, max_length=280, description="serial numbers, courier…")


class NoteDeliveryOut(BaseModel):
    office: str
    amount: int
    notes_delivered: int


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


def _top_up(
    request: Request,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    number: int,
    amount: int | None,
) -> TopUp:
    access.account_owner(device, number)
    debtor: Debtor | None = request.app.state.debtor
    return top_up(uow, account=number, debtor=debtor, amount=amount)


@router.get("/accounts/{number}/topup")
def get_top_up(
    number: AccountNumber,
    request: Request,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    amount: TopUpAmount = None,
) -> TopUpOut:
    """How to top up the account by bank transfer: the reserve's account and the member's
    reference; units arrive when the treasurer imports the statement line bearing it."""
    found = _top_up(request, uow, device, number, amount)
    code = found.code
    return TopUpOut(
        account=str(number),
        beneficiary=code.name,
        iban=code.iban,
        bic=code.bic,
        reference=found.reference,
        amount=code.amount,
        currency="EUR",
        epc_payload=found.payload,
    )


@router.get("/accounts/{number}/topup.{image_format}", response_class=Response)
def get_top_up_qr(
    number: AccountNumber,
    image_format: ImageFormat,
    request: Request,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    amount: TopUpAmount = None,
) -> Response:
    """The EPC QR code (EPC069-12) a banking app scans to fill in the top-up transfer."""
    code = _top_up(request, uow, device, number, amount).code
    image = epc_qr_png(code) if image_format == "png" else epc_qr_svg(code)
    return Response(image, media_type=MEDIA[image_format], headers={"Cache-Control": "no-store"})
