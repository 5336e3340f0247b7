"""`/v1/members…`: the members' register (association.member_register, member_import): find
members by name, contact or number, correct a name or contact, close an empty account, and
bring members in from a spreadsheet (previewed, then taken whole or not at all).

An exchange office's agents and the treasurer use it at the counter; the import is the
treasurer's. A spreadsheet is posted as the raw body (CSV or XLSX, at most 64 KiB, about a
thousand members; a larger file goes through `sou member import FILE`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from association import member_import, member_register
from association.errors import MalformedMemberFile
from ledger.accounts import Key
from ledger.errors import NotAuthorized
from ledger.holders import Member
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.member_register import (
    ClosedOut,
    ImportedMembersOut,
    ImportLineOut,
    ImportPreviewOut,
    MemberEditIn,
    MemberOut,
    MembersOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["members"])

MemberNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="the member's account")]
MAX_FILE = 64 * 1024
FILE_BODY = {
    "requestBody": {
        "required": True,
        "description": "a CSV (`;` or `,`) or XLSX file with a header row, at most 64 KiB",
        "content": {"application/octet-stream": {"schema": {"type": "string"}}},
    }
}


def _volunteer(device: Key | None) -> Key:
    """An exchange office's agent or the treasurer."""
    key = access.signed_in(device)
    if key.role not in ("agent", "treasurer"):
        raise NotAuthorized("only an office agent or the treasurer keeps the members' register")
    return key


def _out(m: Member) -> MemberOut:
    return MemberOut(
        number=str(m.number),
        kind=m.kind,
        status=m.status,
        balance=m.balance,
        name=m.name,
        contact=m.contact,
    )


async def member_file(request: Request) -> bytes:
    data = await request.body()
    if len(data) > MAX_FILE:
        raise MalformedMemberFile(f"a file posted here is at most {MAX_FILE} bytes")
    return data


MemberFile = Annotated[bytes, Depends(member_file)]


@router.get("/members")
def get_members(
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    q: Annotated[str | None, Query(max_length=100, description="name, contact or number")] = None,
    kind: Literal["resident", "merchant"] | None = None,
    status: Literal["open", "frozen", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> MembersOut:
    """Members whose name or contact holds `q` (case and accents aside) or whose number is
    `q`, by account number, a page at a time."""
    _volunteer(device)
    total, found = member_register.find(
        uow, text=q, kind=kind, status=status, limit=limit, offset=offset
    )
    return MembersOut(total=total, members=[_out(m) for m in found])


@router.get("/members/{number}")
def get_member(number: MemberNumber, uow: ReadingUnitOfWork, device: OptionalDevice) -> MemberOut:
    """One member's register entry: kind, status, balance, name and contact."""
    _volunteer(device)
    return _out(member_register.member(uow, number))


@router.patch("/members/{number}")
def patch_member(
    number: MemberNumber, body: MemberEditIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> MemberOut:
    """Corrects the member's name or contact (an empty contact removes it); the act names the
    fields changed, not their values."""
    _volunteer(device)
    edited = member_register.edit(uow, number=number, name=body.name, contact=body.contact)
    uow.commit()
    return _out(edited)


@router.post("/members/{number}/close")
def post_member_close(
    number: MemberNumber, uow: UnitOfWorkDep, device: OptionalDevice
) -> ClosedOut:
    """Closes an empty account and revokes its devices (refused while it holds units)."""
    actor = _volunteer(device)
    closed = member_register.close(uow, number=number, now=uow.ledger.clock(), by=actor.kid)
    uow.commit()
    return ClosedOut(number=str(number), status="closed", devices_revoked=closed.devices_revoked)


@router.post("/members/import/preview", openapi_extra=FILE_BODY)
def post_import_preview(
    data: MemberFile, uow: ReadingUnitOfWork, device: OptionalDevice
) -> ImportPreviewOut:
    """Every line of a members' spreadsheet judged; nothing written."""
    access.treasurer(device)
    judged = member_import.preview(uow, data=data)
    return ImportPreviewOut(
        sha256=judged.sha256,
        errors=judged.errors,
        ignored_columns=list(judged.ignored_columns),
        lines=[
            ImportLineOut(line=x.line, name=x.name, contact=x.contact, errors=list(x.errors))
            for x in judged.lines
        ],
    )


@router.post("/members/import", status_code=201, openapi_extra=FILE_BODY)
def post_import(data: MemberFile, uow: UnitOfWorkDep, device: OptionalDevice) -> ImportedMembersOut:
    """Opens one resident account per line of the spreadsheet, all or, if a line is in
    error, none (`member-import-refused`)."""
    access.treasurer(device)
    imported = member_import.run(uow, data=data, now=uow.ledger.clock())
    uow.commit()
    return ImportedMembersOut(sha256=imported.sha256, accounts=[str(n) for n in imported.accounts])
