"""SQLite's fast path: the write path's statements on the driver's connection (sqlite3).

SQLAlchemy's work per statement and per row costs more than SQLite's own, so the reads under
the write lock and the batch's writes go to sqlite3 directly, in the unit of work's
transaction (SQLite has no row locks: `BEGIN IMMEDIATE` serialises the writers).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table

from ledger import integrity
from ledger.accounts import Account, Key
from ledger.domain.kind import References
from ledger.persistence.fast import (
    ACCOUNT_COLUMNS,
    IN_LEG_ORDER,
    KEY_COLUMNS,
    LATEST_ENTRIES,
    FastPath,
    Head,
    Locked,
    Rows,
)

# The latest entry posted to each account of `w(n)`, its leaf hash and its postings; left
# joins: an entry or postings gone leave the account's row, with nulls.
_LATEST_SQLITE = (  # SQLite's max() of two is null if either is: no posting counts as -1
    ", l AS MATERIALIZED (SELECT w.n, max("
    "coalesce((SELECT max(q.entry) FROM postings AS q WHERE q.debit = w.n), -1), "
    "coalesce((SELECT max(q.entry) FROM postings AS q WHERE q.credit = w.n), -1)) AS idx "
    "FROM w) SELECT l.n, l.idx, p.debit, p.credit, p.amount, e.leaf_hash FROM l "
    "LEFT JOIN entries AS e ON e.idx = l.idx LEFT JOIN postings AS p ON p.entry = l.idx "
    "WHERE l.idx >= 0 ORDER BY l.n, p.leg"
)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


class SqliteFastPath(FastPath):
    def _raw(self) -> sqlite3.Connection:
        """The driver's connection, in this transaction."""
        return cast(sqlite3.Connection, self.connection.connection.driver_connection)

    def _rows(self, sql: str, params: Sequence[object] = ()) -> Rows:
        return self._raw().execute(sql, params).fetchall()

    def wait_for_batch_turn(self) -> None:
        """Nothing to wait for: the unit of work already holds the database's write lock."""

    def lock_accounts(self, wanted: list[int], *, lock: bool) -> list[Account]:
        rows = self._rows(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE number IN ({_marks(wanted)}) "
            "ORDER BY number",
            wanted,
        )
        return [
            Account(n, u, k, s, bool(o), name, d, c).with_seal(seal)
            for n, u, k, s, o, name, d, c, seal in rows
        ]

    def lock_head(self) -> Head:
        ((size, frontier, kid),) = self._rows(
            "SELECT size, frontier, ledger_kid FROM log_head WHERE id = 1"
        )
        return Head(size, None if frontier is None else bytes(frontier), kid)

    def keys(self, wanted: list[str]) -> dict[str, Key]:
        found = self._rows(
            f"SELECT {KEY_COLUMNS} FROM keys WHERE kid IN ({_marks(wanted)})", wanted
        )
        return {row[0]: Key(row[0], bytes(row[1]), *row[2:]) for row in found}

    def lock_and_read(self, numbers: set[int], refs: References, *, lock: bool) -> Locked:
        """One statement after the other; the seals' evidence is read by `check_seals`."""
        wanted = sorted(numbers)
        accounts = self.lock_accounts(wanted, lock=lock) if wanted else []
        head = self.lock_head()
        kids = sorted(refs.kids)
        keys = self.keys(kids) if kids else {}
        return Locked(accounts, None, head, keys, self._nonces(refs.nonces))

    def _nonces(self, nonces: set[tuple[str, str]]) -> list[tuple[str, str, str, int]]:
        """(kid, nonce, record id, entry) of the entries that used these idempotency keys."""
        if not nonces:
            return []
        # Joined pair by pair: `kid IN (…) AND nonce IN (…)` probes the index for every
        # combination of the two lists (n² for a batch of n).
        pairs = sorted(nonces)
        rows = self._rows(
            "SELECT e.kid, e.nonce, e.record_id, e.idx "
            f"FROM (VALUES {', '.join(['(?, ?)'] * len(pairs))}) AS v "
            "JOIN entries AS e ON e.kid = v.column1 AND e.nonce = v.column2",
            [value for pair in pairs for value in pair],
        )
        return [(kid, nonce, record_id, idx) for kid, nonce, record_id, idx in rows]

    def digest_rows(self, entries: list[int]) -> Rows:
        return self._rows(LATEST_ENTRIES + f"IN ({_marks(entries)})" + IN_LEG_ORDER, entries)

    def latest_rows(self, numbers: list[int]) -> Rows:
        return self._rows(
            f"WITH w(n) AS (VALUES {', '.join(['(?)'] * len(numbers))}) " + _LATEST_SQLITE,
            numbers,
        )

    def update_balances(self, accounts: list[Account]) -> None:
        self._raw().executemany(
            "UPDATE accounts SET debits = ?, credits = ?, status = ?, seal = ? WHERE number = ?",
            [(a.debits, a.credits, a.status, integrity.stored(a), a.number) for a in accounts],
        )

    def insert_many(self, table: Table, rows: list[dict[str, object]]) -> None:
        """executemany, on the driver."""
        columns = list(rows[0])
        self._raw().executemany(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({_marks(columns)})",
            [tuple(row[c] for c in columns) for row in rows],
        )

    def set_head(self, size: int, frontier: bytes) -> None:
        self._raw().execute(
            "UPDATE log_head SET size = ?, frontier = ? WHERE id = 1", (size, frontier)
        )
