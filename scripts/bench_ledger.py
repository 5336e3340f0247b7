"""Benchmark of the ledger core: signed transfers per second, and the offline audit's rate.

Prints, measured in the same run on this machine:
- the raw Ed25519 verification rate (cryptography/OpenSSL, one core): the yardstick;
- signed transfers per second through `post_records` (verify, lock, judge, append, commit)
  on SQLite and on PostgreSQL, with 1 and 4 concurrent writer processes, batches of --batch;
- `sou audit verify` entries per second on exported logs of two sizes (≥ 200,000 entries),
  with the verifier's peak memory (max RSS of its process), to show it stays flat;
each figure with its ratio to the raw verify rate.

PostgreSQL: SOU_BENCH_POSTGRES_URL or SOU_TEST_POSTGRES_URL (a database named `sou_bench` is
created next to it and dropped). Usage: python scripts/bench_ledger.py [--quick]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from multiprocessing.queues import Queue
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ledger.admin import create_ledger, enrol_device, issue_enrolment_code, open_account
from ledger.context import Ledger
from ledger.export import export_log
from ledger.persistence.database import make_engine
from ledger.persistence.migrate import upgrade
from ledger.posting import post_records
from ledger.records import SignedRecord, operation
from ledger.signing import SigningKey

ROOT = Path(__file__).resolve().parents[1]
HOST, UNIT = "bench.example.org", "RTZ"
NOW = 1_780_000_000
BATCH = 250


def raw_verify_rate(n: int = 4000) -> float:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    messages = [os.urandom(300) for _ in range(n)]
    signatures = [key.sign(m) for m in messages]
    start = time.perf_counter()
    for message, signature in zip(messages, signatures, strict=True):
        public.verify(signature, message)
    return n / (time.perf_counter() - start)


def random_transfers(
    rng: random.Random, keys: dict[int, SigningKey], count: int, *, now: int
) -> list[SignedRecord]:
    """`count` payments signed by random payers to random payees among `keys`."""
    numbers = list(keys)
    records = []
    for _ in range(count):
        payer, payee = rng.sample(numbers, 2)
        records.append(
            operation(
                "transfer",
                key=keys[payer],
                host=HOST,
                currency=UNIT,
                now=now,
                from_=str(payer),
                to=str(payee),
                amount=rng.randint(1, 500),
                payreq=None,
                ref=None,
            )
        )
    return records


def populate(
    url: str, ledger_key: SigningKey, holders: int, *, now: int = NOW
) -> list[tuple[int, bytes]]:
    """A ledger with `holders` funded residents; returns (account, key seed) pairs."""
    engine = make_engine(url, poolclass=NullPool)
    upgrade(engine)
    ledger = Ledger(engine, HOST, UNIT, ledger_key, "Bench", lambda: now)
    office_key = SigningKey.generate()
    people: list[tuple[int, bytes]] = []
    with ledger.unit_of_work() as uow:
        create_ledger(uow, now=now)
        office = open_account(uow, kind="office", now=now)
        code = issue_enrolment_code(uow, account=office, role="agent", now=now)
        enrol_device(uow, code=code, public_key=office_key.public_bytes, now=now)
        for _ in range(holders):
            key = SigningKey.generate()
            number = open_account(uow, kind="resident", now=now)
            code = issue_enrolment_code(uow, account=number, role="resident", now=now)
            enrol_device(uow, code=code, public_key=key.public_bytes, now=now)
            people.append((number, key.private_bytes))
        uow.commit()
    conversions = [
        operation(
            "conversion",
            key=office_key,
            host=HOST,
            currency=UNIT,
            now=now,
            method="cash",
            office=str(office),
            to=str(number),
            amount=1_000_000_00,
        )
        for number, _ in people
    ]
    for i in range(0, len(conversions), 500):
        with ledger.unit_of_work() as uow:
            post_records(uow, records=conversions[i : i + 500], now=now)
            uow.commit()
    engine.dispose()
    return people


def writer(
    url: str,
    seed: bytes,
    people: list[tuple[int, bytes]],
    count: int,
    batch: int,
    barrier: mp.synchronize.Barrier,
    results: Queue[tuple[int, float, float]],
) -> None:
    rng = random.Random(os.getpid())
    keys = {number: SigningKey.from_private_bytes(raw) for number, raw in people}
    records = random_transfers(rng, keys, count, now=NOW)
    ledger_key = SigningKey.from_private_bytes(seed)
    ledger = Ledger(make_engine(url), HOST, UNIT, ledger_key, "", lambda: NOW)
    with ledger.unit_of_work() as uow:  # warm the connection pool and the statement caches
        post_records(uow, records=records[:1], now=NOW)
        uow.commit()
    barrier.wait()
    start = time.perf_counter()
    accepted = 1
    for i in range(1, len(records), batch):
        with ledger.unit_of_work() as uow:
            outcomes = post_records(uow, records=records[i : i + batch], now=NOW)
            uow.commit()
        accepted += sum(1 for o in outcomes if not isinstance(o, Exception))
    results.put((accepted, start, time.perf_counter()))
    ledger.engine.dispose()


def transfers_per_second(
    url: str, writers: int, per_writer: int, holders: int, batch: int = BATCH
) -> float:
    seed = SigningKey.generate()
    people = populate(url, seed, holders)
    share = len(people) // writers  # each writer pays among its own accounts: no contention
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(writers)
    results: Queue[tuple[int, float, float]] = ctx.Queue()
    procs = [
        ctx.Process(
            target=writer,
            args=(
                url,
                seed.private_bytes,
                people[w * share : (w + 1) * share],
                per_writer,
                batch,
                barrier,
                results,
            ),
        )
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    got = [results.get() for _ in procs]
    for p in procs:
        p.join()
    accepted = sum(g[0] for g in got)
    elapsed = max(g[2] for g in got) - min(g[1] for g in got)
    return accepted / elapsed


def fresh_postgres(base_url: str) -> str:
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS sou_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE sou_bench"))
    admin.dispose()
    return make_url(base_url).set(database="sou_bench").render_as_string(hide_password=False)


def build_log(path: Path, sizes: list[int]) -> dict[int, Path]:
    """A SQLite ledger grown to each size in turn, exported after each; returns the files."""
    url = f"sqlite:///{path / 'audit.db'}"
    seed = SigningKey.generate()
    people = populate(url, seed, 200)
    keys = {number: SigningKey.from_private_bytes(raw) for number, raw in people}
    ledger = Ledger(make_engine(url), HOST, UNIT, seed, "", lambda: NOW)
    rng = random.Random(7)
    files = {}
    for target in sizes:
        with ledger.engine.connect() as conn:
            size = conn.execute(text("SELECT size FROM log_head")).scalar_one()
        while size < target:
            n = min(1000, target - size)
            now = NOW + size // 20  # twenty payments a second: time moves on, as in real life
            records = random_transfers(rng, keys, n, now=now)
            with ledger.unit_of_work() as uow:
                post_records(uow, records=records, now=now)
                uow.commit()
            size += n
        out = path / f"log-{target}.jsonl"
        with ledger.unit_of_work() as uow, out.open("w", encoding="utf-8") as handle:
            export_log(uow, handle, now=NOW + size // 20)
            uow.commit()
        files[target] = out
    ledger.engine.dispose()
    return files


def audit_rate(file: Path) -> tuple[float, float, int]:
    """(entries/s, seconds, peak RSS in MiB) of `sou audit verify FILE` in its own process."""
    code = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from ledger.audit import verify_log\n"
        "t = time.perf_counter()\n"
        "r = verify_log(Path(sys.argv[1]))\n"
        "dt = time.perf_counter() - t\n"
        "print(r.entries, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(file)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    entries, seconds, rss_kib = int(out[0]), float(out[1]), int(out[2])
    return entries / seconds, seconds, rss_kib // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    parser.add_argument("--batch", type=int, default=BATCH, help="transfers per unit of work")
    parser.add_argument("--only", choices=("sqlite", "postgresql", "audit"), help="one part")
    args = parser.parse_args()
    batch = args.batch
    per_writer = 2_000 if args.quick else 12_000
    sizes = [20_000, 50_000] if args.quick else [50_000, 200_000]

    raw = raw_verify_rate()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"raw Ed25519 verify: {raw:,.0f}/s (one core)")

    def report(label: str, rate: float) -> None:
        print(f"{label}: {rate:,.0f}/s  ({rate / raw:.2f} × raw verify)")

    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sqlite"):
            for writers in (1, 4):
                db = Path(tmp) / f"bench-{writers}.db"
                rate = transfers_per_second(f"sqlite:///{db}", writers, per_writer, 400, batch)
                report(f"signed transfers, SQLite, {writers} writer(s), batch {batch}", rate)
        pg = os.environ.get("SOU_BENCH_POSTGRES_URL") or os.environ.get("SOU_TEST_POSTGRES_URL")
        if args.only in (None, "postgresql") and pg:
            for writers in (1, 4):
                url = fresh_postgres(pg)
                rate = transfers_per_second(url, writers, per_writer, 400, batch)
                report(f"signed transfers, PostgreSQL, {writers} writer(s), batch {batch}", rate)
        elif args.only in (None, "postgresql"):
            print("PostgreSQL: no SOU_BENCH_POSTGRES_URL or SOU_TEST_POSTGRES_URL, not measured")
        if args.only in (None, "audit"):
            files = build_log(Path(tmp), sizes)
            for size, file in files.items():
                rate, seconds, rss = audit_rate(file)
                label = f"audit verify, {size:,} entries ({seconds:.1f} s, peak RSS {rss} MiB)"
                report(label, rate)
    print(
        f"bench process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB"
    )


if __name__ == "__main__":
    main()
