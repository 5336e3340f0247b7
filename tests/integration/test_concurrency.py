"""Concurrent writers against one ledger: real processes and threads, real databases.

Invariants 2, 4 and 6 of the spec: no overdraft even under concurrent payments, one entry
per record id however many post it at once, and correctness resting on row locks (or
SQLite's single writer) rather than on the isolation level. The bank runs separate worker
processes, as separate servers would be, while a reader watches the total; the negative
control runs the same workload on `post_records(..., lock=False)` and proves that the same
checks catch the lost updates an unlocked ledger makes.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from ledger.errors import (
    ConcurrencyConflict,
    InsufficientFunds,
    InvalidReference,
    RefundLimitExceeded,
)
from ledger.persistence import tables
from ledger.persistence import uow as uow_module
from ledger.persistence.database import make_engine, writer_turn
from ledger.persistence.migrate import upgrade
from ledger.persistence.uow import UnitOfWork
from ledger.records import SignedRecord
from tests import workers
from tests.support import Holder, World
from tests.workers import BankJob, BankResult, Landed, SameRecordJob

pytestmark = pytest.mark.slow

SPAWN = multiprocessing.get_context("spawn")
PROCESSES = 8  # worker processes, each as a separate server would be
CALLERS = 8  # threads posting at once
T = TypeVar("T")


# --- running things at the same moment ---------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Worker processes, spawned once for the module (spawning is what costs most here)."""
    start = SPAWN.Barrier(PROCESSES)
    with ProcessPoolExecutor(
        PROCESSES, mp_context=SPAWN, initializer=workers.join_pool, initargs=(start,)
    ) as pool:
        yield pool


def in_processes(pool: ProcessPoolExecutor, jobs: Sequence[BankJob | SameRecordJob]) -> list[Any]:
    """Runs one job per process of the pool, all starting at once; their results."""
    assert len(jobs) == PROCESSES, "the pool's barrier releases a job per process"
    futures = [pool.submit(workers.run_job, job) for job in jobs]
    return [future.result(timeout=120) for future in futures]


def in_threads(n: int, call: Callable[[int], T]) -> list[T]:
    """Calls `call(i)` in n threads released together; the results (or the first error)."""
    start = threading.Barrier(n)
    results: list[T | None] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            results[i] = call(i)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def entry_count(world: World, *, record_id: str | None = None) -> int:
    E = tables.ENTRIES
    query = select(func.count()).select_from(E)
    if record_id is not None:
        query = query.where(E.c.record_id == record_id)
    with world.engine.connect() as conn:
        count: int = conn.execute(query).scalar_one()
    return count


def problems_of(world: World) -> list[str]:
    with world.engine.connect() as conn:
        return workers.ledger_problems(conn)


# --- the bank ----------------------------------------------------------------------------------


@dataclass
class Bank:
    world: World
    url: str
    holders: list[Holder]
    total: int


@dataclass
class BankRun:
    results: list[BankResult]
    reads: int
    seen: list[str]  # what the reader saw wrong while the workers ran, each once

    @property
    def accepted(self) -> list[str]:
        return [record_id for r in self.results for record_id in r.accepted]

    @property
    def insufficient(self) -> int:
        return sum(r.insufficient for r in self.results)


@pytest.fixture
def bank(postgres_url: str) -> Iterator[Bank]:
    world = World(postgres_url)
    holders = [world.resident(balance=100_00) for _ in range(5)]
    yield Bank(world, postgres_url, holders, 5 * 100_00)
    world.close()


@pytest.fixture
def small_bank(postgres_url: str) -> Iterator[Bank]:
    """Few accounts, so that concurrent payments nearly always share one."""
    world = World(postgres_url)
    holders = [world.resident(balance=100_00) for _ in range(3)]
    yield Bank(world, postgres_url, holders, 3 * 100_00)
    world.close()


