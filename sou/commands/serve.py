"""`sou serve`: the HTTP API and the web pages, in one or several worker processes."""

from __future__ import annotations

import os
import socket
import tempfile
from typing import Any

import click
import uvicorn

from ledger.bootstrap import open_ledger
from ledger.errors import SouError
from sou.commands.common import current_settings, fail
from wallet_api.observability import log_config


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="worker processes [default: the CPU count with --production, else 1]",
)
@click.option(
    "--production",
    is_flag=True,
    envvar="SOU_PRODUCTION",
    help="production defaults (also SOU_PRODUCTION=1): one worker per CPU",
)
def serve(host: str, port: int, workers: int | None, production: bool) -> None:
    """Serve the HTTP API and the web pages."""
    workers = workers or default_workers(production=production)

    settings = current_settings()
    try:
        open_ledger(settings).engine.dispose()  # fail early, with a clear message
    except SouError as error:
        fail(error)
    options: dict[str, Any] = {
        "factory": True,
        "log_config": log_config(settings.log_format),
        "access_log": False,  # Sou logs each request itself, by route template
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
    }
    if workers == 1:
        uvicorn.run("sou.server:create", host=host, port=port, **options)
        return
    # The socket uvicorn would bind for several workers leaves Nagle's algorithm on, which
    # delays small responses by ~40 ms; accepted connections inherit TCP_NODELAY from this one.
    sock = socket.create_server((host, port), reuse_port=False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.set_inheritable(True)
    with tempfile.TemporaryDirectory(prefix="sou-metrics-") as shared:
        if settings.metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared  # every worker counts into it
        uvicorn.run("sou.server:create", fd=sock.fileno(), workers=workers, **options)


def default_workers(*, production: bool) -> int:
    """One process per CPU in production (payments batch across them), one in development."""
    return max(1, os.cpu_count() or 1) if production else 1


def register(main: click.Group) -> None:
    main.add_command(serve)
