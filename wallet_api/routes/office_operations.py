"""`/v1/office-operations`: an exchange office's signed operation: a cash conversion, paper
notes issued or exchanged, a cash deposit. The office's tablet signs each with its agent key;
the ledger's rules judge the signer, the office, the amounts and the backing."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from association.offices import record_office_operation
from ledger.errors import MalformedRecord
from ledger.records import format_time, parse_envelope
from wallet_api.body import LimitedRoute, StrictJSON
from wallet_api.deps import UnitOfWorkDep
from wallet_api.schemas.office_operations import OPERATION_SCHEMA, OfficeOperationOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["offices"])


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
