"""The unit of work: one database transaction, rolled back unless committed.

It is the only code that calls `commit()`. Writers on SQLite start with `BEGIN IMMEDIATE`
(one writer at a time); on PostgreSQL they rely on row locks taken by the store. Foreign
database exceptions are translated here, in one place, into the domain's errors.
"""

from __future__ import annotations

import fcntl
import os
from types import TracebackType
from typing import Self

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ledger.errors import ConcurrencyConflict, InvariantViolation
from ledger.persistence.database import WriterTurn, is_sqlite, writer_turn

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


class UnitOfWork:
    def __init__(
        self,
        engine: Engine,
        *,
        write: bool = True,
        connection: Connection | None = None,
        snapshot: bool = False,
    ) -> None:
        """`connection`: one of `engine`'s that the caller holds across units of work (and
        closes); else one is taken from the pool and given back at the end. `snapshot`: every
        read sees the database as it was at the first (PostgreSQL's REPEATABLE READ; a SQLite
        transaction always does), for a reader that checks one table against another."""
        self.engine = engine
        self.write = write
        self.snapshot = snapshot
        self.sqlite = is_sqlite(engine)
        self._held = connection
        self._connection: Connection | None = None
        self._writer_lock: int | None = None
        self._turn: WriterTurn | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    def __enter__(self) -> Self:
        turn = writer_turn(self.engine) if self.write else None
        if turn is not None:
            # Writers queue on a file lock, woken the moment the previous one ends, rather
            # than polling in SQLite's busy handler (which sleeps up to 100 ms at a time).
            # A plain Lock, released by whichever thread ends the unit of work (FastAPI may
            # enter and exit a dependency in different threads of its pool).
            if not turn.queue.acquire(timeout=WRITER_WAIT):
                raise ConcurrencyConflict("the database was busy; the operation can be retried")
            self._turn = turn
        try:
            if turn is not None:
                self._writer_lock = os.open(turn.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
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
            turn.queue.release()

    def _open(self) -> Self:
        connection = self._held or self.engine.connect()
        if self.sqlite:
            connection = connection.execution_options(
                sou_begin="IMMEDIATE" if self.write else "DEFERRED"
            )
        try:
            connection.begin()
            if self.snapshot and not self.sqlite:
                connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
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
