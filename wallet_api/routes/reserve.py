"""`/v1/reserve/…`: the reserve's figures for the treasurer and auditors: the dashboard (with
the compliance panel) and each bank account's balance checked against the ledger's."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from association.compliance import Compliance, Measure
from association.dashboard import Dashboard, dashboard
from association.reserve_check import BankAccountCheck, InTransit, reserve_check
from wallet_api.body import LimitedRoute
from wallet_api.deps import AuditReader, ReadingUnitOfWork
from wallet_api.schemas.common import latest_statement_out, statement_line_out
from wallet_api.schemas.reserve import (
    BankAccountCheckOut,
    BankCheckOut,
    ComplianceOut,
    DashboardOut,
    InTransitOut,
    MeasureOut,
    ReserveMonthOut,
    ReserveOfficeOut,
    ReserveOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1")


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
        open_lines=[statement_line_out(v) for v in c.open_lines],
    )


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
        offices=[ReserveOfficeOut(**asdict(o)) for o in d.offices],
        office_cash=d.office_cash,
        payouts_payable=d.payouts_payable,
        fees_earned=d.fees_earned,
        paper_stock_known=d.paper_stock_known,
        holders=dict(d.holders),
        history=[ReserveMonthOut(**asdict(p)) for p in d.history],
        compliance=_compliance(d.compliance),
        banks=[_bank(b) for b in d.banks],
        latest_statement=latest_statement_out(d.latest_statement),
    )


@router.get("/reserve/check", tags=["reserve"])
def get_reserve_check(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[BankAccountCheckOut]:
    """FORMATS.md §3 invariant 3: each bank account's balance against the ledger's, explained."""
    return [_check_out(c) for c in reserve_check(uow)]


@router.get("/reserve/dashboard", tags=["transparency"])
def get_dashboard(uow: ReadingUnitOfWork, _reader: AuditReader) -> DashboardOut:
    """The reserve dashboard and the compliance panel: for the treasurer and auditors."""
    return _dashboard(dashboard(uow, now=uow.ledger.clock()))
