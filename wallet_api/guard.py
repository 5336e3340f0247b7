"""What every response carries and every request must respect: security headers, a size limit.

A plain ASGI middleware (Starlette's `BaseHTTPMiddleware` costs more than the bare endpoint
it wraps). A request declaring more than `MAX_REQUEST` bytes is refused at once; a request
that does not declare its length (chunked) is counted as it is read, and refused the moment
it goes past the limit. The treasurer's upload of a platform's export may be larger:
`UPLOADS` names those paths and their limits, checked before the caller is known, so that
they stay bounded.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wallet_api import errors

MAX_REQUEST = 64 * 1024
# An export of a few thousand members and their history, with the treasurer's signed records
# of their opening balances, is a few MiB.
UPLOADS = {
    "/v1/platform-imports": 16 * 1024 * 1024,
    "/v1/platform-imports/preview": 16 * 1024 * 1024,
}
# Scripts, styles, fonts and connections only from the service itself. Images may also be
# data: URLs (the API documentation's icons), which fetch nothing and run nothing.
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
# The two pages with a map (the directory at /annuaire, the association's console) set their
# own policy, which also lets images come from OpenStreetMap's tile server, and nothing else.
MAP_TILES = "https://tile.openstreetmap.org"
MAP_CSP = CSP.replace("img-src 'self' data:", f"img-src 'self' data: {MAP_TILES}")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_CSP_NAME = b"content-security-policy"
# for a response that carries its own policy (a page with a map): every other header
_RAW_HEADERS_OWN_CSP = [h for h in _RAW_HEADERS if h[0] != _CSP_NAME]
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
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                own = list(message.get("headers", []))
                ours = (
                    _RAW_HEADERS_OWN_CSP
                    if any(name.lower() == _CSP_NAME for name, _ in own)
                    else _RAW_HEADERS
                )
                message["headers"] = [*own, *ours, *([_HSTS] if https else [])]
            await send(message)

        limit = (
            UPLOADS.get(scope["path"], MAX_REQUEST) if scope["method"] == "POST" else MAX_REQUEST
        )
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(scope, receive, send_with_headers, limit)
            return
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise TooLarge
            return message

        try:
            await self.app(scope, counted, send_with_headers)
        except TooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send_with_headers, limit)

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = errors.problem(
            413, "too-large", "The request is too large", f"at most {limit} bytes"
        )
        await response(scope, receive, send)
