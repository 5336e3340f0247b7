"""The unit of work: one database transaction, rolled back unless committed.

It is the only code that calls `commit()`. Writers on SQLite start with `BEGIN IMMEDIATE`
(one writer at a time); on PostgreSQL they rely on row locks taken by the store. Foreign
database exceptions are translated here, in one place, into the domain's errors.
"""

from __future__ import annotations

import fcntl
import os
import threading
from types import TracebackType
from typing import Self

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ledger.errors import ConcurrencyConflict, InvariantViolation
from ledger.persistence.database import is_sqlite

# PostgreSQL SQLSTATEs that mean "try again": serialization failure, deadlock, lock timeout.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def translate(error: DBAPIError | psycopg.Error) -> Exception:
    """The domain's error for a database's refusal (through SQLAlchemy, or straight from
    psycopg where the store talks to it directly: COPY, pipelines)."""
    orig = error if isinstance(error, psycopg.Error) else error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES or (
        isinstance(error, OperationalError) and "locked" in str(orig)
    ):
        return ConcurrencyConflict("the database was busy; the operation can be retried")
    if isinstance(error, IntegrityError) or sqlstate in ("23001", "23503", "23505", "23514"):
        return InvariantViolation(f"the database refused the change: {orig}")
    return error


WRITER_WAIT = 60.0  # seconds a writer waits for its turn, as SQLite's busy timeout


class _WriterQueues:
    """One lock per SQLite database for this process's writers: a thread waits on it for
    its turn (and gives up after WRITER_WAIT seconds, so that a thread that would wait for
    itself fails instead of hanging); the file lock then orders the processes."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def lock(self, lock_file: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(lock_file, threading.Lock())


_queues = _WriterQueues()


def writer_lock_file(engine: Engine) -> str | None:
    """The file SQLite writers of this database queue on (none for PostgreSQL or in memory)."""
    if not is_sqlite(engine):
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}.writer-lock"


class UnitOfWork:
    def __init__(
        self, engine: Engine, *, write: bool = True, connection: Connection | None = None
    ) -> None:
        """`connection`: one of `engine`'s that the caller holds across units of work (and
        closes); else one is taken from the pool and given back at the end."""
        self.engine = engine
        self.write = write
        self.sqlite = is_sqlite(engine)
        self._held = connection
        self._connection: Connection | None = None
        self._writer_lock: int | None = None
        self._turn: threading.Lock | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    def __enter__(self) -> Self:
        lock_file = writer_lock_file(self.engine) if self.write else None
        if lock_file is not None:
            # Writers queue on a file lock, woken the moment the previous one ends, rather
            # than polling in SQLite's busy handler (which sleeps up to 100 ms at a time).
            # A plain Lock, released by whichever thread ends the unit of work (FastAPI may
            # enter and exit a dependency in different threads of its pool).
            turn = _queues.lock(lock_file)
            if not turn.acquire(timeout=WRITER_WAIT):
                raise ConcurrencyConflict("the database was busy; the operation can be retried")
            self._turn = turn
        try:
            if lock_file is not None:
                self._writer_lock = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._writer_lock, fcntl.LOCK_EX)  # the GIL is released meanwhile
            return self._open()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        fd, self._writer_lock = self._writer_lock, None
        turn, self._turn = self._turn, None
        if fd is not None:
            os.close(fd)  # releases the file lock
        if turn is not None:
            turn.release()

    def _open(self) -> Self:
        connection = self._held or self.engine.connect()
        if self.sqlite:
            connection = connection.execution_options(
                sou_begin="IMMEDIATE" if self.write else "DEFERRED"
            )
        try:
            connection.begin()
        except DBAPIError as error:
            if self._held is None:
                connection.close()
            raise translate(error) from error
        self._connection = connection
        return self

    def commit(self) -> None:
        try:
            self.connection.commit()
        except DBAPIError as error:
            raise translate(error) from error

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            self._release()
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            if self._held is None:
                connection.close()
            self._release()
        if isinstance(exc, DBAPIError | psycopg.Error):
            translated = translate(exc)
            if translated is not exc:
                raise translated from exc
