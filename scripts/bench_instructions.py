"""Instructions per signed payment, counted by valgrind's callgrind: a figure that does not
move with the machine's load, for comparing two versions of the code.

Wall-clock rates on a shared 2-core machine drift by more than a restructuring changes them
(docs/performance-journal.md). Callgrind counts the instructions a process executes instead,
the same from one run to the next within a fraction of a percent. Each measurement runs a
process under callgrind twice over a copy of the same prepared ledger: both sign the same
payments and post a warm-up batch (then freeze what lives out of the garbage collector's
sight, as the service does after its start), one posts SMALL more and the other LARGE more;
the difference of their totals, divided by LARGE - SMALL, is what one more payment costs
(signature check, judge, append, commit), start-up and signing excluded.

- SQLite: the database runs inside the process, so the figure is the whole cost of a payment.
- PostgreSQL: a throwaway cluster (initdb from SOU_BENCH_PG_BIN, default
  /usr/lib/postgresql/15/bin, run as the postgres user) runs under callgrind too, every process
  of it; the figure adds the client's instructions (the service's Python, psycopg, libpq) and
  those of the server backends that served it (parse, plan, execute, WAL), printed apart.

Usage: python scripts/bench_instructions.py [--only sqlite|postgresql] [--tree DIR]
(`--tree DIR` measures the code of another checkout, e.g. a `git worktree` of an older commit,
with this script and this venv.)
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_ledger import HOST, NOW, UNIT, populate, random_transfers
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ledger.context import Ledger
from ledger.persistence.database import make_engine
from ledger.posting import post_records
from ledger.signing import SigningKey

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("SOU_BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
HOLDERS = 200
BATCH = 250
SMALL, LARGE = BATCH, 5 * BATCH
SEED = b"\x07" * 32  # the ledger key of the prepared ledger (a benchmark's, nothing else)


def prepare(url: str) -> None:
    """A ledger with HOLDERS funded residents; their keys in `<url's file or db>.keys`."""
    people = populate(url, SigningKey.from_private_bytes(SEED), HOLDERS)
    keys = "\n".join(f"{number} {raw.hex()}" for number, raw in people)
    Path(os.environ["SOU_BENCH_KEYS"]).write_text(keys, encoding="utf-8")


def post(url: str, count: int) -> None:
    """Signs LARGE + one batch of payments, posts one batch and then `count` more."""
    lines = Path(os.environ["SOU_BENCH_KEYS"]).read_text(encoding="utf-8").splitlines()
    keys = {
        int(n): SigningKey.from_private_bytes(bytes.fromhex(raw))
        for n, raw in (line.split() for line in lines)
    }
    records = random_transfers(random.Random(7), keys, BATCH + LARGE, now=NOW)
    engine = make_engine(url)
    if pids := os.environ.get("SOU_BENCH_PIDS"):  # which server processes served this one

        @event.listens_for(engine, "connect")
        def backend(dbapi: Any, _record: object) -> None:
            with dbapi.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                with open(pids, "a", encoding="utf-8") as out:
                    out.write(f"{cursor.fetchone()[0]}\n")

    ledger = Ledger(engine, HOST, UNIT, SigningKey.from_private_bytes(SEED), "", lambda: NOW)
    for i in range(0, BATCH + count, BATCH):
        with ledger.unit_of_work() as uow:
            outcomes = post_records(uow, records=records[i : i + BATCH], now=NOW)
            uow.commit()
        refused = [o for o in outcomes if isinstance(o, Exception)]
        assert not refused, refused[:1]
        if i == 0:  # warm: what lives now is out of the collector's sight, as in the service
            gc.collect()  # (sou/server.py), so that a full collection walks only the new
            gc.freeze()
    ledger.engine.dispose()


def instructions(tree: Path, args: list[str], env: dict[str, str]) -> int:
    """Total instructions (Ir) of this script run with `args` under callgrind, from `tree`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            str(Path(__file__).resolve()),
            *args,
        ]
        run_env = {**env, "PYTHONPATH": f"{tree}:{ROOT / 'scripts'}", "PYTHONHASHSEED": "0"}
        subprocess.run(command, cwd=tree, env=run_env, check=True, capture_output=True)
        summary = _summary(out)
        assert summary is not None, "callgrind wrote no summary"
        return summary


