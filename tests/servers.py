"""The real service for the tests that need one: uvicorn in a subprocess on a free port, and
threads released all at once against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import World


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_service(
    world: World, key_file: Path, *, workers: int = 1, settings: Mapping[str, str] = {}
) -> Iterator[str]:
    """`sou.server:create` under uvicorn over the world's database and ledger key; its URL.

    `settings` are more `SOU_*` variables (e.g. `{"SOU_RESERVE_IBAN": "FR76…"}`).
    """
    with running_server(world, key_file, workers=workers, settings=settings) as (_, base):
        yield base


@contextmanager
def running_server(
    world: World, key_file: Path, *, workers: int = 1, settings: Mapping[str, str] = {}
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The same, with the server's process, for tests that signal it."""
    port = free_port()
    env = {
        **os.environ,
        "SOU_DATABASE_URL": world.engine.url.render_as_string(hide_password=False),
        "SOU_LEDGER_KEY": str(key_file),
        "SOU_HOST": world.ledger.host,
        "SOU_CURRENCY": world.ledger.currency,
        **settings,
    }
    command = [sys.executable, "-m", "uvicorn", "sou.server:create", "--factory"]
    command += ["--port", str(port), "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/v1/ledger", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the service did not start")
        yield server, base
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=20)


def all_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(i)` for i in range(count), in as many threads released together."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
