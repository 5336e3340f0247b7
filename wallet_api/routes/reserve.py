"""The reserve's bank accounts and statements: imports, matching, bank-transfer top-ups.

Every route needs the treasurer's bearer token (reading ones also admit an auditor inside
the window the treasurer granted it). A statement file is posted as the raw request
body (`application/octet-stream`); the service refuses bodies over 64 KiB, which holds a month
of a small association's statement (a larger file is imported with `sou bank import FILE`).
A top-up is posted as the treasurer's signed bank `conversion` record for the line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from association.bank_import import (
    BankAccountView,
    LineView,
    StatementView,
    bank_accounts,
    import_statement,
    register_bank_account,
    statement,
    statement_line,
    statement_lines,
    statements,
)
from association.errors import MalformedStatement
from association.reconciliation import (
    BankAccountCheck,
    InTransit,
    match_line,
    post_bank_conversion,
    reserve_check,
    resolve_line,
)
from ledger.records import parse_envelope
from wallet_api import access
from wallet_api.body import LimitedRoute, StrictJSON, signed_body
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.routes.audit import AuditReader

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["reserve"])

StatementNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="an imported statement")]
LineNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="a line, from 1")]
MAX_STATEMENT = 64 * 1024


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BankAccountIn(Strict):
    iban: str = Field(min_length=15, max_length=50)
    reserve: Literal["digital", "paper"]
    label: str = Field(min_length=1, max_length=140)


class BankAccountOut(BaseModel):
    iban: str
    reserve: str
    label: str
    ledger_account: str


class ImportedOut(BaseModel):
    id: int
    iban: str
    lines: int
    matched: int
    open: int


class StatementOut(BaseModel):
    id: int
    iban: str
    format: str
    sha256: str
    opening_date: str
    opening_balance: int
    closing_date: str
    closing_balance: int
    imported: int
    lines: int
    open: int


class StatementLineOut(BaseModel):
    statement: int
    line: int
    date: str
    amount: int = Field(description="cents, negative for money out")
    label: str
    reference: str | None
    status: str = Field(description="open, matched or resolved")
    entry: int | None = Field(description="the log entry the line is matched to")
    batch: int | None = Field(description="the payout batch the line is matched to")
    note: str | None
    member: str | None = Field(description="the account a top-up line's RF reference names")


class StatementDetailOut(StatementOut):
    items: list[StatementLineOut]


class ResolveIn(Strict):
    note: str = Field(min_length=1, max_length=280)


class MatchIn(Strict):
    """One of `entry` (a deposit or a bank conversion) and `batch` (a payout batch)."""

    entry: int | None = Field(default=None, ge=0, le=2**63 - 1)
    batch: int | None = Field(default=None, ge=1, le=2**63 - 1)
    note: str = Field(min_length=1, max_length=280)


class TopUpOut(BaseModel):
    entry: int
    record_id: str
    line: StatementLineOut


class InTransitOut(BaseModel):
    kind: str
    amount: int
    date: str
    reference: str | None
    entry: int | None
    batch: int | None


class BankAccountCheckOut(BaseModel):
    iban: str
    reserve: str
    label: str
    ledger_account: str
    statement: int | None
    statement_date: str | None
    bank: int | None
    reserve_balance: int
    payouts_held: int
    fees_held: int
    ledger: int
    expected: int
    difference: int | None
    unexplained: int | None
    balanced: bool
    in_transit: list[InTransitOut]
    open_lines: list[StatementLineOut]


async def statement_file(request: Request) -> bytes:
    """The raw statement file posted as the body."""
    data = await request.body()
    if len(data) > MAX_STATEMENT:
        raise MalformedStatement(f"a statement posted here is at most {MAX_STATEMENT} bytes")
    return data


StatementFile = Annotated[bytes, Depends(statement_file)]


def _account_out(a: BankAccountView) -> BankAccountOut:
    return BankAccountOut(
        iban=a.iban, reserve=a.reserve, label=a.label, ledger_account=str(a.ledger_account)
    )


def _statement_out(s: StatementView) -> StatementOut:
    return StatementOut(**{f: getattr(s, f) for f in StatementOut.model_fields})


def _line_out(v: LineView) -> StatementLineOut:
    return StatementLineOut(
        statement=v.statement,
        line=v.line,
        date=v.date,
        amount=v.amount,
        label=v.label,
        reference=v.reference,
        status=v.status,
        entry=v.entry,
        batch=v.batch,
        note=v.note,
        member=None if v.member is None else str(v.member),
    )


def _transit_out(t: InTransit) -> InTransitOut:
    return InTransitOut(
        kind=t.kind,
        amount=t.amount,
        date=t.date,
        reference=t.reference,
        entry=t.entry,
        batch=t.batch,
    )


def _check_out(c: BankAccountCheck) -> BankAccountCheckOut:
    return BankAccountCheckOut(
        iban=c.iban,
        reserve=c.reserve,
        label=c.label,
        ledger_account=str(c.ledger_account),
        statement=c.statement,
        statement_date=c.statement_date,
        bank=c.bank,
        reserve_balance=c.reserve_balance,
        payouts_held=c.payouts_held,
        fees_held=c.fees_held,
        ledger=c.ledger,
        expected=c.expected,
        difference=c.difference,
        unexplained=c.unexplained,
        balanced=c.balanced,
        in_transit=[_transit_out(t) for t in c.in_transit],
        open_lines=[_line_out(v) for v in c.open_lines],
    )


@router.post("/bank-accounts", status_code=201)
def post_bank_account(
    body: BankAccountIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> BankAccountOut:
    """Registers the bank account holding the euros of the digital or the paper reserve."""
    access.treasurer(device)
    made = register_bank_account(uow, iban=body.iban, reserve=body.reserve, label=body.label)
    uow.commit()
    return _account_out(made)


@router.get("/bank-accounts")
def get_bank_accounts(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[BankAccountOut]:
    return [_account_out(a) for a in bank_accounts(uow)]


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
def get_statements(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[StatementOut]:
    """The imported statements, newest first."""
    return [_statement_out(s) for s in statements(uow)]


@router.get("/bank-statements/{number}")
def get_statement(
    number: StatementNumber, uow: ReadingUnitOfWork, _reader: AuditReader
) -> StatementDetailOut:
    """A statement with its lines and what accounts for each."""
    found = _statement_out(statement(uow, number=number))
    lines = [_line_out(v) for v in statement_lines(uow, statement=number)]
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
    return _line_out(resolved)


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
    return _line_out(matched)


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
        line=_line_out(statement_line(uow, statement=number, line=line)),
    )
    return JSONResponse(out.model_dump(), status_code=200 if posted.retry else 201)


@router.get("/reserve/check")
def get_reserve_check(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[BankAccountCheckOut]:
    """FORMATS.md §3 invariant 3: each bank account's balance against the ledger's, explained."""
    return [_check_out(c) for c in reserve_check(uow)]
