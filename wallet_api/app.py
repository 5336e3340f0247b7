"""The HTTP service: one FastAPI application over one ledger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from ledger.context import Ledger
from wallet_api import errors
from wallet_api.ratelimit import AuthLimits
from wallet_api.routes import accounts, log, merchants, wallet

MAX_REQUEST = 64 * 1024
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
    app.state.auth_limits = AuthLimits()
    errors.install(app)
    app.include_router(log.router)
    app.include_router(wallet.router)
    app.include_router(accounts.router)
    app.include_router(merchants.router)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_REQUEST:
            response: Response = errors.problem(
                413, "too-large", "The request is too large", f"at most {MAX_REQUEST} bytes"
            )
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return app
