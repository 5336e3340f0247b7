"""What operators see of the running service: one JSON log line per event, with the request's
id on every line; and Prometheus metrics.

`Observe` is the outermost middleware. It takes the caller's `X-Request-ID` if it is short and
plain (else makes one), echoes it, keeps it in a context variable for every line logged while
the request runs, and at the end logs one access line and counts the request. Lines name the
route's template (`/v1/accounts/{number}`), never the path, query, headers or body: no token,
account number, name or memo reaches the log.

Metrics (`/metrics`, off unless `SOU_METRICS` is set, and then only for the addresses of
`SOU_METRICS_ALLOW`): requests by route, method and status with their latency, problem types
answered, payments by outcome, the batcher's batch sizes, and, read at scrape time, the log's
size, the units in circulation, the euros backing them and the coverage. With several worker
processes, `sou serve` gives them a shared directory (`PROMETHEUS_MULTIPROC_DIR`) and a
scrape adds up every worker's counts.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.errors import AccountQuarantined
from ledger.ports import Ledger
from ledger.queries import totals

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_PROBLEM = re.compile(rb'"type":"urn:sou:problem:([a-z-]+)"')
access_log = logging.getLogger("sou.access")

REQUESTS = Histogram(
    "sou_request_duration_seconds",
    "HTTP requests by route template, method and status, and how long they took",
    ["route", "method", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PROBLEMS = Counter("sou_problems_total", "problem+json answers by problem type", ["type"])
PAYMENTS = Counter(
    "sou_payments_total",
    "POST /v1/transfers by outcome: accepted, replayed (the same record again), or the"
    " problem type of a refusal",
    ["outcome"],
)
BATCH_SIZE = Histogram(
    "sou_batch_size",
    "payments posted together in one database transaction (group commit)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 250),
)


def route_of(scope: Scope) -> str:
    """The template of the route that served `scope` (never the path itself)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("path") == "/v1/transfers":  # the hot path, served before FastAPI's router
        return "/v1/transfers"
    return "unmatched"


class Observe:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _GOOD_ID.fullmatch(given) else secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        problem: str | None = None
        body = b""

        async def observed(message: Message) -> None:
            nonlocal status, body
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body" and status >= 400 and len(body) < 512:
                body += message.get("body", b"")[:512]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            elapsed = time.perf_counter() - started
            if status >= 400:
                found = _PROBLEM.search(body)
                problem = found[1].decode() if found else None
            self._record(scope, status, problem, elapsed)
            request_id.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, problem: str | None, elapsed: float) -> None:
        route, method = route_of(scope), scope["method"]
        REQUESTS.labels(route, method, str(status)).observe(elapsed)
        if problem is not None:
            PROBLEMS.labels(problem).inc()
        if route == "/v1/transfers" and method == "POST":
            outcome = {201: "accepted", 200: "replayed"}.get(status, problem or f"http-{status}")
            PAYMENTS.labels(outcome).inc()
        access_log.info(
            "%s %s %s",
            method,
            route,
            status,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                **({"problem": problem} if problem else {}),
            },
        )


# --- logs ------------------------------------------------------------------------------------

_FIELDS = ("method", "route", "status", "duration_ms", "problem")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and the access
    fields when the line has them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        for field in _FIELDS:
            if field in record.__dict__:
                line[field] = record.__dict__[field]
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


JsonFormatter.converter = time.gmtime


def log_config(log_format: str = "json") -> dict[str, Any]:
    """uvicorn's `log_config`: Sou's JSON lines (or plain text, `SOU_LOG_FORMAT=text`) on
    stderr; uvicorn's own access log is off (it prints raw paths): `sou.access` replaces it."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"sou": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "sou",
                "filters": ["request_id"],
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "sou": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


class RequestIdFilter(logging.Filter):
    """Gives every record the request id (for the text format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# --- metrics ---------------------------------------------------------------------------------


class LedgerFigures:
    """The ledger's figures at scrape time: one cheap read of the accounts and the log head."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "sou_integrity_failures",
            "what this process found wrong with the stored ledger: accounts quarantined, a"
            " damaged log, broken reserve invariants (0 when sound)",
            value=self.ledger.integrity.failures,
        )
        try:
            with self.ledger.unit_of_work(write=False) as uow:
                figures = totals(uow)
        except AccountQuarantined:  # the figures would be wrong; the gauge above says why
            return
        yield GaugeMetricFamily("sou_log_entries", "entries in the log", value=figures.entries)
        yield GaugeMetricFamily(
            "sou_circulation_cents",
            "units in circulation (digital and paper), in cents",
            value=figures.circulation,
        )
        yield GaugeMetricFamily(
            "sou_backing_cents",
            "euros in the reserves and offices, in cents",
            value=figures.backing,
        )
        coverage = figures.backing / figures.circulation if figures.circulation else 1.0
        yield GaugeMetricFamily("sou_coverage_ratio", "backing / circulation", value=coverage)


def scrape(ledger: Ledger) -> tuple[bytes, str]:
    """The metrics text: every worker's (multiprocess mode) or this process's, and the
    ledger's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for metric in (REQUESTS, PROBLEMS, PAYMENTS, BATCH_SIZE):
            registry.register(metric)
    registry.register(LedgerFigures(ledger))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def worker_stopped() -> None:
    """A worker leaving: its live gauges go (multiprocess mode); its counts stay summed."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def allowed(
    client: str | None, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in networks)


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`127.0.0.1/32, ::1` → networks; raises ValueError on a bad one."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )
