"""Where a lone payment's time goes: payments one at a time, each step of its path timed.

The tail at a light load is made of payments that each have a batch to themselves, so this
diagnostic drives the service's ASGI app in process (no HTTP, no uvicorn) with one signed
payment at a time, --gap seconds apart, and times each step of its way through the batcher
by wrapping the functions that make it (wall time, and the writer thread's CPU for its
steps): verifying and queueing it, the writer thread waking, the batch turn, the reads
under the locks, the append, the commit, and the event loop waking with the outcome. It
prints the median, 90th and 99th percentile and the maximum of each.

The ledger is set up as in `bench_http.py` (--residents funded residents with device keys);
PostgreSQL: SOU_BENCH_POSTGRES_URL or SOU_TEST_POSTGRES_URL (a database named
`sou_bench_http` is created next to it and dropped).
Usage: python scripts/bench_lone_payment.py [--only sqlite|postgresql] [--payments N]
       [--gap S] [--residents N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import Payments, scratch_postgres
from bench_ledger import HOST, UNIT, populate

from ledger.persistence.store import LedgerStore
from ledger.persistence.uow import UnitOfWork
from ledger.records import SignedRecord
from ledger.signing import create_key_file
from sou.server import create
from wallet_api import batcher as batcher_module
from wallet_api.batcher import Batcher

Timings = dict[str, list[float]]


@contextmanager
def wrapped(owner: Any, name: str, wrapper: Callable[[Callable[..., Any]], Any]) -> Iterator[None]:
    """`owner.name` replaced by `wrapper(original)` for the block."""
    original = getattr(owner, name)
    setattr(owner, name, wrapper(original))
    try:
        yield
    finally:
        setattr(owner, name, original)


def step(timings: Timings, label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A wrapper recording the wall time and the calling thread's CPU time of each call."""

    def wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                timings.setdefault(label, []).append(time.perf_counter() - wall)
                timings.setdefault(f"{label} (CPU)", []).append(time.thread_time() - cpu)

        return timed

    return wrapper


@contextmanager
def instrumented(timings: Timings) -> Iterator[None]:
    """Every step of a payment's path timed into `timings` while the block runs."""
    marks: dict[str, float] = {}

    def enqueue(original: Callable[..., None]) -> Callable[..., None]:
        def timed(self: Batcher, record: SignedRecord, future: Future[Any]) -> None:
            start = time.perf_counter()
            original(self, record, future)
            marks["queued"] = time.perf_counter()
            timings.setdefault("verify and queue", []).append(marks["queued"] - start)

        return timed

    def settle(original: Callable[..., None]) -> Callable[..., None]:
        def timed(self: Batcher, batch: list[Any], jobs: Any) -> None:
            timings.setdefault("writer thread wakes", []).append(
                time.perf_counter() - marks["queued"]
            )
            original(self, batch, jobs)

        return timed

    def hand_over(original: Callable[..., None]) -> Callable[..., None]:
        def timed(futures: list[Future[Any]]) -> None:
            marks["handed"] = time.perf_counter()
            original(futures)

        return timed

    def post(original: Callable[..., Any]) -> Callable[..., Any]:
        async def timed(self: Batcher, record: SignedRecord) -> Any:
            posted = await original(self, record)
            timings.setdefault("event loop wakes", []).append(time.perf_counter() - marks["handed"])
            return posted

        return timed

    with (
        wrapped(Batcher, "_enqueue", enqueue),
        wrapped(Batcher, "_settle", settle),
        wrapped(batcher_module, "_hand_over", hand_over),
        wrapped(Batcher, "post", post),
        wrapped(LedgerStore, "wait_for_batch_turn", step(timings, "batch turn")),
        wrapped(LedgerStore, "load_state", step(timings, "reads under the locks")),
        wrapped(LedgerStore, "append", step(timings, "append")),
        wrapped(UnitOfWork, "commit", step(timings, "commit")),
        wrapped(Batcher, "_post_on", step(timings, "writer's whole section")),
    ):
        yield


async def pay(app: Any, body: bytes) -> int:
    """One `POST /v1/transfers` through the ASGI app; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/transfers",
        "raw_path": b"/v1/transfers",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    sent = False
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays until the answer is sent
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


async def run(app: Any, bodies: list[bytes], warm: int, gap: float, timings: Timings) -> None:
    startup: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    started = asyncio.Event()

    async def receive() -> dict[str, str]:
        return await startup.get()

    async def send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    )
    await started.wait()
    try:
        for number, body in enumerate(bodies):
            if number == warm:
                timings.clear()
            start = time.perf_counter()
            status = await pay(app, body)
            if status != 201:
                raise RuntimeError(f"a payment was answered {status}")
            timings.setdefault("the request, end to end", []).append(time.perf_counter() - start)
            await asyncio.sleep(gap)
    finally:
        await startup.put({"type": "lifespan.shutdown"})
        await lifespan


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def bench(name: str, url: str, key_file: Path, args: argparse.Namespace) -> None:
    people = populate(url, create_key_file(key_file), args.residents, now=int(time.time()))
    os.environ.update(
        SOU_DATABASE_URL=url,
        SOU_LEDGER_KEY=str(key_file),
        SOU_HOST=HOST,
        SOU_CURRENCY=UNIT,
        SOU_UNIT_NAME="Bench",
    )
    warm = 100
    bodies = Payments(people, [number for number, _ in people], seed=1).bodies(warm + args.payments)
    timings: Timings = {}
    with instrumented(timings):
        app = create()
        asyncio.run(run(app, bodies, warm, args.gap, timings))
    print(f"{name}: {args.payments} payments one at a time, {args.gap * 1e3:.0f} ms apart (ms)")
    print(f"  {'step':44} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    for label, values in timings.items():
        figures = [percentile(values, share) * 1e3 for share in (0.5, 0.9, 0.99, 1.0)]
        print(f"  {label:44} " + " ".join(f"{f:7.3f}" for f in figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one backend")
    parser.add_argument("--payments", type=int, default=600, help="payments timed")
    parser.add_argument("--gap", type=float, default=0.005, help="seconds between payments")
    parser.add_argument("--residents", type=int, default=2000, help="funded accounts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sqlite"):
            url = f"sqlite:///{Path(tmp) / 'lone.db'}"
            bench("SQLite", url, Path(tmp) / "sqlite.key", args)
        pg = os.environ.get("SOU_BENCH_POSTGRES_URL") or os.environ.get("SOU_TEST_POSTGRES_URL")
        if args.only in (None, "postgresql") and pg:
            with scratch_postgres(pg) as url:
                bench("PostgreSQL", url, Path(tmp) / "postgres.key", args)
        elif args.only in (None, "postgresql"):
            print("PostgreSQL: no SOU_BENCH_POSTGRES_URL or SOU_TEST_POSTGRES_URL, not measured")


if __name__ == "__main__":
    main()
