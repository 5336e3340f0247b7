"""The offline audit's signature checks (`ledger.audit`): in entry order, at once or in chunks
verified by worker processes while the replay goes on."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from ledger.audit_report import fail
from ledger.errors import AuditFailure, InvalidSignature
from ledger.signing import verify

CHUNK = 500  # signatures per task sent to a worker

_Signature = tuple[int, bytes, bytes, bytes]  # entry, public key, signed bytes, signature


def _first_bad(chunk: list[_Signature]) -> tuple[int, str] | None:
    """The first entry of `chunk` whose signature does not verify (run in a worker process)."""
    for index, public_key, signed, sig in chunk:
        try:
            verify(public_key, signed, sig)
        except InvalidSignature as error:
            return index, error.message
    return None


def _bad_signature(index: int, message: str) -> AuditFailure:
    return fail("bad-signature", f"the signature does not verify: {message}", index)


class Signatures:
    """Signature checks in entry order: at once, or in chunks sent to worker processes.

    With workers, the replay runs ahead of the checks; `settle` waits for all that was sent
    and raises the first bad signature, which the caller lets take precedence over any
    problem it found later in the file.
    """

    def __init__(self, pool: ProcessPoolExecutor | None, workers: int) -> None:
        self.pool = pool
        self.batch: list[_Signature] = []
        self.pending: deque[Future[tuple[int, str] | None]] = deque()
        self.in_flight = 2 * workers + 1

    def check(self, index: int, public_key: bytes, signed: bytes, sig: bytes) -> None:
        if self.pool is None:
            try:
                verify(public_key, signed, sig)
            except InvalidSignature as error:
                raise _bad_signature(index, error.message) from None
            return
        self.batch.append((index, public_key, signed, sig))
        if len(self.batch) >= CHUNK:
            self.pending.append(self.pool.submit(_first_bad, self.batch))
            self.batch = []
            if len(self.pending) > self.in_flight:
                self._raise_bad(self.pending.popleft().result())

    def settle(self) -> None:
        batch, self.batch = self.batch, []
        while self.pending:
            self._raise_bad(self.pending.popleft().result())
        self._raise_bad(_first_bad(batch))

    @staticmethod
    def _raise_bad(result: tuple[int, str] | None) -> None:
        if result is not None:
            raise _bad_signature(*result)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def signature_checks(workers: int) -> Iterator[Signatures]:
    if workers <= 0:
        yield Signatures(None, 0)
        return
    # A fork copies other threads' locks in whatever state they are (a progress bar may be
    # drawing): fork only a single-threaded caller, else spawn, which asks the caller's main
    # module to be import-safe (`if __name__ == "__main__"`).
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    try:
        yield Signatures(pool, workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
