"""The HTTP service: one FastAPI application over one ledger."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from ipaddress import IPv4Network, IPv6Network

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ledger.context import Ledger
from ledger.persistence.wal import WalCheckpointer
from ledger.readiness import check_readiness
from merchants.sepa import Debtor
from wallet_api import errors, observability, pages
from wallet_api.batcher import Batcher
from wallet_api.guard import Guard
from wallet_api.hotpath import HotPath
from wallet_api.observability import Observe
from wallet_api.ratelimit import AuthLimits, PayeeLimits
from wallet_api.routes import (
    accounts,
    association,
    audit,
    keys,
    log,
    merchants,
    offices,
    reconversions,
    reserve,
    takings,
    transparency,
    wallet,
)
from wallet_api.selfcheck import SELF_CHECK_EVERY, SelfChecker
from wallet_api.source import DEFAULT_SOURCE_URL


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await asyncio.to_thread(app.state.ledger.remember_enrolled_keys)
    await asyncio.to_thread(app.state.self_checker.at_start)
    app.state.wal_checkpointer.start()
    app.state.self_checker.start()
    try:
        yield
    finally:
        await asyncio.to_thread(app.state.batcher.close)  # the payments queued are posted
        await asyncio.to_thread(app.state.wal_checkpointer.stop)
        await asyncio.to_thread(app.state.self_checker.stop)
        observability.worker_stopped()


def create_app(
    ledger: Ledger,
    *,
    debtor: Debtor | None = None,
    pilot_end: dt.date | None = None,
    auth_per_client: int = 30,
    source_url: str = DEFAULT_SOURCE_URL,
    metrics_allow: Sequence[IPv4Network | IPv6Network] | None = None,
    self_check_every: float = SELF_CHECK_EVERY,
    witnesses: Sequence[str] = (),
) -> FastAPI:
    """The service over `ledger`; `debtor` is the association's account that pays payouts,
    `pilot_end` the pilot's last day (for its evaluation), `auth_per_client` the sign-ins a
    minute one client address may make, `source_url` where every page links to the running
    version's source (AGPL section 13), `metrics_allow` the client networks that may read
    `/metrics` (None: the metrics are off), `self_check_every` the seconds between two
    background self-checks of the stored ledger (one runs at start; 0: no more), `witnesses`
    the verifier keys of the witnesses whose cosignatures the checkpoint carries."""
    app = FastAPI(
        title="Sou",
        version="1",
        description="The ledger of a citizen local currency: signed transfers, a verifiable log.",
        lifespan=lifespan,
        docs_url=None,  # served by wallet_api.pages from the service's own files
        redoc_url=None,
    )
    app.state.ledger = ledger
    app.state.debtor = debtor
    app.state.pilot_end = pilot_end
    app.state.batcher = Batcher(ledger)
    app.state.wal_checkpointer = WalCheckpointer(ledger.engine)  # SQLite's, run while serving
    app.state.self_checker = SelfChecker(ledger, every=self_check_every)
    app.state.auth_limits = AuthLimits(per_client=auth_per_client)
    app.state.payee_limits = PayeeLimits()
    app.state.source_url = source_url
    app.state.witnesses = tuple(witnesses)
    errors.install(app)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process answers: no database work (for probes, and the HTTP benchmark's baseline)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], response_model=None)
    async def readyz() -> dict[str, object] | JSONResponse:
        """Ready for traffic: the database answers, its schema is at head, the ledger key is the
        genesis's, the stored log agrees with the latest signed checkpoint, and nothing was
        found wrong with the stored ledger (503 if not)."""
        readiness = await asyncio.to_thread(check_readiness, app.state.ledger)
        if readiness.ready:
            return {"status": "ready", "checks": readiness.checks}
        detail = "; ".join(f"{name}: {readiness.checks[name]}" for name in readiness.failed)
        return errors.problem(
            503, "not-ready", "the service is not ready", detail, checks=readiness.checks
        )

    app.include_router(log.router)
    app.include_router(wallet.router)
    app.include_router(accounts.router)
    app.include_router(merchants.router)
    app.include_router(keys.router)
    app.include_router(takings.router)
    app.include_router(reconversions.router)
    app.include_router(association.router)
    app.include_router(offices.router)
    app.include_router(reserve.router)
    app.include_router(transparency.router)
    app.include_router(audit.router)
    app.include_router(pages.router)
    app.mount("/static", pages.static_files, name="static")
    app.mount("/docs/assets", pages.swagger_ui_files, name="docs-assets")

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics, for the addresses `SOU_METRICS_ALLOW` names when `SOU_METRICS`
        is on; otherwise this route does not exist (404)."""
        client = request.client.host if request.client else None
        if metrics_allow is None or not observability.allowed(client, metrics_allow):
            return errors.problem(404, "not-found", "Not Found", "Not Found")
        text, media_type = await asyncio.to_thread(observability.scrape, app.state.ledger)
        return Response(text, media_type=media_type)

    app.add_middleware(HotPath)  # inside Guard: the last added is the outermost
    app.add_middleware(Guard)
    app.add_middleware(Observe)  # outside everything: every answer is counted and logged
    errors.document(app)
    return app
