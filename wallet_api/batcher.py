"""Group commit for payments: concurrent transfers posted together, one transaction a batch.

Within a worker process, `POST /v1/transfers` hands its parsed record to the `Batcher`. One
writer thread takes whatever has arrived meanwhile (at most `max_batch` records), posts it
with `ledger.posting.post_records` in one unit of work, commits once, and gives each request
its own outcome: an accepted record, a retry of one already in the log, or its refusal. The
ledger judges every record of a batch on its own, so a refused record leaves nothing behind
and does not touch the others. If the batch's transaction fails as a whole (a serialization
failure, a refusal by the database), nothing of it was written, and its records are posted
again one by one, each in its own unit of work, so that only the culprit fails.

There is no waiting for a batch to fill: while one batch commits, the next requests queue
up, so an idle service posts a payment at once and a busy one posts many per commit.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from ledger.context import Ledger
from ledger.posting import Outcome, Posted, post_records, verify_signatures
from ledger.records import SignedRecord

MAX_BATCH = 250

_Job = tuple[SignedRecord, "Future[Posted]"]


class Batcher:
    """Posts the records handed to it by one writer thread, in batches of what has queued up."""

    def __init__(self, ledger: Ledger, *, max_batch: int = MAX_BATCH) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()  # the thread's own
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0  # units of work committed or tried, for tests and curious operators

    async def post(self, record: SignedRecord) -> Posted:
        """The record's outcome once its batch is committed; raises its refusal."""
        return await asyncio.wrap_future(self.submit(record))

    def submit(self, record: SignedRecord) -> Future[Posted]:
        future: Future[Posted] = Future()
        with self._lock:
            if self._thread is None:  # started on first use, in the worker process
                self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=self._run, args=(self._queue,), name="sou-batcher", daemon=True
                )
                self._thread.start()
            self._queue.put((record, future))
        return future

    def close(self) -> None:
        """Posts what is queued, then stops the writer thread (a later `submit` restarts it)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()

    def _run(self, jobs: queue.SimpleQueue[_Job | None]) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            batch = [job]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    job = jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            self._settle(batch)
            if stop:
                return

    def _settle(self, batch: Sequence[_Job]) -> None:
        """Posts a batch and resolves each job's future with the outcome of its record."""
        # A request whose client went away before its batch started is not posted.
        jobs = [job for job in batch if job[1].set_running_or_notify_cancel()]
        records = [record for record, _ in jobs]
        outcomes: list[Posted | Exception]
        try:
            if not jobs:
                return
            try:
                outcomes = list(self._post_together(records))
            except Exception as error:
                if len(jobs) == 1:
                    outcomes = [error]
                else:
                    outcomes = [self._post_alone(record) for record in records]
            for (_, future), outcome in zip(jobs, outcomes, strict=True):
                if isinstance(outcome, Posted):
                    future.set_result(outcome)
                else:
                    future.set_exception(outcome)
        finally:  # whatever happened, no request waits for ever
            for _, future in jobs:
                if not future.done():
                    future.set_exception(RuntimeError("the payment batch was not posted"))

    def _post_together(self, records: list[SignedRecord]) -> list[Outcome]:
        self.batches += 1
        verified = verify_signatures(self.ledger, records)  # before the write lock
        with self.ledger.unit_of_work() as uow:
            outcomes = post_records(
                uow, records=records, now=self.ledger.clock(), verified=verified
            )
            uow.commit()
        return outcomes

    def _post_alone(self, record: SignedRecord) -> Posted | Exception:
        try:
            (outcome,) = self._post_together([record])
        except Exception as error:
            return error
        return outcome
