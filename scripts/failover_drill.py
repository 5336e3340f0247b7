"""Failover drill: a primary dies under load, its synchronous standby takes over, and every
payment that got a receipt is in the promoted database's log, once.

On this one machine the drill:
1. creates two throwaway PostgreSQL clusters on two free loopback ports (`initdb`, run as the
   `postgres` user when the drill runs as root), the second a streaming standby of the first
   made by `pg_basebackup -R`, with synchronous replication (`synchronous_standby_names`,
   `synchronous_commit = on`): the primary acknowledges a commit only once the standby has
   it on its disk;
2. migrates the primary and loads a small pilot (`sou db upgrade`, `sou pilot load`), opens a
   shop and a few funded residents (`sou merchant apply|approve`, `sou admin account create`,
   `sou admin enrol`, `sou admin convert`), all through a multi-host `SOU_DATABASE_URL`
   naming both servers with `target_session_attrs=read-write`;
3. serves it (`sou serve`, same URL); each resident's device enrols its key over HTTP, then
   pays the shop from its own thread, one signed transfer after another; a payment that gets
   no receipt (a 5xx, or no answer) is sent again, the same envelope, as a phone would;
4. stops the primary hard (`pg_ctl stop -m immediate`) in the middle of the load, promotes
   the standby (`pg_ctl promote`), keeps paying until the service has answered again for a
   few seconds, then stops the load and the service;
5. exports the promoted database's log (`sou export log`, connecting to it alone), verifies
   it (`sou audit verify --ledger-key`), and looks up there every receipt received: its
   transfer must be in the log exactly once, at the entry its receipt names.

It prints the figures (acknowledged, found, lost, duplicated, and the seconds without
service: the longest time without a receipt around the switch, from the last receipt the old
primary's commits earned to the first the new primary's did) and exits with status 1 if any
acknowledged payment is lost or duplicated, a receipt does not verify, a payment was refused,
the service did not come back, or the export or the audit fails (2 if it could not run at
all). The clusters, the service and their files are removed at the end, whatever
happened (--keep leaves the files, for a post-mortem).

Usage: python scripts/failover_drill.py [--payers N] [--before S] [--after S] [--workers N]
       [--lagging S] [--asynchronous] [--keep]
--lagging S stops the standby's WAL receiver (SIGSTOP) for S seconds before the kill, and
kills it (SIGKILL) after, so that what was still in flight to it is lost, as in a network cut:
a synchronous primary acknowledges nothing meanwhile (every payment waits), an asynchronous
one goes on, and what it acknowledged then is lost.
--asynchronous replicates without waiting for the standby (synchronous_standby_names
empty): the drill then shows what an asynchronous standby may lose.
PostgreSQL's programs are looked for in SOU_DRILL_PG_BIN, else in Debian's place for
PostgreSQL 15.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import psycopg

from ledger.records import canonical_json, operation
from ledger.signing import SigningKey, b64url_decode, verify

PG_BIN = Path(os.environ.get("SOU_DRILL_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "sou"
STANDBY_NAME = "standby"  # its application_name, which the primary's setting names
FUNDS = 10_000_00  # cents each payer receives in cash at the office
SETTLE = 20.0  # seconds a payment without a receipt is still retried after the load stops
STARTED = time.monotonic()


class DrillFailed(Exception):
    """The drill could not run (a cluster or the service would not start)."""


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- the two PostgreSQL clusters ------------------------------------------------------------


def as_postgres(command: Sequence[str]) -> list[str]:
    """`command`, run as the `postgres` user if we are root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def run(command: Sequence[str], *, cwd: Path | None = None, timeout: float = 120) -> str:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise DrillFailed(
            f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done.stdout


@dataclass
class Cluster:
    name: str
    data: Path
    port: int
    sockets: Path

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"

    def pg(self, program: str, *args: str, timeout: float = 120) -> str:
        command = as_postgres([str(PG_BIN / program), *args])
        return run(command, cwd=self.data.parent, timeout=timeout)

    def configure(self, **settings: str) -> None:
        """Settings appended to postgresql.conf (the last line of a name wins)."""
        lines = "".join(f"{name} = {value}\n" for name, value in settings.items())
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# failover drill\n" + lines)

    def start(self) -> None:
        self.pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log))

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self, mode: str) -> None:
        self.pg("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.data))

    def promote(self) -> None:
        self.pg("pg_ctl", "promote", "-w", "-t", "60", "-D", str(self.data))

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )


