"""The payment batcher: concurrent transfers posted together, each with its own outcome."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from ledger.audit import verify_log
from ledger.context import Ledger, LedgerUnitOfWork
from ledger.errors import (
    ConcurrencyConflict,
    DuplicateConflict,
    InsufficientFunds,
    InvalidSignature,
)
from ledger.export import export_log
from ledger.posting import Posted
from ledger.records import SignedRecord
from tests.api.problems import problem
from tests.servers import all_at_once
from tests.support import World
from wallet_api.app import create_app
from wallet_api.batcher import Batcher


@contextmanager
def log_held(world: World) -> Iterator[None]:
    """Holds the log head in a writing transaction, and on PostgreSQL the batch turn too: the
    batcher's writer waits before it takes what queued meanwhile (as it waits for SQLite's
    write lock), so what the test queues now is either taken with it or, if its request
    went away first, left out."""
    with world.ledger.unit_of_work() as uow:
        uow.store.wait_for_batch_turn()
        uow.store.lock_head()
        yield


def outcome(future: Future[Posted]) -> Posted | BaseException:
    error = future.exception(timeout=60)
    return future.result() if error is None else error


def transfers_in_verified_log(world: World, tmp_path: Path) -> int:
    """Exports the log and verifies it offline; the number of transfers it holds."""
    log = tmp_path / "ledger.log"
    with world.ledger.unit_of_work() as uow, log.open("w") as out:
        export_log(uow, out)
        uow.commit()
    report = verify_log(log, ledger_key=world.ledger.key.public_bytes)
    return report.counts.get("transfer", 0)


def forged(world: World, record: SignedRecord) -> SignedRecord:
    """The record with another record's signature."""
    other = world.transfer(world.resident(), world.merchant(), 1)
    return dataclasses.replace(record, sig=other.sig)


def test_refused_records_in_a_batch_leave_no_trace_and_do_not_fail_the_others(
    world: World, tmp_path: Path
) -> None:
    alice, bob, poor = world.resident(3_00), world.resident(10_00), world.resident(50)
    shop = world.merchant()
    twice = world.transfer(bob, shop, 2_00)
    mix = [
        world.transfer(alice, shop, 1_00),
        world.transfer(poor, shop, 1_00),
        world.transfer(alice, shop, 2_00),
        twice,
        twice,
        world.transfer(bob, shop, 3_00, nonce=twice.record["nonce"]),
        world.transfer(alice, shop, 1),
        forged(world, world.transfer(bob, shop, 1_00)),
    ]
    size = world.log_size()
    batcher = Batcher(world.ledger)
    try:
        with log_held(world):  # the first payment waits for the log: the others queue up
            head = batcher.submit(world.transfer(bob, shop, 1_00))
            deadline = time.monotonic() + 30
            while batcher.batches == 0 and time.monotonic() < deadline:
                time.sleep(0.001)  # until the writer has taken it and waits for the lock
            futures = [batcher.submit(record) for record in mix]
        first, *outcomes = [outcome(f) for f in [head, *futures]]
    finally:
        batcher.close()
    assert batcher.batches == 1  # what queued while the write lock was awaited joined the batch
    assert isinstance(first, Posted)
    kinds = [
        ("retry" if o.retry else "new") if isinstance(o, Posted) else type(o) for o in outcomes
    ]
    assert kinds == [
        "new",
        InsufficientFunds,
        "new",
        "new",
        "retry",
        DuplicateConflict,
        InsufficientFunds,
        InvalidSignature,
    ]
    accepted, retried = outcomes[3], outcomes[4]
    assert isinstance(accepted, Posted) and isinstance(retried, Posted)
    assert (retried.index, retried.accepted) == (accepted.index, accepted.accepted)
    assert world.log_size() == size + 4
    assert [world.balance(h) for h in (alice, bob, poor, shop)] == [0, 7_00, 50, 6_00]
    assert transfers_in_verified_log(world, tmp_path) == 4


