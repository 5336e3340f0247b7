"""The one table from domain errors to HTTP statuses and RFC 9457 problem types.

Routes never catch domain errors: the handlers installed here turn every `SouError` into an
`application/problem+json` response whose `type` is stable per error class.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from association import errors as a
from ledger import errors as e
from merchants import errors as m

PROBLEM = "application/problem+json"
TYPE_PREFIX = "urn:sou:problem:"
logger = logging.getLogger("sou.errors")


# --- the HTTP layer's own refusals (raised by wallet_api.body and wallet_api.ratelimit) -------


class MalformedJSON(e.FormatError):
    title = "The request body is not strict JSON (size, syntax, duplicate keys, floats)."
    code = "malformed-json"


class RateLimited(e.SouError):
    title = "Too many attempts; try again later."
    code = "rate-limited"


# Most specific first: the first class an error is an instance of gives its status.
STATUS: tuple[tuple[type[e.SouError], int], ...] = (
    (e.AuthenticationError, 401),
    (e.InvalidSignature, 401),
    (e.UnknownKey, 401),
    (e.RevokedKey, 401),
    (e.NotAuthorized, 403),
    (e.UnknownAccount, 404),
    (e.UnknownMemo, 404),
    (e.UnknownPaymentRequest, 404),
    (m.UnknownMerchant, 404),
    (m.UnknownBatch, 404),
    (a.UnknownStatementLine, 404),
    (a.UnknownBankAccount, 404),
    (a.UnknownReserveStatement, 404),
    (a.UnknownMembershipReceipt, 404),
    (e.DuplicateConflict, 409),
    (e.DayAlreadyClosed, 409),
    (a.DuplicateStatement, 409),
    (a.StatementAlreadyPublished, 409),
    (a.MembershipAlreadyPaid, 409),
    (a.MembershipTransferUsed, 409),
    (a.ImportAlreadyDone, 409),
    (m.DayStatementChanged, 409),
    (m.MerchantAlreadyDecided, 409),
    (e.ConcurrencyConflict, 503),
    (e.LedgerKeyRotated, 503),
    (e.DatabaseUnavailable, 503),
    (e.LogUnverifiable, 503),
    (e.AccountQuarantined, 423),
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
    (m.MerchantError, 422),
    (a.MalformedStatement, 400),
    (a.AssociationError, 422),
    (e.SouError, 400),
)


# The problems any operation may answer, as documented in the OpenAPI schema.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "stable per error class: `urn:sou:problem:…`"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "for `invalid-request`: what is wrong, and where",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
PROBLEMS = {
    400: "malformed request or record",
    401: "no valid credentials: token, signature or key",
    403: "the credentials do not allow this",
    404: "no such resource",
    409: "conflict with the log (a nonce used for another record, …)",
    413: "the request is too large",
    423: "the account is quarantined: its stored balance is not backed by the log",
    422: "refused by the ledger's rules, or an invalid request",
    429: "too many attempts; see Retry-After",
    503: "the database was busy; retry (see Retry-After)",
}


def document(app: FastAPI) -> None:
    """Documents the problem responses on every operation of the app's OpenAPI schema.

    They replace FastAPI's default 422 (whose body is not ours: validation errors are
    problems too).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in PROBLEMS.items():
                    responses[str(status)] = {
                        "description": description,
                        "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}},
                    }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def status_of(error: e.SouError) -> int:
    return next(status for cls, status in STATUS if isinstance(error, cls))


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": TYPE_PREFIX + code, "title": title, "status": status, "detail": detail}
    body.update(extra)
    headers = {"Retry-After": "1" if status == 503 else "60"} if status in (429, 503) else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def unavailable(exc: BaseException) -> e.DatabaseUnavailable:
    """A database failure (connection lost, server gone) as a retryable refusal; its text,
    which may name hosts, stays in the server's log."""
    logger.warning("database unavailable: %s", type(exc).__name__)
    return e.DatabaseUnavailable("the database did not answer; send the same request again")


def domain_problem(exc: e.SouError) -> JSONResponse:
    """The problem+json answer to a refusal by the domain."""
    extra = {k: v for k, v in exc.detail.items() if isinstance(v, str | int)}
    return problem(status_of(exc), exc.code, exc.title, exc.message, **extra)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on the request's path (a 405's `Allow`)."""
    routes = request.app.router.routes
    return [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]


def install(app: FastAPI) -> None:
    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, e.SouError)
        return domain_problem(exc)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return domain_problem(MalformedJSON("the body is not JSON"))
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        return problem(
            422, "invalid-request", "The request is not valid", "see errors", errors=errors
        )

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
            exc.status_code, "http-error"
        )
        response = problem(exc.status_code, code, str(exc.detail), str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:  # Starlette names only the first route's methods
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    async def database_error(_request: Request, exc: Exception) -> JSONResponse:
        return domain_problem(unavailable(exc))

    app.add_exception_handler(e.SouError, domain_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
