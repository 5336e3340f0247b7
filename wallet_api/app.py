"""The HTTP service: one FastAPI application over one ledger."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from ipaddress import IPv4Network, IPv6Network

from fastapi import FastAPI

from ledger.ports import Ledger, WalCheckpointer
from merchants.sepa import Debtor
from wallet_api import errors, observability, pages
from wallet_api.batcher import Batcher
from wallet_api.guard import Guard
from wallet_api.hotpath import HotPath
from wallet_api.observability import Observe
from wallet_api.ratelimit import AuthLimits, CodeLimits, PayeeLimits
from wallet_api.routes import (
    accounts,
    audit,
    auditors,
    auth,
    bank_accounts,
    bank_statements,
    devices,
    directory,
    fee_rules,
    keys,
    log,
    member_register,
    members,
    memberships,
    memos,
    merchants,
    office_operations,
    offices,
    operations,
    payment_requests,
    payout_batches,
    platform_imports,
    reconversions,
    reports,
    reserve,
    reserve_statements,
    transfers,
    transparency,
    volunteers,
)
from wallet_api.routes import ledger as ledger_routes
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
    app.state.code_limits = CodeLimits()
    app.state.source_url = source_url
    app.state.witnesses = tuple(witnesses)
    app.state.metrics_allow = metrics_allow
    errors.install(app)
    # One router per URL resource (wallet_api/routes); no two of them match the same path.
    for module in (
        operations,
        ledger_routes,
        log,
        devices,
        transfers,
        auth,
        accounts,
        payment_requests,
        merchants,
        directory,
        keys,
        reconversions,
        fee_rules,
        payout_batches,
        member_register,
        members,
        memberships,
        memos,
        office_operations,
        offices,
        bank_accounts,
        bank_statements,
        reserve,
        transparency,
        reserve_statements,
        audit,
        auditors,
        volunteers,
        reports,
        platform_imports,
    ):
        app.include_router(module.router)
    app.include_router(pages.router)
    app.mount("/static", pages.static_files, name="static")
    app.mount("/docs/assets", pages.swagger_ui_files, name="docs-assets")

    app.add_middleware(HotPath)  # inside Guard: the last added is the outermost
    app.add_middleware(Guard)
    app.add_middleware(Observe)  # outside everything: every answer is counted and logged
    errors.document(app)
    return app
