"""The payment route without FastAPI's routing: `POST /v1/transfers` is the service's hot path.

FastAPI's layers (exception middleware, router, dependency solving) cost about as much CPU as
the payment's own work in the request thread, so this plain ASGI middleware sends that one
route straight to its handler, `wallet_api.routes.transfers.post_transfer`, the same function
the documented route calls, and answers a refusal with the same problem+json. Everything
else goes on to FastAPI. It sits inside `Guard`, whose size limit and headers apply.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ledger.errors import SouError
from wallet_api import errors
from wallet_api.routes.transfers import post_transfer


class HotPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/v1/transfers":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await post_transfer(request)
        except SouError as error:
            response = errors.domain_problem(error)
        except DBAPIError as error:
            response = errors.domain_problem(errors.unavailable(error))
        await response(scope, receive, send)
