"""Group commit for payments: concurrent transfers posted together, one transaction a batch.

Within a worker process, `POST /v1/transfers` verifies its record's signature (in the
request's own thread, with a key this process already knows) and hands it to the `Batcher`.
One writer thread takes whatever has arrived meanwhile, waits for its turn to write (SQLite's
write lock, or on PostgreSQL an advisory lock that only batches take), then takes what
arrived during that wait too (at most `max_batch` records in all), posts
them with `ledger.posting.post_records` in one unit of work, commits once, and gives each
request its own outcome: an accepted record, a retry of one already in the log, or its
refusal. The ledger judges every record of a batch on its own, so a refused record leaves
nothing behind and does not touch the others. If the batch's transaction fails as a whole
(a serialization failure, a refusal by the database), nothing of it was written, and its
records are posted again one by one, each in its own unit of work, so that only the culprit
fails.

There is no waiting for a batch to fill: while one batch commits, the next requests queue
up, so an idle service posts a payment at once and a busy one posts many per commit (the
more so as the other workers' batches hold the write lock longer).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future
from contextlib import suppress

from sqlalchemy import Connection

from ledger.errors import DatabaseUnavailable, SouError
from ledger.ports import Ledger
from ledger.posting import (
    Outcome,
    Posted,
    post_records,
    verify_known_signatures,
    verify_signatures,
)
from ledger.records import SignedRecord
from wallet_api.observability import BATCH_SIZE

_RESEND = "the payment batch was not posted; send the same record again"

MAX_BATCH = 250

# A record, the public key that verified it ahead (None: left to the writer), its outcome.
_Job = tuple[SignedRecord, bytes | None, "Future[Posted]"]


class Batcher:
    """Posts the records handed to it by one writer thread, in batches of what has queued up."""

    def __init__(self, ledger: Ledger, *, max_batch: int = MAX_BATCH) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()  # the thread's own
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False  # the writer thread has taken the stop mark
        # The writer thread's own connection, kept from one batch to the next: taking one
        # from the pool costs a round trip (its liveness check) before every batch.
        self._connection: Connection | None = None
        self.batches = 0  # units of work committed or tried, for tests and curious operators

    async def post(self, record: SignedRecord) -> Posted:
        """The record's outcome once its batch is committed; raises its refusal."""
        future = _Awaited(asyncio.get_running_loop())
        self._enqueue(record, future)
        try:
            return await future.waiter
        except asyncio.CancelledError:
            future.cancel()  # not posted if its batch has not started yet
            raise

    def submit(self, record: SignedRecord) -> Future[Posted]:
        future: Future[Posted] = Future()
        self._enqueue(record, future)
        return future

    def _enqueue(self, record: SignedRecord, future: Future[Posted]) -> None:
        # Verified here, in the caller's thread, so that the writer thread (which also waits
        # for the write lock) only posts; a key this process has not read yet is left to it.
        key = verify_known_signatures(self.ledger, [record]).get(0)
        with self._lock:
            if self._thread is None:  # started on first use, in the worker process
                self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=self._run, args=(self._queue,), name="sou-batcher", daemon=True
                )
                self._thread.start()
            self._queue.put((record, key, future))

    def close(self) -> None:
        """Posts what is queued, then stops the writer thread (a later `submit` restarts it)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()

    def _run(self, jobs: queue.SimpleQueue[_Job | None]) -> None:
        self._stopping = False
        try:
            while not self._stopping:
                job = jobs.get()
                if job is None:
                    return
                batch = [job, *self._take(jobs, self.max_batch - 1)]
                self._settle(batch, jobs)
        finally:
            self._drop_connection()

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _take(self, jobs: queue.SimpleQueue[_Job | None], most: int) -> list[_Job]:
        """What has queued up, without waiting (the stop mark ends the thread after this batch)."""
        taken: list[_Job] = []
        while len(taken) < most and not self._stopping:
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._stopping = True
            else:
                taken.append(job)
        return taken

    def _settle(self, batch: list[_Job], jobs: queue.SimpleQueue[_Job | None] | None) -> None:
        """Posts a batch (and what queues up while it waits for the write lock, if `jobs`) and
        resolves each job's future with the outcome of its record."""
        # A request whose client went away before its batch started is not posted.
        batch = [job for job in batch if job[2].set_running_or_notify_cancel()]
        outcomes: list[Posted | Exception]
        try:
            if not batch:
                return
            try:
                outcomes = list(self._post_together(batch, jobs))
            except Exception as error:  # posted again one by one, so that only the culprit fails
                alone = len(batch) > 1
                outcomes = [self._post_alone(job) for job in batch] if alone else [error]
            for (_, _, future), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Posted):
                    future.set_result(outcome)
                elif isinstance(outcome, SouError):
                    future.set_exception(outcome)
                else:  # the database failed: nothing is known posted, the client may resend
                    future.set_exception(DatabaseUnavailable(_RESEND))
        finally:  # whatever happened, no request waits for ever
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(DatabaseUnavailable(_RESEND))
            _hand_over([future for _, _, future in batch])

    def _post_together(
        self, batch: list[_Job], jobs: queue.SimpleQueue[_Job | None] | None
    ) -> list[Outcome]:
        """Posts `batch`, which grows (in place) by what queued up while the write lock was
        awaited."""
        self.batches += 1
        pending = [i for i, (_, key, _) in enumerate(batch) if key is None]
        ahead = verify_signatures(self.ledger, [batch[i][0] for i in pending]) if pending else {}
        kept = self._connection is not None
        while True:
            if self._connection is None:
                self._connection = self.ledger.engine.connect()  # checked by the pool
            try:
                return self._post_on(self._connection, batch, jobs, pending, ahead)
            except Exception:
                self._drop_connection()  # it may be what failed: the next batch takes another
                if not kept:
                    raise
                kept = False  # the kept one may have gone stale (a database restart): once more

    def _post_on(
        self,
        connection: Connection,
        batch: list[_Job],
        jobs: queue.SimpleQueue[_Job | None] | None,
        pending: list[int],
        ahead: dict[int, bytes],
    ) -> list[Outcome]:
        with self.ledger.unit_of_work(connection=connection) as uow:
            if jobs is not None:
                uow.wait_for_batch_turn()
                late = self._take(jobs, self.max_batch - len(batch))
                batch.extend(job for job in late if job[2].set_running_or_notify_cancel())
            verified = {i: key for i, (_, key, _) in enumerate(batch) if key is not None}
            verified.update((pending[place], key) for place, key in ahead.items())
            records = [record for record, _, _ in batch]
            BATCH_SIZE.observe(len(records))
            outcomes = post_records(
                uow, records=records, now=self.ledger.clock(), verified=verified
            )
            uow.commit()
        return outcomes

    def _post_alone(self, job: _Job) -> Posted | Exception:
        try:
            (outcome,) = self._post_together([job], None)
        except Exception as error:
            return error
        return outcome


class _Awaited(Future[Posted]):
    """The outcome of a job that an event loop awaits, as `waiter`, a future of that loop.

    The writer thread hands a batch's outcomes to each loop in one call, where
    `asyncio.wrap_future` would wake the loop once for each: about 15 µs of the loop's CPU
    a payment."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.waiter: asyncio.Future[Posted] = loop.create_future()


def _hand_over(futures: list[Future[Posted]]) -> None:
    """Passes the (resolved) outcomes awaited by event loops to them, one call a loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Awaited]] = {}
    for future in futures:
        if isinstance(future, _Awaited):
            by_loop.setdefault(future.loop, []).append(future)
    for loop, awaited in by_loop.items():
        with suppress(RuntimeError):  # the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(_deliver, awaited)


def _deliver(awaited: list[_Awaited]) -> None:
    """In the awaiting loop: each outcome to its waiter, unless the request went away."""
    for future in awaited:
        if future.waiter.done():
            continue
        error = future.exception()
        if error is None:
            future.waiter.set_result(future.result())
        else:
            future.waiter.set_exception(error)
