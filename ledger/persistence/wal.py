"""SQLite's write-ahead log copied back into the database in the background, by the service.

SQLite's own checkpoint runs inside the commit that makes the WAL cross `wal_autocheckpoint`
pages: that commit then copies thousands of pages and syncs the database file while its
writer still holds the write lock, and every payment behind it waits (170 ms seen under the
HTTP benchmark). A passive checkpoint needs no lock: run often from its own thread and
connection, it keeps the WAL mostly copied, so that the commit that crosses the mark has
little left to do. The WAL is read and synced as SQLite always does; nothing about
durability changes.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from ledger.persistence.database import writer_turn

log = logging.getLogger(__name__)

INTERVAL = 0.5  # seconds between checkpoints


class WalCheckpointer:
    """A thread that checkpoints a file database's WAL every `interval` seconds until
    `stop`; for other databases it does nothing."""

    def __init__(self, engine: Engine, *, interval: float = INTERVAL) -> None:
        self.engine = engine
        self.interval = interval
        self.checkpoints = 0  # completed, for tests and curious operators
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if writer_turn(self.engine) is None or self._thread is not None:
            return  # PostgreSQL, or an in-memory database: nothing to copy
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sou-wal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def _run(self) -> None:
        raw = self.engine.raw_connection()  # its own, held: no pool round trip each time
        try:
            while not self._stop.wait(self.interval):
                cursor = raw.cursor()
                try:  # the GIL is released while SQLite copies
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.fetchall()
                    self.checkpoints += 1
                except Exception:  # a full disk, say: commits will checkpoint, as by default
                    log.exception("the background WAL checkpoint failed")
                finally:
                    cursor.close()
        finally:
            raw.close()
