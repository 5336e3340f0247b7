"""PostgreSQL's fast path: the write path's statements on psycopg's connection.

In the unit of work's transaction, psycopg directly: the reads under the locks sent together
in one round trip (pipeline mode), parameters in binary (`%b`; psycopg's text format escapes
every byte string with regular expressions), arrays encoded by `pgarrays`, rows inserted by
COPY, and a batch of transfers written by one statement. Lookups by a list of values are
`= ANY(array)`, one prepared statement whatever the list's length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    any_,
    bindparam,
)

from ledger import integrity
from ledger.accounts import Account, Key
from ledger.domain.kind import References
from ledger.persistence import pgarrays
from ledger.persistence import tables as t
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

_BATCH_TURN = 0x534F55  # the advisory lock group committers queue on ("SOU")

_PG_TYPES = {BigInteger: "int8", SmallInteger: "int2", String: "varchar", LargeBinary: "bytea"}

# The latest entry posted to each account of `w(n)`, its leaf hash and its postings; left
# joins: an entry or postings gone leave the account's row, with nulls. The fences
# (MATERIALIZED, OFFSET 0) keep the plan a nested loop on the primary keys: pulled up, the
# latest entry's expression was evaluated five times over and `entries` hashed whole.
_LATEST_PG = (
    "WITH l AS MATERIALIZED (SELECT w.n, greatest("
    "(SELECT max(q.entry) FROM postings AS q WHERE q.debit = w.n), "
    "(SELECT max(q.entry) FROM postings AS q WHERE q.credit = w.n)) AS idx "
    "FROM unnest(%b::bigint[]) AS w(n)) "
    "SELECT l.n, l.idx, p.debit, p.credit, p.amount, e.leaf_hash FROM l "
    "LEFT JOIN LATERAL (SELECT f.leaf_hash FROM entries AS f WHERE f.idx = l.idx OFFSET 0) "
    "AS e ON true LEFT JOIN LATERAL (SELECT q.leg, q.debit, q.credit, q.amount FROM postings "
    "AS q WHERE q.entry = l.idx OFFSET 0) AS p ON true "
    "WHERE l.idx IS NOT NULL ORDER BY l.n, p.leg"
)

# The balances of a batch in one statement.
_UPDATE_BALANCES = (
    "UPDATE accounts AS a SET debits = v.d, credits = v.c, status = v.s, seal = v.z FROM "
    "unnest(%(bn)b::bigint[], %(bd)b::bigint[], %(bc)b::bigint[], %(bs)b::varchar[], "
    "%(bz)b::bytea[]) AS v(n, d, c, s, z) WHERE a.number = v.n"
)


def _balance_arrays(accounts: list[Account]) -> dict[str, object]:
    return {
        "bn": pgarrays.Int8s([a.number for a in accounts]),
        "bd": pgarrays.Int8s([a.debits for a in accounts]),
        "bc": pgarrays.Int8s([a.credits for a in accounts]),
        "bs": pgarrays.Texts([a.status for a in accounts]),
        "bz": pgarrays.Blobs([integrity.stored(a) for a in accounts]),
    }


class PostgresFastPath(FastPath):
    def _raw(self) -> psycopg.Connection[Any]:
        """psycopg's connection, in this transaction."""
        return cast(psycopg.Connection[Any], self.connection.connection.driver_connection)

    def wait_for_batch_turn(self) -> None:
        """A transaction-scoped advisory lock that only group committers take (so no
        deadlock with the row locks of other writers, taken after it in their usual order)."""
        raw = self._raw()
        with raw.pipeline():  # with the transaction's BEGIN, in one round trip
            # A batch's statements find rows through indexed keys only, so the plans
            # PostgreSQL keeps for them are as good as new ones. Planning each anew (the
            # engine's `force_custom_plan`) cost about a fifth of PostgreSQL's CPU for a
            # payment alone in its batch, spent while the turn is held.
            raw.execute("SET LOCAL plan_cache_mode = auto")
            raw.execute(f"SELECT pg_advisory_xact_lock({_BATCH_TURN})")

    def among(self, column: ColumnElement[Any], values: Sequence[object]) -> ColumnElement[bool]:
        """`column = ANY(array)`: one prepared statement for any number of values."""
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))

    def lock_and_read(self, numbers: set[int], refs: References, *, lock: bool) -> Locked:
        """The accounts, then the seals' evidence, the head, the keys and the nonces, in this
        order, sent together in one round trip (psycopg's pipeline mode)."""
        raw = self._raw()
        kids = sorted(refs.kids)
        pairs = sorted(refs.nonces)
        wanted = pgarrays.Int8s(sorted(numbers))
        with raw.pipeline():
            accounts = raw.execute(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE number = ANY(%b::bigint[]) "
                "ORDER BY number" + (" FOR UPDATE" if lock else ""),
                [wanted],
            )
            # the seals' evidence, read once the rows are locked, before the head is
            latest = raw.execute(_LATEST_PG, [wanted], binary=True)
            head = raw.execute(
                "SELECT size, frontier, ledger_kid FROM log_head WHERE id = 1 FOR UPDATE"
            )
            keys = raw.execute(
                f"SELECT {KEY_COLUMNS} FROM keys WHERE kid = ANY(%b::varchar[])",
                [pgarrays.Texts(kids)],
            )
            nonces = raw.execute(  # pair by pair, as on SQLite
                "SELECT e.kid, e.nonce, e.record_id, e.idx "
                "FROM unnest(%b::varchar[], %b::varchar[]) AS v(kid, nonce) "
                "JOIN entries AS e ON e.kid = v.kid AND e.nonce = v.nonce",
                [pgarrays.Texts([k for k, _ in pairs]), pgarrays.Texts([n for _, n in pairs])],
            )
        size, frontier, kid = cast(tuple[int, bytes | None, str | None], head.fetchone())
        return Locked(
            accounts=[Account(*row[:-1]).with_seal(row[-1]) for row in accounts.fetchall()],
            latest=latest.fetchall(),
            head=Head(size, None if frontier is None else bytes(frontier), kid),
            keys={row[0]: Key(row[0], bytes(row[1]), *row[2:]) for row in keys.fetchall()},
            nonces=[tuple(row) for row in nonces.fetchall()],
        )

    def digest_rows(self, entries: list[int]) -> Rows:
        query = LATEST_ENTRIES + "= ANY(%b::bigint[])" + IN_LEG_ORDER
        return self._raw().execute(query, [pgarrays.Int8s(entries)]).fetchall()

    def latest_rows(self, numbers: list[int]) -> Rows:
        return self._raw().execute(_LATEST_PG, [pgarrays.Int8s(numbers)], binary=True).fetchall()

    def update_balances(self, accounts: list[Account]) -> None:
        """One statement for the whole batch."""
        self._raw().execute(_UPDATE_BALANCES, _balance_arrays(accounts))

    def insert_many(self, table: Table, rows: list[dict[str, object]]) -> None:
        """COPY, in binary."""
        columns = list(rows[0])
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        with self._raw().cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types([_PG_TYPES[type(table.c[c].type)] for c in columns])
            for row in rows:
                copy.write_row([row[c] for c in columns])

    def write_batch(
        self,
        entry_rows: list[dict[str, object]],
        new_rows: list[dict[str, object]],
        posting_rows: list[dict[str, object]],
        changed: list[Account],
        node_rows: list[dict[str, object]],
        size: int,
        frontier: bytes,
    ) -> None:
        """A batch that opens no account in one statement (data-modifying CTEs over arrays),
        so one round trip whatever its size; else statement by statement."""
        if new_rows:
            super().write_batch(
                entry_rows, new_rows, posting_rows, changed, node_rows, size, frontier
            )
            return
        params: dict[str, object] = {"size": size, "frontier": frontier}
        parts = []
        for alias, table, rows in (
            ("e", t.ENTRIES, entry_rows),
            ("p", t.POSTINGS, posting_rows),
            ("n", t.TREE_NODES, node_rows),
        ):
            if not rows:
                continue
            columns = list(rows[0])
            arrays = []
            for c in columns:
                pg_type = _PG_TYPES[type(table.c[c].type)]
                params[f"{alias}_{c}"] = pgarrays.BY_TYPE[pg_type]([row[c] for row in rows])
                arrays.append(f"%({alias}_{c})b::{pg_type}[]")
            parts.append(
                f"{alias} AS (INSERT INTO {table.name} ({', '.join(columns)}) "
                f"SELECT * FROM unnest({', '.join(arrays)}))"
            )
        if changed:
            params.update(_balance_arrays(changed))
            parts.append(f"b AS ({_UPDATE_BALANCES})")
        head = "UPDATE log_head SET size = %(size)b, frontier = %(frontier)b WHERE id = 1"
        sql = f"WITH {', '.join(parts)} {head}" if parts else head
        # Straight to psycopg, parameters in binary (%b): its text format escapes every byte
        # string of the arrays with regular expressions, which cost more than the statement;
        # the arrays are encoded by `pgarrays`, faster than psycopg's own list dumper.
        self._raw().execute(sql, params)