def server_settings(cluster: Cluster) -> dict[str, str]:
    return {
        "port": str(cluster.port),
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{cluster.sockets}'",
        "max_connections": "40",
        "shared_buffers": "'32MB'",
        "wal_level": "replica",
        "max_wal_senders": "4",
        "hot_standby": "on",
        "fsync": "on",
        "synchronous_commit": "on",
    }


HBA = """# failover drill: loopback only, no password (a throwaway cluster)
local   all          all                  trust
host    all          all   127.0.0.1/32   trust
host    replication  all   127.0.0.1/32   trust
"""


@contextmanager
def clusters(root: Path, *, synchronous: bool = True) -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and its synchronous streaming standby, stopped at the end whatever happens
    (`synchronous=False`: an asynchronous one, to see what the drill finds then)."""
    pg_root = root / "pg"
    pg_root.mkdir(mode=0o700)
    sockets = pg_root / "sockets"
    sockets.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(pg_root, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    primary = Cluster("primary", pg_root / "primary", ports[0], sockets)
    standby = Cluster("standby", pg_root / "standby", ports[1], sockets)
    try:
        primary.pg(
            "initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        primary.configure(
            **server_settings(primary),
            synchronous_standby_names=f"'FIRST 1 ({STANDBY_NAME})'" if synchronous else "''",
        )
        (primary.data / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        primary.start()
        say(f"primary: PostgreSQL on 127.0.0.1:{primary.port}")
        conninfo = f"host=127.0.0.1 port={primary.port} user=postgres"
        primary.pg(
            "pg_basebackup", "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast",
            "-d", f"{conninfo} application_name={STANDBY_NAME}",
        )  # fmt: skip
        auto_conf = (standby.data / "postgresql.auto.conf").read_text(encoding="utf-8")
        if f"application_name={STANDBY_NAME}" not in auto_conf.replace("'", ""):
            raise DrillFailed(f"pg_basebackup -R wrote no application_name:\n{auto_conf}")
        # Once promoted, it has no standby of its own: it must not wait for one.
        standby.configure(**server_settings(standby), synchronous_standby_names="''")
        standby.start()
        wait_for_sync(primary, "sync" if synchronous else "async")
        how = "synchronous" if synchronous else "ASYNCHRONOUS"
        say(f"standby: PostgreSQL on 127.0.0.1:{standby.port}, streaming, {how}")
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if cluster.running():
                with suppress(DrillFailed, subprocess.TimeoutExpired):
                    cluster.stop("immediate")


def wait_for_sync(primary: Cluster, sync_state: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with primary.connect() as conn:
        while True:
            row = conn.execute(
                "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = %s",
                (STANDBY_NAME,),
            ).fetchone()
            if row == ("streaming", sync_state):
                return
            if time.monotonic() > deadline:
                raise DrillFailed(f"the standby is not streaming ({sync_state}): {row}")
            time.sleep(0.1)


def wal_receiver(standby: Cluster) -> int:
    """The standby's WAL receiver process."""
    with standby.connect() as conn:
        row = conn.execute("SELECT pid FROM pg_stat_wal_receiver").fetchone()
    if not row or not row[0]:
        raise DrillFailed("the standby has no WAL receiver")
    return int(row[0])


def in_recovery(cluster: Cluster) -> bool:
    with cluster.connect() as conn:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        return bool(row and row[0])


# --- Sou: its commands and its service --------------------------------------------------------


