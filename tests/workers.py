"""Code the concurrency and crash tests run in other processes, and the checks they share.

A worker process is spawned with the URL of a database a test has peopled with
`tests.support.World`, the seed of the ledger key and the seeds of the holders' device
keys; it opens its own engine and `Ledger` on that database, as a second server would.
`run_job` is what the processes of a pool run (`join_pool` starts them);
`python -m tests.workers post-until-killed ...` is the process the crash tests kill with
SIGKILL. `ledger_problems` lists what is wrong with a database's
ledger (cached balances against the fold of the postings, overdrafts, gaps in the log, the
stored tree against the leaves): the parent tests run it after their workers.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import Connection, select

from ledger.audit import verify_log
from ledger.checkpoint import open_checkpoint
from ledger.context import Ledger
from ledger.errors import (
    AccountQuarantined,
    ConcurrencyConflict,
    InsufficientFunds,
    InvariantViolation,
    SouError,
)
from ledger.export import export_log
from ledger.log import CompactRange, leaf_hash
from ledger.persistence import tables
from ledger.persistence.database import make_engine
from ledger.persistence.store import LedgerStore
from ledger.posting import Posted, post_record, post_records
from ledger.records import SignedRecord, operation, parse_leaf
from ledger.signing import SigningKey
from ledger.transparency import latest_checkpoint
from tests.support import HOST, T0, UNIT

# How many legs each type of entry posts (the types these tests write).
LEGS_OF_TYPE = {"genesis": 0, "account": 0, "key": 0, "transfer": 1, "conversion": 2}


def fixed_clock() -> int:
    """The tests' records are all made at T0 (as `World` makes them), so workers live then."""
    return T0


def open_ledger(url: str, ledger_seed: bytes) -> Ledger:
    """The ledger in the database at `url`, as another process (another server) opens it."""
    key = SigningKey.from_private_bytes(ledger_seed)
    return Ledger(make_engine(url), HOST, UNIT, key, "Rétzi", fixed_clock)


def payment(payer: tuple[int, SigningKey], payee: int, cents: int) -> SignedRecord:
    number, key = payer
    return operation(
        "transfer",
        key=key,
        host=HOST,
        currency=UNIT,
        now=T0,
        from_=str(number),
        to=str(payee),
        amount=cents,
        payreq=None,
        ref=None,
    )


# --- a bank: workers paying each other at random ---------------------------------------------


@dataclass(frozen=True)
class BankJob:
    url: str
    ledger_seed: bytes
    holders: tuple[tuple[int, bytes], ...]  # account number, seed of its device key
    payments: int
    max_batch: int
    max_amount: int
    lock: bool
    seed: int


@dataclass
class BankResult:
    accepted: list[str] = field(default_factory=list)  # record ids, each once
    insufficient: int = 0
    conflicts: int = 0  # `ConcurrencyConflict`s, each followed by a retry of the batch
    db_refusals: list[str] = field(default_factory=list)  # `InvariantViolation`s


def pay_randomly(job: BankJob) -> BankResult:
    """Pays `job.payments` random amounts among the holders, in batches of 1 to `max_batch`;
    `job.lock` False is the unsafe control: this process then reads balances without row
    locks (for the job only: the pool's processes serve other jobs after it)."""
    if job.lock:
        return _pay_randomly(job)
    unlocked = functools.partialmethod(LedgerStore.load_state, lock=False)
    with mock.patch.object(LedgerStore, "load_state", unlocked):
        return _pay_randomly(job)


def _pay_randomly(job: BankJob) -> BankResult:
    rng = random.Random(job.seed)
    ledger = open_ledger(job.url, job.ledger_seed)
    holders = [(n, SigningKey.from_private_bytes(seed)) for n, seed in job.holders]
    result = BankResult()
    accepted: set[str] = set()
    made = 0
    try:
        while made < job.payments:
            batch = []
            for _ in range(min(rng.randint(1, job.max_batch), job.payments - made)):
                payer, payee = rng.sample(holders, 2)
                batch.append(payment(payer, payee[0], rng.randint(1, job.max_amount)))
            made += len(batch)
            while True:
                try:
                    with ledger.unit_of_work() as uow:
                        outcomes = post_records(uow, records=batch)
                        uow.commit()
                except ConcurrencyConflict:
                    result.conflicts += 1
                    continue
                except InvariantViolation as error:  # only an unsafe ledger should meet it
                    result.db_refusals.append(str(error))
                    break
                for outcome in outcomes:
                    if isinstance(outcome, Posted):
                        if outcome.record.id not in accepted:
                            accepted.add(outcome.record.id)
                            result.accepted.append(outcome.record.id)
                    elif isinstance(outcome, InsufficientFunds):
                        result.insufficient += 1
                    elif isinstance(outcome, AccountQuarantined) and not job.lock:
                        # an unsafe ledger's lost update, caught by the seals (ledger.integrity)
                        result.db_refusals.append(str(outcome))
                    else:
                        raise outcome
                break
    finally:
        ledger.engine.dispose()
    return result


