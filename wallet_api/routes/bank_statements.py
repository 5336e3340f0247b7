"""`/v1/bank-statements/…`: the reserve's bank statements: imports, matching, bank-transfer
top-ups.

Writing is the treasurer's; reading also an auditor's, inside the window the treasurer granted
it. A statement file is posted as the raw request body (`application/octet-stream`); the
service refuses bodies over 64 KiB, which holds a month of a small association's statement (a
larger file is imported with `sou bank import FILE`). A top-up is posted as the treasurer's
signed bank `conversion` record for the line.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from association.bank_import import (
    StatementView,
    statement,
    statement_line,
    statement_lines,
    statements,
)
from association.errors import MalformedStatement
from association.reconciliation import match_line, post_bank_conversion, resolve_line
from association.statement_import import import_statement
from ledger.records import parse_envelope
from wallet_api import access
from wallet_api.body import LimitedRoute, StrictJSON, signed_body
from wallet_api.deps import AuditReader, OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.bank_statements import (
    BankStatementOut,
    ImportedOut,
    MatchIn,
    ResolveIn,
    StatementDetailOut,
    TopUpOut,
)
from wallet_api.schemas.common import StatementLineOut, statement_line_out

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["reserve"])


StatementNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="an imported statement")]


LineNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="a line, from 1")]


MAX_STATEMENT = 64 * 1024


async def statement_file(request: Request) -> bytes:
    """The raw statement file posted as the body."""
    data = await request.body()
    if len(data) > MAX_STATEMENT:
        raise MalformedStatement(f"a statement posted here is at most {MAX_STATEMENT} bytes")
    return data


StatementFile = Annotated[bytes, Depends(statement_file)]


def _statement_out(s: StatementView) -> BankStatementOut:
    return BankStatementOut(**{f: getattr(s, f) for f in BankStatementOut.model_fields})


@router.post(
    "/bank-statements",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "a camt.053, CFONB 120 or French CSV file, at most 64 KiB",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
def post_statement(data: StatementFile, uow: UnitOfWorkDep, device: OptionalDevice) -> ImportedOut:
    """Imports a reserve account's statement file and matches its lines with the ledger."""
    access.treasurer(device)
    imported = import_statement(uow, data=data, now=uow.ledger.clock())
    uow.commit()
    return ImportedOut(
        id=imported.id,
        iban=imported.iban,
        lines=imported.lines,
        matched=imported.matched,
        open=imported.open,
    )


@router.get("/bank-statements")
def get_statements(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[BankStatementOut]:
    """The imported statements, newest first."""
    return [_statement_out(s) for s in statements(uow)]


@router.get("/bank-statements/{number}")
def get_statement(
    number: StatementNumber, uow: ReadingUnitOfWork, _reader: AuditReader
) -> StatementDetailOut:
    """A statement with its lines and what accounts for each."""
    found = _statement_out(statement(uow, number=number))
    lines = [statement_line_out(v) for v in statement_lines(uow, statement=number)]
    return StatementDetailOut(**found.model_dump(), items=lines)


@router.post("/bank-statements/{number}/lines/{line}/resolve")
def post_resolve(
    number: StatementNumber,
    line: LineNumber,
    body: ResolveIn,
    uow: UnitOfWorkDep,
    device: OptionalDevice,
) -> StatementLineOut:
    """Explains a line the ledger does not account for (bank fees…) with a note."""
    access.treasurer(device)
    resolved = resolve_line(uow, statement=number, line=line, note=body.note)
    uow.commit()
    return statement_line_out(resolved)


@router.post("/bank-statements/{number}/lines/{line}/match")
def post_match(
    number: StatementNumber,
    line: LineNumber,
    body: MatchIn,
    uow: UnitOfWorkDep,
    device: OptionalDevice,
) -> StatementLineOut:
    """Matches a line by hand, with a note, with a deposit or bank conversion (`entry`) or a
    payout batch (`batch`) the ledger still expects on its bank account (the reserve check's
    `in_transit`). Amounts may differ: the difference stays unexplained in the reserve check."""
    access.treasurer(device)
    matched = match_line(
        uow,
        statement=number,
        line=line,
        entry=body.entry,
        batch=body.batch,
        note=body.note,
        now=uow.ledger.clock(),
    )
    uow.commit()
    return statement_line_out(matched)


@router.post(
    "/bank-statements/{number}/lines/{line}/conversion",
    status_code=201,
    openapi_extra=signed_body("a bank conversion record for this line (FORMATS.md §4)"),
)
def post_conversion(
    number: StatementNumber,
    line: LineNumber,
    body: StrictJSON,
    uow: UnitOfWorkDep,
    device: OptionalDevice,
) -> JSONResponse:
    """Posts the treasurer's signed bank `conversion` for a top-up line (201; a retry 200)."""
    access.treasurer(device)
    record = parse_envelope(body)
    posted = post_bank_conversion(
        uow, statement=number, line=line, record=record, now=uow.ledger.clock()
    )
    uow.commit()
    out = TopUpOut(
        entry=posted.index,
        record_id=record.id,
        line=statement_line_out(statement_line(uow, statement=number, line=line)),
    )
    return JSONResponse(out.model_dump(), status_code=200 if posted.retry else 201)