def run_bank(
    pool: ProcessPoolExecutor,
    bank: Bank,
    *,
    payments: int,
    max_batch: int,
    max_amount: int,
    lock: bool,
) -> BankRun:
    """Worker processes pay each other at random while a thread watches the holders' total."""
    numbers = [h.number for h in bank.holders]
    jobs = [
        BankJob(
            url=bank.url,
            ledger_seed=bank.world.ledger.key.private_bytes,
            holders=tuple((h.number, h.key.private_bytes) for h in bank.holders),
            payments=payments,
            max_batch=max_batch,
            max_amount=max_amount,
            lock=lock,
            seed=seed,
        )
        for seed in range(PROCESSES)
    ]
    stop = threading.Event()
    seen: list[str] = []
    reads = 0

    def watch() -> None:
        nonlocal reads
        while not stop.wait(0.002):  # a short pause, not to starve the workers of CPU
            with bank.world.ledger.unit_of_work(write=False) as uow:
                balances = workers.holder_balances(uow.connection, numbers)
            total = sum(balances.values())
            if total != bank.total:
                seen.append(f"the reader saw a total of {total}, not {bank.total}")
            seen.extend(f"the reader saw account {n} at {b}" for n, b in balances.items() if b < 0)
            reads += 1

    reader = threading.Thread(target=watch)
    reader.start()
    try:
        results = in_processes(pool, jobs)
    finally:
        stop.set()
        reader.join()
    return BankRun(results, reads, list(dict.fromkeys(seen)))


def problems_after(bank: Bank, run: BankRun, tmp_path: Path) -> list[str]:
    """What the checks find wrong once the workers are done: [] for a sound ledger."""
    problems = [f"the database refused a batch: {e}" for r in run.results for e in r.db_refusals]
    E = tables.ENTRIES
    with bank.world.engine.connect() as conn:
        problems += workers.ledger_problems(conn)
        balances = workers.holder_balances(conn, [h.number for h in bank.holders])
        transfers = set(conn.scalars(select(E.c.record_id).where(E.c.type == "transfer")))
    if sum(balances.values()) != bank.total:
        problems.append(f"the holders hold {sum(balances.values())}, not {bank.total}")
    if len(run.accepted) != len(transfers) or set(run.accepted) != transfers:
        problems.append(
            f"{len(run.accepted)} payments were accepted, {len(transfers)} entries added"
        )
    problems += workers.checkpoint_problems(bank.world.ledger)
    problems += workers.exported_log_problems(bank.world.ledger, tmp_path / "log.sou")
    return problems


def test_concurrent_payments_between_processes_keep_every_invariant(
    pool: ProcessPoolExecutor, bank: Bank, tmp_path: Path
) -> None:
    run = run_bank(pool, bank, payments=60, max_batch=5, max_amount=150_00, lock=True)

    assert run.seen == []
    assert problems_after(bank, run, tmp_path) == []
    assert len(run.accepted) > 100
    assert run.insufficient > 0, "the workload must try payments the payer cannot afford"
    assert run.reads > 10, "the reader must have looked while the workers paid"


def test_the_checks_catch_a_ledger_that_reads_balances_without_locks(
    pool: ProcessPoolExecutor, small_bank: Bank, tmp_path: Path
) -> None:
    run = run_bank(pool, small_bank, payments=20, max_batch=1, max_amount=60_00, lock=False)

    # Both watches must notice, or one of them may have stopped looking.
    assert run.accepted
    assert run.seen, "the reader saw nothing wrong while an unlocked ledger lost updates"
    assert problems_after(small_bank, run, tmp_path), "the checks after the run saw nothing"


# --- the same record, posted by many at once ---------------------------------------------------


def assert_entered_once(
    world: World, record: SignedRecord, size: int, landed: list[Landed]
) -> None:
    """One entry for the record, the same index for every caller, the money moved once."""
    assert entry_count(world) == size + 1
    assert entry_count(world, record_id=record.id) == 1
    assert {outcome.index for outcome in landed} == {size}, landed
    assert [outcome.retry for outcome in landed].count(False) == 1, landed
    payer, payee = int(record.record["from"]), int(record.record["to"])
    assert (world.balance(payer), world.balance(payee)) == (37_50, 12_50)
    assert problems_of(world) == []


