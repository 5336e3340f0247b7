"""The unit of work: one database transaction, rolled back unless committed.

It is the only code that calls `commit()`. Writers on SQLite start with `BEGIN IMMEDIATE`
(one writer at a time); on PostgreSQL they rely on row locks taken by the store. Foreign
database exceptions are translated here, in one place, into the domain's errors.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ledger.errors import ConcurrencyConflict, InvariantViolation
from ledger.persistence.database import is_sqlite

# PostgreSQL SQLSTATEs that mean "try again": serialization failure, deadlock, lock timeout.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def translate(error: DBAPIError) -> Exception:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES or (
        isinstance(error, OperationalError) and "locked" in str(error.orig)
    ):
        return ConcurrencyConflict("the database was busy; the operation can be retried")
    if isinstance(error, IntegrityError) or sqlstate in ("23001", "23503", "23505", "23514"):
        return InvariantViolation(f"the database refused the change: {error.orig}")
    return error


class UnitOfWork:
    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self.engine = engine
        self.write = write
        self.sqlite = is_sqlite(engine)
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    def __enter__(self) -> Self:
        connection = self.engine.connect()
        if self.sqlite:
            connection = connection.execution_options(
                sou_begin="IMMEDIATE" if self.write else "DEFERRED"
            )
        try:
            connection.begin()
        except DBAPIError as error:
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
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()
        if isinstance(exc, DBAPIError):
            translated = translate(exc)
            if translated is not exc:
                raise translated from exc
