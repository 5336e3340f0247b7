"""Benchmark of a merchant's day statement (Z report) with a long history.

A merchant receives --transfers payments (default 1,000,000) spread evenly over the last
365 days; the script then asks for the statement of its last full business day, as the
merchant's till does: through the use case (`merchants.days.load_day`) and through the HTTP
route (`GET /v1/merchants/{n}/days/{date}`, in process), on SQLite and on PostgreSQL, and
prints the median and the 95th percentile of 30 requests. The aim is under 50 ms.

The history is written straight into the tables (entries with the signed bytes of real
transfer records, their postings), since signing a million records would measure the
signer, not the statement. PostgreSQL: SOU_BENCH_POSTGRES_URL or SOU_TEST_POSTGRES_URL (a
database named `sou_bench_days` is created next to it and dropped).
Usage: python scripts/bench_days.py [--transfers N] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ledger.admin import create_ledger, enrol_device, issue_enrolment_code, open_account
from ledger.auth import auth_message
from ledger.context import Ledger
from ledger.log import leaf_hash
from ledger.persistence import tables as t
from ledger.persistence.database import make_engine
from ledger.persistence.migrate import upgrade
from ledger.persistence.store import LedgerStore
from ledger.records import canonical_json, format_time, prefix
from ledger.signing import SigningKey, b64url_encode
from merchants.business_day import PARIS, business_day
from merchants.days import load_day
from merchants.profiles import Application, apply_merchant, approve_merchant
from wallet_api.app import create_app

HOST, UNIT = "bench.example.org", "RTZ"
DAY = 86_400
PAYERS = 1_000
CHUNK = 20_000


def fresh_postgres(base_url: str) -> str:
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS sou_bench_days WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE sou_bench_days"))
    admin.dispose()
    return make_url(base_url).set(database="sou_bench_days").render_as_string(hide_password=False)


def people(ledger: Ledger, now: int) -> tuple[int, SigningKey, list[int]]:
    """An approved merchant with its key, and the residents who pay it."""
    key = SigningKey.generate()
    with ledger.unit_of_work() as uow:
        create_ledger(uow, now=now)
        application = Application(
            kind="business",
            legal_name="Boulangerie du Port",
            address="1 quai du Port",
            activity="boulangerie",
            iban="FR7630006000011234567890189",
        )
        merchant = apply_merchant(uow, application=application, now=now)
        approve_merchant(uow, account=merchant, now=now)
        code = issue_enrolment_code(uow, account=merchant, role="merchant", now=now)
        enrol_device(uow, code=code, public_key=key.public_bytes, now=now)
        payers = [open_account(uow, kind="resident", now=now) for _ in range(PAYERS)]
        uow.commit()
    return merchant, key, payers


def history(
    merchant: int, payers: list[int], count: int, first: int, last: int, start_index: int
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Rows of `count` payments to the merchant accepted evenly from `first` to `last`."""
    kid = "00c0ffee"
    step = (last - first) / count
    entries: list[dict[str, Any]] = []
    postings: list[dict[str, Any]] = []
    for n in range(count):
        accepted = first + int(n * step)
        payer = payers[n % len(payers)]
        record = {
            "v": 1,
            "type": "transfer",
            "ledger": HOST,
            "currency": UNIT,
            "nonce": f"bench{n:016d}",
            "kid": kid,
            "created": format_time(accepted),
            "expires": format_time(accepted + 300),
            "memo": "",
            "from": str(payer),
            "to": str(merchant),
            "amount": 100 + n % 4_000,
            "payreq": None,
            "ref": None,
        }
        signed = prefix("transfer") + canonical_json(record)
        sig = os.urandom(64)
        index = start_index + n
        entries.append(
            {
                "idx": index,
                "record_id": hashlib.sha256(signed).hexdigest(),
                "type": "transfer",
                "kid": kid,
                "nonce": record["nonce"],
                "payreq": None,
                "ref_idx": None,
                "signed": signed,
                "sig": sig,
                "leaf_hash": leaf_hash(signed + sig),
                "accepted": accepted,
            }
        )
        postings.append(
            {
                "entry": index,
                "leg": 0,
                "unit": UNIT,
                "debit": payer,
                "credit": merchant,
                "amount": record["amount"],
            }
        )
        if len(entries) == CHUNK:
            yield entries, postings
            entries, postings = [], []
    if entries:
        yield entries, postings


def fill(ledger: Ledger, merchant: int, payers: list[int], count: int, now: int) -> None:
    with ledger.engine.connect() as conn:
        size = conn.execute(text("SELECT size FROM log_head")).scalar_one()
    started = time.perf_counter()
    with ledger.engine.begin() as conn:
        store = LedgerStore(conn)  # COPY on PostgreSQL, executemany on SQLite
        for entries, postings in history(merchant, payers, count, now - 365 * DAY, now, size):
            store.insert_many(t.ENTRIES, entries)
            store.insert_many(t.POSTINGS, postings)
        conn.execute(update(t.LOG_HEAD).values(size=size + count))
        if ledger.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    print(f"  history: {count:,} payments written in {time.perf_counter() - started:.0f} s")


def timed(action: Callable[[], object], runs: int = 30) -> tuple[float, float]:
    action()  # warm the caches, as a till asking every few seconds does
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def bench(label: str, url: str, count: int) -> None:
    now = int(time.time())
    engine = make_engine(url)
    upgrade(engine)
    ledger = Ledger(engine, HOST, UNIT, SigningKey.generate(), "Rétzi", lambda: now)
    merchant, key, payers = people(ledger, now)
    fill(ledger, merchant, payers, count, now)
    yesterday = business_day(now, 0, 0, PARIS) - dt.timedelta(days=1)

    def use_case() -> int:
        with ledger.unit_of_work(write=False) as uow:
            return load_day(uow, account=merchant, date=yesterday).statement.count

    with TestClient(create_app(ledger)) as client:
        challenge = client.post("/v1/auth/challenge", json={"kid": key.kid}).json()["challenge"]
        sig = b64url_encode(key.sign(auth_message(HOST, challenge)))
        token = client.post(
            "/v1/auth/token", json={"kid": key.kid, "challenge": challenge, "sig": sig}
        ).json()["access_token"]
        headers = {"authorization": f"Bearer {token}"}
        path = f"/v1/merchants/{merchant}/days/{yesterday.isoformat()}"

        def over_http() -> int:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.text
            return int(response.json()["count"])

        payments = use_case()
        assert over_http() == payments
        median, p95 = timed(use_case)
        print(f"{label}: day statement of {payments:,} payments, history {count:,}")
        print(f"  use case  median {median:5.1f} ms   p95 {p95:5.1f} ms")
        median, p95 = timed(over_http)
        print(f"  HTTP GET  median {median:5.1f} ms   p95 {p95:5.1f} ms   (aim: < 50 ms)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            bench("SQLite", f"sqlite:///{Path(tmp) / 'days.db'}", args.transfers)
    base = os.environ.get("SOU_BENCH_POSTGRES_URL") or os.environ.get("SOU_TEST_POSTGRES_URL")
    if args.only != "sqlite":
        if base is None:
            print("PostgreSQL: skipped (set SOU_BENCH_POSTGRES_URL or SOU_TEST_POSTGRES_URL)")
        else:
            bench("PostgreSQL", fresh_postgres(base), args.transfers)


if __name__ == "__main__":
    main()
