"""Benchmark of the self-check (`ledger.selfcheck`, `sou audit db`): how fast the service
reads its whole stored ledger back at start and in the background.

A SQLite ledger of 400 funded residents receives --transfers signed payments (default
100,000) through the use case `ledger.posting.post_records`, in batches of 500; the script
then times one `self_check` (every entry hashed and parsed again, the tree against the head
and the checkpoint, every posting folded into every account and its seal, the reserve's
invariants) and prints entries per second. Usage: python scripts/bench_selfcheck.py
[--transfers N]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

from bench_ledger import HOST, NOW, UNIT, populate, random_transfers

from ledger.context import Ledger
from ledger.persistence.database import make_engine
from ledger.posting import post_records
from ledger.selfcheck import self_check
from ledger.signing import SigningKey


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{work}/selfcheck.db"
        ledger_key = SigningKey.generate()
        people = populate(url, ledger_key, 400)
        keys = {number: SigningKey.from_private_bytes(raw) for number, raw in people}
        ledger = Ledger(make_engine(url), HOST, UNIT, ledger_key, "Bench", lambda: NOW)
        records = random_transfers(random.Random(1), keys, args.transfers, now=NOW)
        for start in range(0, len(records), 500):
            with ledger.unit_of_work() as uow:
                post_records(uow, records=records[start : start + 500], now=NOW)
                uow.commit()
        started = time.perf_counter()
        report = self_check(ledger, alarm=False)
        elapsed = time.perf_counter() - started
        ledger.engine.dispose()
    assert report.ok, report.findings
    print(
        f"self-check, SQLite: {report.entries:,} entries, {report.postings:,} postings,"
        f" {report.accounts} accounts in {elapsed:.2f} s: {report.entries / elapsed:,.0f} entries/s"
    )


if __name__ == "__main__":
    main()