@dataclass
class FlakyLedger(Ledger):
    """A ledger whose first commit of more than one entry fails, as a busy database may."""

    failed: bool = False

    def unit_of_work(
        self, *, write: bool = True, connection: Connection | None = None, snapshot: bool = False
    ) -> LedgerUnitOfWork:
        return FlakyUnitOfWork(self, write=write, connection=connection)


class FlakyUnitOfWork(LedgerUnitOfWork):
    def __init__(
        self, ledger: FlakyLedger, *, write: bool = True, connection: Connection | None = None
    ) -> None:
        super().__init__(ledger, write=write, connection=connection)
        self.flaky = ledger

    def __enter__(self) -> Self:
        super().__enter__()
        self.size_at_start = self.store.size()
        return self

    def commit(self) -> None:
        if not self.flaky.failed and self.store.size() > self.size_at_start + 1:
            self.flaky.failed = True
            raise ConcurrencyConflict("the database was busy")
        super().commit()


def test_a_batch_whose_transaction_fails_is_posted_again_record_by_record(
    world: World, tmp_path: Path
) -> None:
    alice, poor, shop = world.resident(10_00), world.resident(50), world.merchant()
    fields = {f.name: getattr(world.ledger, f.name) for f in dataclasses.fields(Ledger)}
    flaky = FlakyLedger(**fields)
    size = world.log_size()
    batcher = Batcher(flaky)
    try:
        with log_held(world):
            head = batcher.submit(world.transfer(alice, shop, 1_00))
            futures = [
                batcher.submit(world.transfer(alice, shop, 2_00)),
                batcher.submit(world.transfer(poor, shop, 1_00)),
                batcher.submit(world.transfer(alice, shop, 3_00)),
            ]
        outcomes = [outcome(f) for f in [head, *futures]]
    finally:
        batcher.close()
    assert flaky.failed
    assert [isinstance(o, Posted) and not o.retry for o in outcomes] == [True, True, False, True]
    assert isinstance(outcomes[2], InsufficientFunds)
    assert world.log_size() == size + 3
    assert [world.balance(h) for h in (alice, poor, shop)] == [4_00, 50, 6_00]
    assert transfers_in_verified_log(world, tmp_path) == 3


def test_a_payment_queued_when_the_service_stops_is_still_posted(world: World) -> None:
    alice, shop = world.resident(5_00), world.merchant()
    batcher = Batcher(world.ledger)
    with log_held(world):
        futures = [batcher.submit(world.transfer(alice, shop, 1_00)) for _ in range(3)]
        closing = threading.Thread(target=batcher.close)
        closing.start()
    closing.join()
    assert all(isinstance(outcome(f), Posted) for f in futures)
    assert world.balance(shop) == 3_00


def test_an_awaited_payment_whose_request_went_away_before_its_batch_is_not_posted(
    world: World,
) -> None:
    """`Batcher.post` (what the HTTP route awaits) gets its outcome from the writer thread;
    a request cancelled while its payment still queues takes the payment back with it."""
    alice, shop = world.resident(5_00), world.merchant()
    first, second = world.transfer(alice, shop, 1_00), world.transfer(alice, shop, 2_00)
    size = world.log_size()
    batcher = Batcher(world.ledger)

    async def scenario() -> Posted:
        with log_held(world):  # the first payment waits for the log; the second queues
            head = asyncio.create_task(batcher.post(first))
            deadline = time.monotonic() + 30
            while batcher.batches == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.001)  # until the writer has taken it
            gone = asyncio.create_task(batcher.post(second))
            await asyncio.sleep(0.01)
            gone.cancel()
            with pytest.raises(asyncio.CancelledError):
                await gone
        return await head

    try:
        posted = asyncio.run(scenario())
    finally:
        batcher.close()
    assert isinstance(posted, Posted) and posted.record.id == first.id
    assert world.log_size() == size + 1
    assert world.balance(shop) == 1_00


