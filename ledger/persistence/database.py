"""Engines for the two supported databases, set up for a ledger's durability needs.

SQLite (the embedded default) runs in WAL mode with `synchronous=FULL` and foreign keys on,
and serialises writers: a writing transaction starts with `BEGIN IMMEDIATE`, once its turn
came (`WriterTurn`, which the engine of a database file carries). PostgreSQL
(production) runs at READ COMMITTED; writers lock the rows they change, accounts in number
order and then the log head, so correctness does not rest on the isolation level.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

_WRITER_TURN = "sou_writer_turn"  # the engine's execution option that carries it


@dataclass(frozen=True, eq=False)
class WriterTurn:
    """How the writers of one SQLite database file take turns: this process's threads queue
    on `queue` (the unit of work gives up after a while, so that a thread that would wait for
    itself fails instead of hanging), then the processes on the file lock `lock_file`."""

    lock_file: str
    queue: threading.Lock = field(default_factory=threading.Lock)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def writer_turn(engine: Engine) -> WriterTurn | None:
    """The turn writers of `engine`'s database file take (none for PostgreSQL or in memory)."""
    turn: WriterTurn | None = engine.get_execution_options().get(_WRITER_TURN)
    return turn


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            # Carried by the engine, which every unit of work on it is given.
            turn = WriterTurn(f"{database}.writer-lock")
            options = kwargs.pop("execution_options", {})
            kwargs["execution_options"] = {**options, _WRITER_TURN: turn}
        engine = create_engine(
            url, connect_args={"timeout": 60, "check_same_thread": False}, **kwargs
        )

        # The driver's own transaction handling is switched off so that we issue BEGIN
        # ourselves: IMMEDIATE for writers (one at a time), DEFERRED for readers.
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            # The log's indexes are keyed by hashes (record ids, nonces): appends touch pages
            # all over them, more than SQLite's default 2 MB of cache per connection holds.
            cursor.execute("PRAGMA cache_size=-16384")
            # A checkpoint (the WAL copied back into the database) runs inside the commit that
            # crosses this many pages, under the write lock: fewer, larger ones write each
            # page that many batches change (balances, index pages) once rather than often.
            cursor.execute("PRAGMA wal_autocheckpoint=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            mode = connection.get_execution_options().get("sou_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    # Lookups by `= ANY(array)` keep one prepared statement for any batch size; a generic
    # plan for them cannot know the array's length and may scan the whole log: plan each.
    # A random page read costs about what a sequential one does for the ledger's working set
    # (in memory, or on SSD): at the default 4 the planner scanned every account (a seq
    # scan, or a hash join over one) to find or check the 50 a batch touches.
    connect_args = {"options": "-c plan_cache_mode=force_custom_plan -c random_page_cost=1.1"}
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)
