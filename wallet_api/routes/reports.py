"""`/v1/reports/…`: the pilot's evaluation report, for the treasurer and auditors."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from association.evaluation import MonthFigures, assess, evaluation, evaluation_csv
from ledger.records import format_time
from wallet_api.body import LimitedRoute
from wallet_api.deps import AuditReader, ReadingUnitOfWork
from wallet_api.responses import download
from wallet_api.schemas.reports import CriterionOut, EvaluationOut, MonthOut, PilotOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["audit"])


def _month_out(m: MonthFigures) -> MonthOut:
    return MonthOut(
        month=m.month,
        active_residents=m.active_residents,
        active_merchants=m.active_merchants,
        payments=m.payments,
        volume=m.volume,
        merchant_to_merchant=m.merchant_to_merchant,
        merchant_share_bp=m.merchant_share_bp,
        received_by_merchants=m.received_by_merchants,
        reconverted=m.reconverted,
        reconversion_rate_bp=m.reconversion_rate_bp,
        average_circulation=m.average_circulation,
        velocity_bp=m.velocity_bp,
        partial=m.partial,
    )


@router.get("/reports/evaluation")
def get_evaluation(uow: ReadingUnitOfWork, _reader: AuditReader, request: Request) -> EvaluationOut:
    """The pilot's evaluation, month by month (Europe/Paris); ratios in basis points; where
    the pilot stands against its criteria, and the days left to its end."""
    now = uow.ledger.clock()
    months = evaluation(uow, now=now)
    status = assess(months, now=now, end=request.app.state.pilot_end)
    return EvaluationOut(
        currency=uow.ledger.currency,
        generated=format_time(now),
        months=[_month_out(m) for m in months],
        pilot=PilotOut(
            end=status.end.isoformat() if status.end else None,
            days_left=status.days_left,
            criteria=[
                CriterionOut(
                    name=a.criterion.name,
                    target=a.criterion.target,
                    at_least=a.criterion.at_least,
                    month=a.month,
                    value=a.value,
                    met=a.met,
                )
                for a in status.assessments
            ],
        ),
    )


@router.get("/reports/evaluation.csv", response_class=Response)
def get_evaluation_csv(uow: ReadingUnitOfWork, _reader: AuditReader) -> Response:
    """The same report as a French spreadsheet."""
    months = evaluation(uow, now=uow.ledger.clock())
    return download(evaluation_csv(months), "text/csv; charset=utf-8", "evaluation.csv")
