"""The service's own state, for its operators: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ledger.readiness import check_readiness
from wallet_api import errors, observability

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers: no database work (for probes, and the HTTP benchmark's baseline)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(request: Request) -> dict[str, object] | JSONResponse:
    """Ready for traffic: the database answers, its schema is at head, the ledger key is the
    genesis's, the stored log agrees with the latest signed checkpoint, and nothing was
    found wrong with the stored ledger (503 if not)."""
    readiness = await asyncio.to_thread(check_readiness, request.app.state.ledger)
    if readiness.ready:
        return {"status": "ready", "checks": readiness.checks}
    detail = "; ".join(f"{name}: {readiness.checks[name]}" for name in readiness.failed)
    return errors.problem(
        503, "not-ready", "the service is not ready", detail, checks=readiness.checks
    )


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus metrics, for the addresses `SOU_METRICS_ALLOW` names when `SOU_METRICS`
    is on; otherwise this route does not exist (404)."""
    allow: Sequence[IPv4Network | IPv6Network] | None = request.app.state.metrics_allow
    client = request.client.host if request.client else None
    if allow is None or not observability.allowed(client, allow):
        return errors.problem(404, "not-found", "Not Found", "Not Found")
    text, media_type = await asyncio.to_thread(observability.scrape, request.app.state.ledger)
    return Response(text, media_type=media_type)