class Sou:
    """The `sou` command of this interpreter's environment, with the drill's settings."""

    def __init__(self, work: Path, database_url: str, host: str) -> None:
        self.work = work
        self.program = str(Path(sys.executable).with_name("sou"))
        self.env = {
            **os.environ,
            "SOU_DATABASE_URL": database_url,
            "SOU_LEDGER_KEY": str(work / "ledger.key"),
            "SOU_OFFICE_KEY": str(work / "office.key"),
            "SOU_TREASURER_KEY": str(work / "treasurer.key"),
            "SOU_HOST": host,
        }
        self.env.pop("SOU_DATABASE_URL_FILE", None)

    def __call__(self, *args: str, database_url: str | None = None) -> str:
        """The command's last line of output."""
        env = self.env if database_url is None else {**self.env, "SOU_DATABASE_URL": database_url}
        done = subprocess.run(
            [self.program, *args],
            cwd=self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise SouCommandFailed(args, done.returncode, done.stdout + done.stderr)
        return done.stdout.strip().splitlines()[-1]

    @contextmanager
    def serving(self, port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
        log = (self.work / "serve.log").open("wb")
        command = [self.program, "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers)]
        server = subprocess.Popen(
            command, cwd=self.work, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise DrillFailed(f"sou serve exited with {server.returncode}")
                with suppress(OSError, http.client.HTTPException):
                    status, _ = request("GET", port, "/readyz")
                    if status == 200:
                        break
                if time.monotonic() > deadline:
                    raise DrillFailed("sou serve did not become ready")
                time.sleep(0.1)
            yield server
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            log.close()


class SouCommandFailed(Exception):
    def __init__(self, args: Sequence[str], status: int, output: str) -> None:
        super().__init__(f"sou {' '.join(args)} exited with {status}:\n{output.strip()}")
        self.output = output


def request(
    method: str, port: int, path: str, body: object = None, *, timeout: float = 10
) -> tuple[int, Any]:
    """One request on its own connection: the status and the decoded JSON (None if not JSON).

    Raises OSError or HTTPException when there is no answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        connection.request(method, path, data, {"content-type": "application/json"})
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, None


# --- the load ------------------------------------------------------------------------------


@dataclass
class Payer:
    account: str
    key: SigningKey


@dataclass
class Receipted:
    transfer: str
    entry: int
    status: int  # 201: posted by this request; 200: found already in the log (a retry)
    at: float  # monotonic time the receipt came


@dataclass
class Load:
    port: int
    host: str
    currency: str
    shop: str
    ledger_key: bytes
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    receipts: list[Receipted] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)  # answers without a receipt
    refusals: list[str] = field(default_factory=list)  # 4xx: the ledger said no (none expected)
    bad_receipts: list[str] = field(default_factory=list)
    unsettled: int = 0  # payments still without a receipt when the drill gave up on them
    settle_by: float = float("inf")

    def pay(self, payer: Payer, index: int) -> None:
        """Payments from `payer`, one after another, until the load stops."""
        n = 0
        while not self.stop.is_set():
            n += 1
            cents = 1_00 + (index * 7 + n) % 150  # 1,00 to 2,49
            record = operation(
                "transfer", key=payer.key, host=self.host, currency=self.currency,
                now=int(time.time()), from_=payer.account, to=self.shop, amount=cents,
                payreq=None, ref=None,
            )  # fmt: skip
            self.settle(record.id, record.envelope())

    def settle(self, transfer: str, envelope: dict[str, Any]) -> None:
        """Sends the envelope until it gets a receipt or a refusal (or the drill gives up)."""
        while True:
            try:
                status, answer = request("POST", self.port, "/v1/transfers", envelope)
            except (OSError, http.client.HTTPException) as error:
                status, answer, why = 0, None, f"no answer ({type(error).__name__})"
            else:
                why = f"{status} {answer.get('type', '') if isinstance(answer, dict) else ''}"
            if status in (200, 201):
                self.receipt(transfer, status, answer)
                return
            if 400 <= status < 500 and status != 429:
                with self.lock:
                    self.refusals.append(why)
                return
            with self.lock:
                self.failures[why.strip()] += 1
            if time.monotonic() > self.settle_by:
                with self.lock:
                    self.unsettled += 1
                return
            time.sleep(0.05)  # the service is switching over: the same envelope, again

    def receipt(self, transfer: str, status: int, answer: Any) -> None:
        at = time.monotonic()
        try:
            record = answer["record"]
            signed = b"SOU-RECEIPT-V1\n" + canonical_json(record)
            verify(self.ledger_key, signed, b64url_decode(answer["sig"]))
            if record["transfer"] != transfer:
                raise ValueError(f"the receipt is for {record['transfer']}")
            entry = int(record["entry"])
        except Exception as error:
            with self.lock:
                self.bad_receipts.append(f"{transfer}: {error!r}")
            return
        with self.lock:
            self.receipts.append(Receipted(transfer, entry, status, at))

    def count(self) -> int:
        with self.lock:
            return len(self.receipts)

    def receipts_after(self, moment: float) -> int:
        with self.lock:
            return sum(1 for r in self.receipts if r.at > moment)


def setup_payers(sou: Sou, count: int) -> tuple[str, list[tuple[str, str]]]:
    """The shop's account, and each payer's account with a one-time enrolment code."""
    shop = sou(
        "merchant", "apply", "--kind", "business", "--name", "Épicerie de la bascule",
        "--address", "1 place du Marché, 64100 Bayonne", "--activity", "épicerie",
        "--iban", "FR76 3000 6000 0112 3456 7890 189",
    )  # fmt: skip
    sou("merchant", "approve", shop)
    payers = []
    for i in range(count):
        number = sou("admin", "account", "create", "--kind", "resident", "--name", f"Payeur {i}")
        code = sou("admin", "enrol", number, "--role", "resident")
        sou("admin", "convert", number, str(FUNDS))
        payers.append((number, code))
    return shop, payers


def enrol(port: int, account: str, code: str) -> Payer:
    key = SigningKey.generate()
    body = {"enrolment_code": code, "public_key": key.public_bytes.hex(), "label": "drill"}
    status, answer = request("POST", port, "/v1/devices", body)
    if status != 201 or answer.get("account") != account:
        raise DrillFailed(f"enrolment of {account}'s device: {status} {answer}")
    return Payer(account, key)


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise DrillFailed(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.01)


# --- the log of the promoted database ---------------------------------------------------------


def logged_ids(exported: Path) -> list[str]:
    """Each entry's record id (SHA-256 of its signed bytes, the leaf less its signature), in
    log order, from the exported file."""
    ids: list[str] = []
    with exported.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if "leaf" in item:
                leaf = base64.b64decode(item["leaf"])
                if int(item["i"]) != len(ids):
                    raise DrillFailed(f"the export skips from entry {len(ids)} to {item['i']}")
                ids.append(hashlib.sha256(leaf[:-64]).hexdigest())
    return ids


# --- the drill ---------------------------------------------------------------------------------


@dataclass
class Figures:
    acknowledged: int = 0
    found: int = 0
    lost: int = 0
    duplicated: int = 0
    misplaced: int = 0  # in the log, but not at the entry its receipt names
    outage: float = float("nan")
    problems: list[str] = field(default_factory=list)


def drill(root: Path, args: argparse.Namespace) -> Figures:
    figures = Figures()
    work = root / "sou"
    work.mkdir(mode=0o700)
    with clusters(root, synchronous=not args.asynchronous) as (primary, standby):
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        hosts = f"host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}"
        url = f"postgresql+psycopg://postgres@/{DATABASE}?{hosts}"
        url += "&target_session_attrs=read-write&connect_timeout=3"
        promoted_url = f"postgresql+psycopg://postgres@127.0.0.1:{standby.port}/{DATABASE}"
        port = free_port()
        sou = Sou(work, url, f"127.0.0.1:{port}")
        say(f"SOU_DATABASE_URL={url}")
        say(sou("db", "upgrade"))
        say(sou("pilot", "load", "--residents", "30", "--months", "1"))
        shop, accounts = setup_payers(sou, args.payers)
        say(f"shop {shop}; payers {', '.join(a for a, _ in accounts)}, {FUNDS // 100} each")

        with sou.serving(port, args.workers) as server:
            _, about = request("GET", port, "/v1/ledger")
            payers = [enrol(port, account, code) for account, code in accounts]
            ledger_key = bytes.fromhex(about["ledger_key"])
            load = Load(port, about["host"], about["currency"], shop, ledger_key)
            say(f"sou serve on 127.0.0.1:{port} ({args.workers} worker(s)); paying")
            threads = [
                threading.Thread(target=load.pay, args=(p, i), daemon=True)
                for i, p in enumerate(payers)
            ]
            for thread in threads:
                thread.start()
            try:
                killing, killed, promoting, promoted = switch(load, primary, standby, args)
            finally:
                load.settle_by = time.monotonic() + SETTLE
                load.stop.set()
                for thread in threads:
                    thread.join(timeout=SETTLE + 15)
            if any(thread.is_alive() for thread in threads):
                figures.problems.append("a payer's thread did not end")
            if not load.receipts_after(promoted):
                figures.problems.append("the service gave no receipt after the promotion")
            say("load stopped")
            server.terminate()
            if server.wait(timeout=30) not in (0, -signal.SIGTERM):
                figures.problems.append(f"sou serve exited with {server.returncode}")

        # Everything below reads the promoted database alone.
        exported = work / "promoted.log"
        try:
            say(sou("export", "log", str(exported), database_url=promoted_url))
        except SouCommandFailed as failure:
            figures.problems.append(f"the promoted database's log was not exported: {failure}")
            return figures
        try:
            verified = sou(
                "audit", "verify", str(exported), "--ledger-key", load.ledger_key.hex(),
                database_url=promoted_url,
            )  # fmt: skip
            say(f"sou audit verify: {verified}")
        except SouCommandFailed as failure:
            figures.problems.append(f"the audit failed: {failure}")
        ids = logged_ids(exported)
    return report(figures, load, ids, len(payers), (killing, killed, promoting, promoted))


def switch(
    load: Load, primary: Cluster, standby: Cluster, args: argparse.Namespace
) -> tuple[float, float, float, float]:
    """Under load: the primary killed, the standby promoted, the service paying again for
    `args.after` seconds; the moments the kill and the promotion began and ended."""
    time.sleep(args.before)
    wait_until(lambda: load.count() >= 20, 30, "receipts before the kill")

    lagging = None
    if args.lagging:  # the standby stops taking WAL: synchronous commits must wait
        lagging = wal_receiver(standby)
        os.kill(lagging, signal.SIGSTOP)
        paused = load.count()
        time.sleep(args.lagging)
        say(
            f"standby's WAL receiver stopped (SIGSTOP) for {args.lagging:.1f} s: "
            f"{load.count() - paused} receipts meanwhile"
        )
    killing = time.monotonic()
    primary.stop("immediate")
    killed = time.monotonic()  # the postmaster and its backends are gone
    say(f"primary stopped hard (pg_ctl stop -m immediate) after {load.count()} receipts")
    if lagging is not None:
        # What the primary sent and the receiver had not taken yet (in the sockets'
        # buffers) goes with it, as with a network cut: the standby has what it
        # wrote before it stopped.
        os.kill(lagging, signal.SIGKILL)
    promoting = time.monotonic()
    standby.promote()
    promoted = time.monotonic()
    if in_recovery(standby):
        raise DrillFailed("the standby is still in recovery after pg_ctl promote")
    say(f"standby promoted (pg_ctl promote) in {promoted - promoting:.2f} s")
    deadline = time.monotonic() + 60
    while not load.receipts_after(promoted) and time.monotonic() < deadline:
        time.sleep(0.01)
    if load.receipts_after(promoted):
        time.sleep(args.after)
    return killing, killed, promoting, promoted


def report(
    figures: Figures, load: Load, ids: list[str], payers: int, moments: tuple[float, ...]
) -> Figures:
    """The figures of the drill, printed, with what went wrong in `figures.problems`."""
    killing, killed, promoting, promoted = moments
    times = [r.at for r in load.receipts]
    before = [t for t in times if t <= killed]
    waiting = [t for t in times if killed < t <= promoting]
    during = [t for t in times if promoting < t <= promoted]
    after = [t for t in times if t > promoted]
    acknowledged = Counter(r.transfer for r in load.receipts)
    in_log = Counter(ids)
    figures.acknowledged = len(acknowledged)
    figures.found = sum(1 for t in acknowledged if in_log[t] >= 1)
    figures.lost = figures.acknowledged - figures.found
    figures.duplicated = sum(1 for t in acknowledged if in_log[t] > 1)
    figures.duplicated += sum(1 for n in acknowledged.values() if n > 1)  # one payment, 2 receipts
    figures.misplaced = sum(
        1 for r in load.receipts if r.entry >= len(ids) or ids[r.entry] != r.transfer
    )
    whole_log_twice = sum(1 for n in in_log.values() if n > 1)
    if before and after:
        # The longest time without a receipt around the switch: the promoted server takes
        # writes up to 0.1 s before `pg_ctl promote -w` sees it, so the last receipt of the
        # old primary and the first of the new one are told apart by the gap between them.
        ordered = sorted(times)
        back = min(after)
        figures.outage = max(
            b - a for a, b in pairwise(ordered) if b >= killing and a <= max(back, promoted)
        )
    statuses = Counter(r.status for r in load.receipts)

    print()
    print("failover drill figures")
    print(f"  payers (threads)                     {payers}")
    print(f"  receipts before the kill             {len(before)}")
    print(f"  receipts from kill to pg_ctl promote {len(waiting)}")
    print(f"  receipts while pg_ctl promote ran    {len(during)}")
    print(f"  receipts after the promotion         {len(after)}")
    print(f"  receipts 201 (posted) / 200 (retry)  {statuses[201]} / {statuses[200]}")
    print(f"  answers without a receipt            {sum(load.failures.values())}")
    for why, n in load.failures.most_common():
        print(f"      {n:6d}  {why}")
    print(f"  payments left without a receipt      {load.unsettled}")
    print(f"  refusals (4xx)                       {len(load.refusals)}")
    print(f"  log entries (promoted database)      {len(ids)}")
    print(f"  acknowledged                         {figures.acknowledged}")
    print(f"  found                                {figures.found}")
    print(f"  lost                                 {figures.lost}")
    print(f"  duplicated                           {figures.duplicated}")
    print(f"  not at their receipt's entry         {figures.misplaced}")
    print(f"  kill (pg_ctl stop -m immediate)      {killed - killing:.2f} s")
    print(f"  promotion (pg_ctl promote)           {promoted - promoting:.2f} s")
    print(f"  seconds without service              {figures.outage:.2f} s")

    if load.refusals:
        figures.problems.append(f"payments refused: {Counter(load.refusals).most_common()}")
    if load.bad_receipts:
        figures.problems.append(f"receipts that do not verify: {load.bad_receipts[:5]}")
    if figures.lost or figures.duplicated or figures.misplaced or whole_log_twice:
        figures.problems.append("acknowledged payments lost, duplicated or misplaced")
    if not before or not after:
        figures.problems.append("no receipt before the kill, or none after the promotion")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--payers", type=int, default=4, help="paying threads [4]")
    parser.add_argument("--before", type=float, default=3.0, help="seconds of load first [3]")
    parser.add_argument("--after", type=float, default=3.0, help="seconds after recovery [3]")
    parser.add_argument("--workers", type=int, default=1, help="sou serve --workers [1]")
    parser.add_argument("--keep", action="store_true", help="keep the drill's files")
    parser.add_argument(
        "--lagging",
        type=float,
        default=0.0,
        metavar="S",
        help="stop the standby's WAL receiver for S seconds just before the kill [0]",
    )
    parser.add_argument(
        "--asynchronous",
        action="store_true",
        help="an asynchronous standby instead: acknowledged payments may then be lost",
    )
    args = parser.parse_args(argv)
    if not (PG_BIN / "initdb").exists():
        print(f"error: no PostgreSQL programs in {PG_BIN} (set SOU_DRILL_PG_BIN)", file=sys.stderr)
        return 2
    # A SIGTERM (CI's timeout) unwinds like an exception: the clusters are still stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    root = Path(tempfile.mkdtemp(prefix="sou-failover-"))
    root.chmod(0o711)  # the postgres user goes through to its own folder, and no further
    try:
        figures = drill(root, args)
    except (DrillFailed, SouCommandFailed) as error:
        print(f"error: the drill could not run: {error}", file=sys.stderr)
        for name in ("sou/serve.log", "pg/primary.log", "pg/standby.log"):
            with suppress(OSError):
                tail = (root / name).read_text(errors="replace").splitlines()[-15:]
                print(f"--- {name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    for problem in figures.problems:
        print(f"FAIL: {problem}")
    if figures.problems:
        return 1
    print("OK: every acknowledged payment is in the promoted database's log, once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