class CountedServer:
    """A throwaway PostgreSQL cluster whose every process runs under callgrind, so that the
    instructions of the backends that served a client can be added up."""

    def __init__(self, root: Path) -> None:
        with socket.socket() as probe:  # a free port, so that several runs can go at once
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.root, self.port = root / "pg", port
        self.data, self.counts = self.root / "data", self.root / "counts"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _as_postgres(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def __enter__(self) -> CountedServer:
        self.counts.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.counts, "postgres")
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"]
        subprocess.run(self._as_postgres(initdb), check=True, capture_output=True)
        server = [
            "valgrind",
            "--tool=callgrind",
            "--trace-children=yes",
            f"--callgrind-out-file={self.counts}/%p",
            str(PG_BIN / "postgres"),
            *("-D", str(self.data), "-p", str(self.port), "-k", str(self.root)),
            *("-c", "listen_addresses=127.0.0.1"),
            # No autovacuum: when it runs depends on the clock, and what it leaves (statistics,
            # the visibility map) changes the plans and their cost; the prepared database is
            # vacuumed and analysed once instead, and each run starts from a copy of it.
            *("-c", "autovacuum=off"),
        ]
        log = open(self.root / "server.log", "wb")
        self.process = subprocess.Popen(self._as_postgres(server), stdout=log, stderr=log)
        ready = [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]
        for _ in range(600):
            if subprocess.run(ready).returncode == 0:
                return self
            time.sleep(0.5)
        raise RuntimeError(f"the counted PostgreSQL did not start: see {self.root}/server.log")

    def __exit__(self, *exc: object) -> None:
        stop = [str(PG_BIN / "pg_ctl"), "stop", "-m", "fast", "-w", "-t", "300", "-D"]
        subprocess.run(self._as_postgres([*stop, str(self.data)]), capture_output=True)
        self.process.wait(timeout=300)

    def instructions(self, pids: list[int]) -> int:
        """The instructions of the backends `pids` (each writes its counts as it exits)."""
        total = 0
        for pid in pids:
            out = self.counts / str(pid)
            for _ in range(600):
                if out.exists() and (summary := _summary(out)) is not None:
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError(f"backend {pid} wrote no counts")
            total += summary
        return total


def _summary(out: Path) -> int | None:
    found = re.search(r"^summary: (\d+)", out.read_text(encoding="utf-8"), re.M)
    return int(found[1]) if found else None


def per_payment(
    tree: Path, fresh: Callable[[], str], env: dict[str, str], server: CountedServer | None
) -> tuple[float, float | None]:
    """Instructions of one more payment: (this process, the server's backends or None)."""
    client, backends = [], []
    for count in (SMALL, LARGE):
        url = fresh()
        pids = Path(env["SOU_BENCH_KEYS"]).with_name(f"pids-{count}")
        run_env = {**env, "SOU_BENCH_PIDS": str(pids)} if server else env
        client.append(instructions(tree, ["--post", url, str(count)], run_env))
        if server:
            numbers = [int(line) for line in pids.read_text(encoding="utf-8").split()]
            backends.append(server.instructions(numbers))
    span = LARGE - SMALL
    return (client[1] - client[0]) / span, (backends[1] - backends[0]) / span if server else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose code runs")
    parser.add_argument("--prepare", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--post", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        return prepare(args.prepare)
    if args.post:
        return post(args.post[0], int(args.post[1]))
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # the counted server's user reaches its directory
        env = {**os.environ, "SOU_BENCH_KEYS": f"{tmp}/keys"}
        run_env = {**env, "PYTHONPATH": f"{tree}:{ROOT / 'scripts'}", "PYTHONHASHSEED": "0"}
        me = [sys.executable, __file__]
        print(f"code: {tree}; {SMALL} and {LARGE} payments after a warm-up, batches of {BATCH}")
        if args.only in (None, "sqlite"):
            base = Path(tmp) / "prepared.db"
            subprocess.run([*me, "--prepare", f"sqlite:///{base}"], env=run_env, check=True)
            copies = iter(range(10))

            def fresh_sqlite() -> str:
                copy = Path(tmp) / f"run-{next(copies)}.db"
                shutil.copy(base, copy)
                return f"sqlite:///{copy}"

            figure, _ = per_payment(tree, fresh_sqlite, env, None)
            print(f"SQLite, one writer: {figure:,.0f} instructions per payment (whole cost)")
        if args.only in (None, "postgresql"):
            if not (PG_BIN / "initdb").exists():
                sys.exit(f"PostgreSQL's programs are not in {PG_BIN} (set SOU_BENCH_PG_BIN)")
            with CountedServer(Path(tmp)) as server:
                admin = create_engine(server.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")

                def database(name: str) -> str:
                    return make_url(server.url).set(database=name).render_as_string()

                with admin.connect() as conn:
                    conn.execute(text("CREATE DATABASE prepared"))
                subprocess.run([*me, "--prepare", database("prepared")], env=run_env, check=True)
                prepared = create_engine(database("prepared"), poolclass=NullPool)
                with prepared.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
                prepared.dispose()

                def fresh_postgres() -> str:
                    with admin.connect() as conn:
                        conn.execute(text("DROP DATABASE IF EXISTS run"))
                        conn.execute(text("CREATE DATABASE run TEMPLATE prepared"))
                    return database("run")

                client, backend = per_payment(tree, fresh_postgres, env, server)
                admin.dispose()
            assert backend is not None
            print(
                f"PostgreSQL, one writer: {client + backend:,.0f} instructions per payment "
                f"(client {client:,.0f}, server {backend:,.0f})"
            )


if __name__ == "__main__":
    main()
