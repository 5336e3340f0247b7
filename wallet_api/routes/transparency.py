"""`/v1/transparency`: the reserve as the public sees it: totals only, no personal data."""

from __future__ import annotations

from fastapi import APIRouter

from association.dashboard import dashboard, latest_statement
from association.dashboard import holder_counts as count_holders
from association.publication import statement_note
from wallet_api.body import LimitedRoute
from wallet_api.deps import ReadingUnitOfWork
from wallet_api.schemas.common import latest_statement_out
from wallet_api.schemas.transparency import TransparencyOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["transparency"])


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
        latest_statement=latest_statement_out(latest),
        latest_note=None if latest is None else statement_note(uow, number=latest.id),
    )
