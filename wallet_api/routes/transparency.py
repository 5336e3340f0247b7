"""`/v1/transparency`: the reserve as the public sees it: totals only, no personal data."""

from __future__ import annotations

from fastapi import APIRouter

from association.dashboard import dashboard, latest_statement
from association.dashboard import holder_counts as count_holders
from association.publication import statement_note
from association.transparency import public_figures
from wallet_api.body import LimitedRoute
from wallet_api.deps import ReadingUnitOfWork
from wallet_api.schemas.common import latest_statement_out
from wallet_api.schemas.transparency import PublicMonthOut, TransparencyOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["transparency"])


@router.get("/transparency")
def get_transparency(uow: ReadingUnitOfWork) -> TransparencyOut:
    """Public totals: circulation, backing, coverage, holders by kind, the latest statement,
    and twelve months of aggregates (no person's figure: docs/PRIVACY.md)."""
    now = uow.ledger.clock()
    d = dashboard(uow, now=now)
    latest = latest_statement(uow)
    public = public_figures(uow, now=now, months=d.history)
    return TransparencyOut(
        circulation=d.circulation,
        circulation_digital=d.circulation_digital,
        circulation_paper=d.circulation_paper,
        backing=d.backing,
        coverage_bp=d.coverage_bp,
        payouts_payable=d.payouts_payable,
        holders=count_holders(uow),
        latest_statement=latest_statement_out(latest),
        latest_note=None if latest is None else statement_note(uow, number=latest.id),
        residents=public.residents,
        merchants=public.merchants,
        approved_merchants=public.approved_merchants,
        min_payments=public.min_payments,
        months=[
            PublicMonthOut(
                month=m.month,
                partial=m.partial,
                circulation=m.circulation,
                backing=m.backing,
                coverage_bp=m.coverage_bp,
                payments=m.payments,
                payments_total=m.payments_total,
            )
            for m in public.months
        ],
    )
