"""What every response carries and every request must respect: security headers, a size limit.

A plain ASGI middleware (Starlette's `BaseHTTPMiddleware` costs more than the bare endpoint
it wraps). A request declaring more than `MAX_REQUEST` bytes is refused at once; a request
that does not declare its length (chunked) is counted as it is read, and refused the moment
it goes past the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wallet_api import errors

MAX_REQUEST = 64 * 1024
# Scripts, styles, fonts and connections only from the service itself. Images may also be
# data: URLs (the API documentation's icons), which fetch nothing and run nothing.
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
# Over HTTPS (as the trusted proxy says, `SOU_TRUSTED_PROXIES`): browsers keep to HTTPS
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class TooLarge(Exception):
    """The body went past the limit while it was read."""


class Guard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        headers = [*_RAW_HEADERS, _HSTS] if scope.get("scheme") == "https" else _RAW_HEADERS

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_REQUEST):
            await self._too_large(scope, receive, send_with_headers)
            return
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > MAX_REQUEST:
                    raise TooLarge
            return message

        try:
            await self.app(scope, counted, send_with_headers)
        except TooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send_with_headers)

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
        response = errors.problem(
            413, "too-large", "The request is too large", f"at most {MAX_REQUEST} bytes"
        )
        await response(scope, receive, send)