# --- one record, posted by many at once -------------------------------------------------------


@dataclass(frozen=True)
class SameRecordJob:
    url: str
    ledger_seed: bytes
    leaf: bytes  # the signed record, as the log stores it


@dataclass(frozen=True)
class Landed:
    """Where a caller was told its record landed, after `conflicts` retries."""

    index: int
    retry: bool
    conflicts: int


def post_until_landed(ledger: Ledger, record: SignedRecord) -> Landed:
    """Posts `record`, retrying on `ConcurrencyConflict` as a client retries the same bytes."""
    conflicts = 0
    while True:
        try:
            with ledger.unit_of_work() as uow:
                posted = post_record(uow, record=record)
                uow.commit()
            return Landed(posted.index, posted.retry, conflicts)
        except ConcurrencyConflict:
            conflicts += 1


def post_same_record(job: SameRecordJob) -> Landed:
    ledger = open_ledger(job.url, job.ledger_seed)
    try:
        return post_until_landed(ledger, parse_leaf(job.leaf))
    finally:
        ledger.engine.dispose()


# --- the processes of a pool ------------------------------------------------------------------

_start: Any = None  # the Barrier every job of a pool process waits at (see `join_pool`)


def join_pool(start: Any) -> None:
    """Initialises a pool process; `start` is a Barrier with a party per process of the pool."""
    global _start
    _start = start


def run_job(job: BankJob | SameRecordJob) -> BankResult | Landed:
    """Runs `job` in a pool process once every process of the pool has a job, so at once."""
    _start.wait(timeout=60)
    return pay_randomly(job) if isinstance(job, BankJob) else post_same_record(job)


# --- checks ------------------------------------------------------------------------------------


def holder_balances(conn: Connection, numbers: Sequence[int]) -> dict[int, int]:
    """The holders' balances, in one statement (so from one snapshot, at any isolation level)."""
    A = tables.ACCOUNTS
    rows = conn.execute(
        select(A.c.number, A.c.credits - A.c.debits).where(A.c.number.in_(list(numbers)))
    )
    return {number: balance for number, balance in rows}


def ledger_problems(conn: Connection) -> list[str]:
    """Everything wrong with the ledger in the database: [] when it is sound.

    Read it in one transaction (a snapshot) when nothing writes, or writers may move it.
    """
    A, E, P, H, N = (
        tables.ACCOUNTS,
        tables.ENTRIES,
        tables.POSTINGS,
        tables.LOG_HEAD,
        tables.TREE_NODES,
    )
    problems: list[str] = []
    debited: dict[int, int] = defaultdict(int)
    credited: dict[int, int] = defaultdict(int)
    legs: Counter[int] = Counter()
    for entry, debit, credit, amount in conn.execute(
        select(P.c.entry, P.c.debit, P.c.credit, P.c.amount)
    ):
        debited[debit] += amount
        credited[credit] += amount
        legs[entry] += 1
    for row in conn.execute(select(A).order_by(A.c.number)):
        fold = (debited[row.number], credited[row.number])
        if (row.debits, row.credits) != fold:
            problems.append(
                f"account {row.number}: debits/credits {row.debits}/{row.credits}, "
                f"but its postings fold to {fold[0]}/{fold[1]}"
            )
        if row.no_overdraft and min(row.credits - row.debits, fold[1] - fold[0]) < 0:
            problems.append(
                f"account {row.number} is overdrawn: cached {row.credits - row.debits}, "
                f"folded {fold[1] - fold[0]}"
            )
    size, head_frontier = conn.execute(select(H.c.size, H.c.frontier)).one()
    tree = CompactRange()
    nodes: dict[tuple[int, int], bytes] = {}  # every inner node the leaves complete
    for n, (idx, kind, signed, sig, stored_leaf) in enumerate(
        conn.execute(
            select(E.c.idx, E.c.type, E.c.signed, E.c.sig, E.c.leaf_hash).order_by(E.c.idx)
        )
    ):
        if idx != n:
            problems.append(f"the log has a gap: entry {idx} is the {n}th")
            break
        if bytes(stored_leaf) != leaf_hash(bytes(signed) + bytes(sig)):
            problems.append(f"entry {idx}: its leaf hash is not the hash of its leaf")
        expected = LEGS_OF_TYPE.get(kind)
        if expected is not None and legs[idx] != expected:
            problems.append(f"entry {idx} ({kind}) has {legs[idx]} postings, not {expected}")
        nodes.update(((level, i), h) for level, i, h in tree.append(bytes(stored_leaf))[1:])
    if tree.size != size:
        problems.append(f"log_head.size is {size} but the log has {tree.size} entries")
    elif size and LedgerStore(conn).frontier(size).root() != tree.root():
        problems.append("the root of the stored tree nodes is not the root of the leaves")
    elif head_frontier is not None and bytes(head_frontier) != size.to_bytes(8, "big") + b"".join(
        tree.frontier
    ):
        problems.append("the frontier kept in log_head is not the frontier of the leaves")
    stored = {(level, i): bytes(h) for level, i, h in conn.execute(select(N))}
    wrong = sorted(ref for ref in stored.keys() | nodes.keys() if stored.get(ref) != nodes.get(ref))
    if wrong:
        problems.append(f"{len(wrong)} stored tree nodes are missing or wrong, from {wrong[0]}")
    return problems


