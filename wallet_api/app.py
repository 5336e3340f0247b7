"""The HTTP service: one FastAPI application over one ledger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from ledger.context import Ledger
from wallet_api import errors
from wallet_api.routes import accounts, log, merchants, wallet

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(ledger: Ledger) -> FastAPI:
    app = FastAPI(
        title="Sou",
        version="1",
        description="The ledger of a citizen local currency: signed transfers, a verifiable log.",
    )
    app.state.ledger = ledger
    errors.install(app)
    app.include_router(log.router)
    app.include_router(wallet.router)
    app.include_router(accounts.router)
    app.include_router(merchants.router)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return app
