"""The ASGI application built from the `SOU_*` settings (for `sou serve` and uvicorn)."""

from __future__ import annotations

import datetime as dt
import gc

from fastapi import FastAPI

from ledger.bootstrap import open_ledger
from ledger.config import Settings
from merchants.sepa import Debtor
from wallet_api.app import create_app
from wallet_api.observability import parse_networks


def create() -> FastAPI:
    settings = Settings.from_env()
    debtor = None
    if settings.reserve_iban and settings.reserve_bic:
        debtor = Debtor(settings.association_name, settings.reserve_iban, settings.reserve_bic)
    end = dt.date.fromisoformat(settings.pilot_end) if settings.pilot_end else None
    app = create_app(
        open_ledger(settings),
        debtor=debtor,
        pilot_end=end,
        auth_per_client=settings.auth_per_client,
        source_url=settings.source_url,
        metrics_allow=parse_networks(settings.metrics_allow) if settings.metrics else None,
        self_check_every=settings.selfcheck_every,
        witnesses=settings.witnesses,
    )
    # What is alive now (modules, the app, the schema: some 180,000 objects) lives as long as
    # the process: out of the collector's sight, a full collection no longer walks it, which
    # froze a busy worker for about 110 ms several times a minute.
    gc.collect()
    gc.freeze()
    return app
