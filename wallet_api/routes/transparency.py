"""The reserve as members and the public see it: dashboard, signed reserve statements, proofs.

Public: the transparency figures (totals only, no personal data), the list of reserve
statements and each signed note. The treasurer and auditors read the dashboard; the treasurer
publishes a statement (signed by the ledger key) and, with auditors, cosigns it; a holder's own
device fetches the proof that its balance is counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from association.compliance import Compliance, Measure
from association.dashboard import PARIS, Dashboard, LatestStatement, dashboard, latest_statement
from association.dashboard import holder_counts as count_holders
from association.publication import (
    cosign,
    holder_proof,
    publish,
    statement_note,
    statements,
)
from association.reconciliation import BankAccountCheck
from ledger.errors import FormatError
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.routes.audit import AuditReader

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["transparency"])
StatementNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="a reserve statement")]
TEXT = "text/plain; charset=utf-8"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class MeasureOut(_Out):
    amount: int
    threshold: int
    usage_bp: int
    level: str


class ComplianceOut(_Out):
    since: int
    until: int
    level: str
    payment_volume: MeasureOut
    outstanding: MeasureOut


class StatementBankOut(_Out):
    sha256: str
    iban: str | None
    closing_date: str | None
    closing_balance: int | None


class LatestStatementOut(_Out):
    id: int
    date: str
    status: str
    checkpoint_size: int
    liabilities: int
    reserve: int
    difference: int
    shortfall: int
    cosignatures: int
    banks: list[StatementBankOut]


class ReserveOut(_Out):
    number: int
    name: str
    balance: int
    iban: str | None
    label: str | None


class OfficeOut(_Out):
    number: int
    name: str
    cash: int
    paper_issued: int
    paper_exchanged: int
    notes_delivered: int
    paper_stock: int


class MonthOut(_Out):
    month: str
    circulation: int
    backing: int


class BankCheckOut(_Out):
    iban: str
    reserve: str
    label: str
    ledger: int
    in_transit: int
    expected: int
    bank: int | None
    statement_date: str | None
    difference: int | None
    open_lines: int
    unexplained: int | None
    balanced: bool


class DashboardOut(_Out):
    circulation: int
    circulation_digital: int
    circulation_paper: int
    backing: int
    balanced: bool
    coverage_bp: int | None
    reserves: list[ReserveOut]
    offices: list[OfficeOut]
    office_cash: int
    payouts_payable: int
    fees_earned: int
    paper_stock_known: bool
    holders: dict[str, int]
    history: list[MonthOut]
    compliance: ComplianceOut
    banks: list[BankCheckOut]
    latest_statement: LatestStatementOut | None


class TransparencyOut(_Out):
    circulation: int
    circulation_digital: int
    circulation_paper: int
    backing: int
    coverage_bp: int | None
    payouts_payable: int
    holders: dict[str, int]
    latest_statement: LatestStatementOut | None
    latest_note: str | None


class StatementOut(_Out):
    id: int
    date: str
    status: str
    checkpoint_size: int
    liabilities: int
    reserve: int


class PublishIn(_In):
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class PublishedOut(StatementOut):
    note: str


class CosignIn(_In):
    signature: str = Field(min_length=1, max_length=400, description="'— <host>/<role> <b64>'")


class ProofStepOut(_Out):
    side: str
    hash: str
    sum: int


class LiabilityProofOut(_Out):
    holder: str
    balance: int
    leaf_salt: str
    path: list[ProofStepOut]


class HolderProofOut(_Out):
    statement: int
    date: str
    account: str
    balance: int
    proof: LiabilityProofOut
    note: str
    ledger_key: str


def _measure(m: Measure) -> MeasureOut:
    return MeasureOut(amount=m.amount, threshold=m.threshold, usage_bp=m.usage_bp, level=m.level)


def _compliance(c: Compliance) -> ComplianceOut:
    return ComplianceOut(
        since=c.since,
        until=c.until,
        level=c.level,
        payment_volume=_measure(c.payment_volume),
        outstanding=_measure(c.outstanding),
    )


def _latest(s: LatestStatement | None) -> LatestStatementOut | None:
    if s is None:
        return None
    return LatestStatementOut(
        id=s.id,
        date=s.date,
        status=s.status,
        checkpoint_size=s.checkpoint_size,
        liabilities=s.liabilities,
        reserve=s.reserve,
        difference=s.difference,
        shortfall=s.shortfall,
        cosignatures=s.cosignatures,
        banks=[StatementBankOut(**asdict(b)) for b in s.banks],
    )


def _bank(check: BankAccountCheck) -> BankCheckOut:
    return BankCheckOut(
        iban=check.iban,
        reserve=check.reserve,
        label=check.label,
        ledger=check.ledger,
        in_transit=sum(t.amount for t in check.in_transit),
        expected=check.expected,
        bank=check.bank,
        statement_date=check.statement_date,
        difference=check.difference,
        open_lines=len(check.open_lines),
        unexplained=check.unexplained,
        balanced=check.balanced,
    )


def _dashboard(d: Dashboard) -> DashboardOut:
    return DashboardOut(
        circulation=d.circulation,
        circulation_digital=d.circulation_digital,
        circulation_paper=d.circulation_paper,
        backing=d.backing,
        balanced=d.balanced,
        coverage_bp=d.coverage_bp,
        reserves=[ReserveOut(**asdict(r)) for r in d.reserves],
        offices=[OfficeOut(**asdict(o)) for o in d.offices],
        office_cash=d.office_cash,
        payouts_payable=d.payouts_payable,
        fees_earned=d.fees_earned,
        paper_stock_known=d.paper_stock_known,
        holders=dict(d.holders),
        history=[MonthOut(**asdict(p)) for p in d.history],
        compliance=_compliance(d.compliance),
        banks=[_bank(b) for b in d.banks],
        latest_statement=_latest(d.latest_statement),
    )


@router.get("/reserve/dashboard")
def get_dashboard(uow: ReadingUnitOfWork, _reader: AuditReader) -> DashboardOut:
    """The reserve dashboard and the compliance panel: for the treasurer and auditors."""
    return _dashboard(dashboard(uow, now=uow.ledger.clock()))


@router.get("/transparency")
def get_transparency(uow: ReadingUnitOfWork) -> TransparencyOut:
    """Public totals: circulation, backing, coverage, holders by kind, the latest statement."""
    d = dashboard(uow, now=uow.ledger.clock())
    latest = latest_statement(uow)
    return TransparencyOut(
        circulation=d.circulation,
        circulation_digital=d.circulation_digital,
        circulation_paper=d.circulation_paper,
        backing=d.backing,
        coverage_bp=d.coverage_bp,
        payouts_payable=d.payouts_payable,
        holders=count_holders(uow),
        latest_statement=_latest(latest),
        latest_note=None if latest is None else statement_note(uow, number=latest.id),
    )


@router.get("/reserve-statements")
def get_statements(uow: ReadingUnitOfWork) -> list[StatementOut]:
    """Every published reserve statement, newest first (public)."""
    return [StatementOut(**asdict(s)) for s in statements(uow)]


@router.post("/reserve-statements", status_code=201)
def post_statement(body: PublishIn, uow: UnitOfWorkDep, device: OptionalDevice) -> PublishedOut:
    """The treasurer publishes the reserve statement of a date (today, Paris, by default)."""
    access.treasurer(device)
    now = uow.ledger.clock()
    on = _date(body.date, now)
    made = publish(uow, on=on, now=now)
    uow.commit()
    return PublishedOut(
        id=made.id,
        date=made.date.isoformat(),
        status=made.status,
        checkpoint_size=made.checkpoint_size,
        liabilities=made.liabilities,
        reserve=made.reserve,
        note=made.note,
    )


def _date(text: str | None, now: int) -> dt.date:
    if text is None:
        return dt.datetime.fromtimestamp(now, PARIS).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FormatError(f"{text} is not a calendar date") from None


@router.get("/reserve-statements/{number}", response_class=PlainTextResponse)
def get_statement(number: StatementNumber, uow: ReadingUnitOfWork) -> PlainTextResponse:
    """The signed note of the statement, with its cosignatures (public)."""
    return PlainTextResponse(statement_note(uow, number=number), media_type=TEXT)


@router.post("/reserve-statements/{number}/cosign", response_class=PlainTextResponse)
def post_cosignature(
    number: StatementNumber, body: CosignIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> PlainTextResponse:
    """A treasurer's or auditor's device adds its signature line; the note as it now stands."""
    key = access.cosigner(uow, device)
    note = cosign(uow, number=number, device=key, line=body.signature)
    uow.commit()
    return PlainTextResponse(note, media_type=TEXT)


@router.get("/reserve-statements/{number}/proof")
def get_proof(
    number: StatementNumber,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    account: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> HolderProofOut:
    """The proof that the device's own account is counted in the statement's liabilities."""
    key = access.signed_in(device)
    number_of_account = key.account if account is None else account
    if number_of_account is None:
        raise FormatError("this device has no account")
    access.balance_holder(device, number_of_account)
    found = holder_proof(uow, number=number, account=number_of_account)
    p = found.proof
    return HolderProofOut(
        statement=found.statement,
        date=found.date,
        account=str(found.account),
        balance=found.balance,
        proof=LiabilityProofOut(
            holder=p.holder,
            balance=p.balance,
            leaf_salt=p.leaf_salt.hex(),
            path=[ProofStepOut(side=s.side, hash=s.hash.hex(), sum=s.sum) for s in p.path],
        ),
        note=found.note,
        ledger_key=uow.ledger.key.public_bytes.hex(),
    )