def log_root(conn: Connection) -> tuple[int, bytes]:
    """The size and Merkle root of the log, recomputed from every entry's leaf hash."""
    tree = CompactRange()
    for (h,) in conn.execute(select(tables.ENTRIES.c.leaf_hash).order_by(tables.ENTRIES.c.idx)):
        tree.append(bytes(h))
    return tree.size, tree.root()


def checkpoint_problems(ledger: Ledger) -> list[str]:
    """Whether the checkpoint the ledger signs for its log has the root of every leaf."""
    with ledger.unit_of_work() as uow:
        size, root = log_root(uow.connection)
        published = latest_checkpoint(uow)
        uow.commit()
    checkpoint = open_checkpoint(
        published.note, name=ledger.origin, public_key=ledger.key.public_bytes
    )
    if (checkpoint.size, checkpoint.root) != (size, root):
        return [f"the checkpoint for size {checkpoint.size} is not the root of the leaves"]
    return []


def exported_log_problems(ledger: Ledger, path: Path) -> list[str]:
    """Exports the log to `path` and verifies it offline, as `sou audit verify` does."""
    with ledger.unit_of_work() as uow:
        size, root = log_root(uow.connection)
        with path.open("w", encoding="utf-8") as out:
            export_log(uow, out)
        uow.commit()
    try:
        report = verify_log(path, ledger_key=ledger.key.public_bytes)
    except SouError as error:
        return [f"the exported log does not verify: {error}"]
    if (report.entries, report.root) != (size, root.hex()):
        return [f"the audit of the export found {report.entries} entries, root {report.root}"]
    return []


# --- a process that posts until it is killed ---------------------------------------------------


def post_until_killed(ledger: Ledger, holders: list[tuple[int, SigningKey]], acks: Path) -> None:
    """Posts small payments, one per unit of work, for ever; acknowledges each commit in `acks`.

    A line `<record id> <entry index>` is appended (and fsynced) only after the commit
    returned: whatever the process is killed doing, an acknowledged payment must survive.
    """
    rng = random.Random()
    with acks.open("a", encoding="ascii") as out:
        while True:
            payer, payee = rng.sample(holders, 2)
            try:
                with ledger.unit_of_work() as uow:
                    posted = post_record(uow, record=payment(payer, payee[0], rng.randint(1, 5_00)))
                    uow.commit()
            except (InsufficientFunds, ConcurrencyConflict):
                continue
            out.write(f"{posted.record.id} {posted.index}\n")
            out.flush()
            os.fsync(out.fileno())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.workers")
    commands = parser.add_subparsers(dest="command", required=True)
    poster = commands.add_parser("post-until-killed", help=post_until_killed.__doc__)
    poster.add_argument("--url", required=True)
    poster.add_argument("--ledger-seed", required=True, help="hex")
    poster.add_argument("--holder", action="append", required=True, help="NUMBER:SEEDHEX")
    poster.add_argument("--acks", required=True, type=Path)
    args = parser.parse_args(argv)
    holders = [
        (int(number), SigningKey.from_private_bytes(bytes.fromhex(seed)))
        for number, seed in (h.split(":") for h in args.holder)
    ]
    post_until_killed(open_ledger(args.url, bytes.fromhex(args.ledger_seed)), holders, args.acks)


if __name__ == "__main__":
    main()
