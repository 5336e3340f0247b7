"""The ASGI application built from the `SOU_*` settings (for `sou serve` and uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI

from ledger.bootstrap import open_ledger
from ledger.config import Settings
from wallet_api.app import create_app


def create() -> FastAPI:
    return create_app(open_ledger(Settings.from_env()))
