"""The one table from domain errors to HTTP statuses and RFC 9457 problem types.

Routes never catch domain errors: the handlers installed here turn every `SouError` into an
`application/problem+json` response whose `type` is stable per error class.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger import errors as e
from wallet_api.ratelimit import RateLimited

PROBLEM = "application/problem+json"
TYPE_PREFIX = "urn:sou:problem:"

# Most specific first: the first class an error is an instance of gives its status.
STATUS: tuple[tuple[type[e.SouError], int], ...] = (
    (e.AuthenticationError, 401),
    (e.InvalidSignature, 401),
    (e.UnknownKey, 401),
    (e.RevokedKey, 401),
    (e.NotAuthorized, 403),
    (e.UnknownAccount, 404),
    (e.UnknownPaymentRequest, 404),
    (e.DuplicateConflict, 409),
    (e.ConcurrencyConflict, 503),
    (RateLimited, 429),
    (e.InsufficientFunds, 422),
    (e.AccountNotOpen, 422),
    (e.ExpiredRecord, 422),
    (e.PaymentRequestError, 422),
    (e.InvalidReference, 422),
    (e.InvalidTransfer, 422),
    (e.WrongLedger, 422),
    (e.EnrolmentError, 422),
    (e.InvariantViolation, 409),
    (e.LogError, 400),
    (e.FormatError, 400),
    (e.LedgerError, 422),
    (e.SouError, 400),
)


def status_of(error: e.SouError) -> int:
    return next(status for cls, status in STATUS if isinstance(error, cls))


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": TYPE_PREFIX + code, "title": title, "status": status, "detail": detail}
    body.update(extra)
    headers = {"Retry-After": "1" if status == 503 else "60"} if status in (429, 503) else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, e.SouError)
        title = (type(exc).__doc__ or exc.code).strip().splitlines()[0]
        extra = {k: v for k, v in exc.detail.items() if isinstance(v, str | int)}
        return problem(status_of(exc), exc.code, title, exc.message, **extra)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        return problem(
            422, "invalid-request", "The request is not valid", "see errors", errors=errors
        )

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
            exc.status_code, "http-error"
        )
        return problem(exc.status_code, code, str(exc.detail), str(exc.detail))

    app.add_exception_handler(e.SouError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