def test_the_same_transfer_posted_by_many_threads_at_once_is_entered_once(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = world.transfer(alice, shop, 12_50)
    size = entry_count(world)

    landed = in_threads(CALLERS, lambda _: workers.post_until_landed(world.ledger, record))

    assert_entered_once(world, record, size, landed)


def test_the_same_transfer_posted_by_many_processes_at_once_is_entered_once(
    pool: ProcessPoolExecutor, db_url: str, world: World
) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = world.transfer(alice, shop, 12_50)
    size = entry_count(world)
    job = SameRecordJob(db_url, world.ledger.key.private_bytes, record.leaf)

    landed: list[Landed] = in_processes(pool, [job] * PROCESSES)

    assert_entered_once(world, record, size, landed)


# --- one payer, spending everything many times at once -----------------------------------------


def test_many_threads_spending_a_whole_balance_at_once_succeed_only_once(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    payments = [world.transfer(alice, shop, 50_00) for _ in range(CALLERS)]
    size = entry_count(world)

    def spend(i: int) -> str:
        try:
            workers.post_until_landed(world.ledger, payments[i])
        except InsufficientFunds:
            return "refused"
        return "paid"

    outcomes = in_threads(CALLERS, spend)

    assert sorted(outcomes) == ["paid"] + ["refused"] * (CALLERS - 1)
    assert (world.balance(alice), world.balance(shop)) == (0, 50_00)
    assert entry_count(world) == size + 1
    assert problems_of(world) == []


def test_a_sqlite_writer_waiting_for_itself_gives_up_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite writers queue for their turn; one that would wait for itself fails after the
    wait limit (as SQLite's busy timeout did), and the turn comes back when the first ends."""
    monkeypatch.setattr(uow_module, "WRITER_WAIT", 0.2)
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    upgrade(engine)
    with UnitOfWork(engine), pytest.raises(ConcurrencyConflict), UnitOfWork(engine):
        pass
    with UnitOfWork(engine):
        pass
    engine.dispose()


def test_a_sqlite_files_writers_queue_on_the_turn_its_engine_carries(tmp_path: Path) -> None:
    """The engine of a database file carries its writers' turn (no module-global queues);
    readers take none, and an in-memory database has none."""
    path = tmp_path / "one.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    turn = writer_turn(engine)
    assert turn is not None and turn.lock_file == f"{path}.writer-lock"
    with UnitOfWork(engine):
        assert turn.queue.locked()
    with UnitOfWork(engine, write=False):
        assert not turn.queue.locked()
    assert writer_turn(make_engine("sqlite://")) is None
    engine.dispose()


def test_a_sqlite_writer_may_end_in_another_thread_than_it_began(tmp_path: Path) -> None:
    """FastAPI enters and exits a dependency in whichever threads of its pool are free."""
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    upgrade(engine)
    first = UnitOfWork(engine).__enter__()
    ender = threading.Thread(target=first.__exit__, args=(None, None, None))
    ender.start()
    ender.join()
    with UnitOfWork(engine):  # this thread began the first one: its turn is free again
        pass
    engine.dispose()


# --- refunds at once: never past the payment, never past a till's day --------------------------


def refunds_at_once(world: World, refunds: list[SignedRecord]) -> list[str]:
    def refund(i: int) -> str:
        try:
            workers.post_until_landed(world.ledger, refunds[i])
        except (RefundLimitExceeded, InvalidReference) as refusal:
            return refusal.code
        return "refunded"

    return sorted(in_threads(len(refunds), refund))


def test_refunds_at_once_stay_within_a_tills_limit_of_the_day(world: World) -> None:
    alice, shop = world.resident(balance=150_00), world.merchant()
    cashier = world.cashier(shop, refund_limit=100_00)
    paid = world.pay(alice, shop, 150_00).record.id
    refunds = [
        world.transfer(shop, alice, 30_00, ref=paid, key=cashier.key) for _ in range(CALLERS)
    ]

    outcomes = refunds_at_once(world, refunds)

    assert outcomes == ["refund-limit"] * (CALLERS - 3) + ["refunded"] * 3
    assert world.balance(alice) == 90_00
    assert problems_of(world) == []


def test_refunds_at_once_never_return_more_than_the_payment(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    paid = world.pay(alice, shop, 50_00).record.id
    refunds = [world.transfer(shop, alice, 20_00, ref=paid) for _ in range(CALLERS)]

    outcomes = refunds_at_once(world, refunds)

    assert outcomes == ["invalid-reference"] * (CALLERS - 2) + ["refunded"] * 2
    assert (world.balance(alice), world.balance(shop)) == (40_00, 10_00)
    assert problems_of(world) == []