def test_concurrent_payments_each_get_their_own_status_and_only_accepted_ones_are_written(
    world: World, client: TestClient, tmp_path: Path
) -> None:
    alice, carol, dave, poor = (world.resident(b) for b in (10_00, 5_00, 5_00, 50))
    others = [world.resident(2_00) for _ in range(6)]
    shop = world.merchant()
    conflicting = world.transfer(dave, shop, 1_00)
    retried = world.transfer(carol, shop, 2_00).envelope()
    cases: list[tuple[str, dict[str, Any]]] = [
        *(("alice", world.transfer(alice, shop, 1_00).envelope()) for _ in range(12)),
        *(("others", world.transfer(o, shop, 2_00).envelope()) for o in others),
        *(("poor", world.transfer(poor, shop, 1_00).envelope()) for _ in range(3)),
        *(("retried", retried) for _ in range(5)),
        ("dave", conflicting.envelope()),
        ("dave", world.transfer(dave, shop, 2_00, nonce=conflicting.record["nonce"]).envelope()),
        ("forged", forged(world, world.transfer(carol, shop, 1_00)).envelope()),
    ]
    size = world.log_size()

    def pay(i: int) -> tuple[int, dict[str, Any], str]:
        response = client.post(
            "/v1/transfers",
            content=json.dumps(cases[i][1]),
            headers={"content-type": "application/json"},
        )
        kind = problem(response) if response.status_code >= 400 else ""
        return response.status_code, response.json(), kind

    results = all_at_once(len(cases), pay)
    by_case: dict[str, Counter[tuple[int, str]]] = {}
    for (name, _), (status, _, kind) in zip(cases, results, strict=True):
        by_case.setdefault(name, Counter())[(status, kind)] += 1
    assert by_case == {
        "alice": Counter({(201, ""): 10, (422, "insufficient-funds"): 2}),
        "others": Counter({(201, ""): 6}),
        "poor": Counter({(422, "insufficient-funds"): 3}),
        "retried": Counter({(201, ""): 1, (200, ""): 4}),
        "dave": Counter({(201, ""): 1, (409, "duplicate-conflict"): 1}),
        "forged": Counter({(401, "invalid-signature"): 1}),
    }
    receipts = [
        body for (name, _), (_, body, _) in zip(cases, results, strict=True) if name == "retried"
    ]
    assert all(body == receipts[0] for body in receipts)
    accepted = sum(1 for status, _, _ in results if status == 201)
    assert world.log_size() == size + accepted == size + 18
    dave_paid = 5_00 - world.balance(dave)
    assert dave_paid in (1_00, 2_00)
    assert [world.balance(h) for h in (alice, carol, poor)] == [0, 3_00, 50]
    assert world.balance(shop) == 10_00 + 6 * 2_00 + 2_00 + dave_paid
    assert transfers_in_verified_log(world, tmp_path) == accepted


def test_a_worker_reads_the_active_keys_as_it_starts(world: World) -> None:
    """Its first payments then verify outside the write lock with no key read."""
    alice, bob = world.resident(), world.resident()
    world.revoke(bob.key)
    assert world.ledger.known_public_key(alice.key.kid) is None
    with TestClient(create_app(world.ledger)):
        assert world.ledger.known_public_key(alice.key.kid) == alice.key.public_bytes
        assert world.ledger.known_public_key(bob.key.kid) is None  # revoked: not read


def test_a_payment_on_a_connection_that_went_away_is_posted_on_a_new_one(world: World) -> None:
    """The writer keeps its connection between batches; if the database dropped it (a
    restart), the batch is posted again on a new one rather than refused."""
    alice, shop = world.resident(10_00), world.merchant()
    batcher = Batcher(world.ledger)
    try:
        assert isinstance(outcome(batcher.submit(world.transfer(alice, shop, 1_00))), Posted)
        kept = batcher._connection
        assert kept is not None and kept.connection.dbapi_connection is not None
        kept.connection.dbapi_connection.close()  # as a database restart would
        second = outcome(batcher.submit(world.transfer(alice, shop, 2_00)))
    finally:
        batcher.close()
    assert isinstance(second, Posted) and not second.retry
    assert world.balance(shop) == 3_00 and world.balance(alice) == 7_00
