"""`/v1/ledger`: which ledger this is: its host, unit, keys, and the running version's source."""

from __future__ import annotations

from fastapi import APIRouter, Request

from wallet_api.body import LimitedRoute
from wallet_api.deps import LedgerDep
from wallet_api.schemas.ledger import LedgerOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["log"])


@router.get("/ledger")
def get_ledger(ledger: LedgerDep, request: Request) -> LedgerOut:
    return LedgerOut(
        host=ledger.host,
        currency=ledger.currency,
        unit_name=ledger.unit_name,
        ledger_key=ledger.key.public_bytes.hex(),
        checkpoint_verifier=ledger.verifier_key,
        source_url=str(request.app.state.source_url),
    )
