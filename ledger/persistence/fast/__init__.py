"""The store's fast paths: what `LedgerStore` sends a database in its own dialect.

The write path's statements were measured statement by statement (pg_stat_statements on
PostgreSQL, profiles on SQLite); each database has its own module here, `sqlite` (the
driver's connection, past SQLAlchemy's work per statement and per row) and `postgres`
(psycopg: pipelines, binary array parameters, COPY). `FastPath` is what the store calls;
where only one database has a fast path for an operation, the other uses the portable
SQLAlchemy Core statement written here, once. The store picks one implementation when it is
made and never asks which database it talks to.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, insert, select, update

from ledger.accounts import Account, Key
from ledger.domain.kind import References
from ledger.persistence import tables as t

A = t.ACCOUNTS
H = t.LOG_HEAD
K = t.KEYS
E = t.ENTRIES
P = t.POSTINGS
N = t.TREE_NODES

# The columns the raw statements read accounts and keys by, in the order of `Account`/`Key`.
ACCOUNT_COLUMNS = "number, unit, kind, status, no_overdraft, name, debits, credits, seal"
KEY_COLUMNS = "kid, public_key, account, role, status, refund_limit, issued_by"
# Entries' legs and leaf hashes, for their digests: the two dialects say `p.entry …` apart.
LATEST_ENTRIES = (
    "SELECT p.entry, p.debit, p.credit, p.amount, e.leaf_hash "
    "FROM postings AS p JOIN entries AS e ON e.idx = p.entry WHERE p.entry "
)
IN_LEG_ORDER = " ORDER BY p.entry, p.leg"

Rows = list[tuple[Any, ...]]  # what a raw statement returns, each row a tuple


@dataclass(frozen=True, slots=True)
class Head:
    """The log head's row as a writer read it, under its lock."""

    size: int
    frontier: bytes | None  # the tree's size and right frontier, as `append` stored them
    ledger_kid: str | None


@dataclass(frozen=True, slots=True)
class Locked:
    """What a writer reads under its locks, in this order: the accounts (locked), the seals'
    evidence if it was read with them, the head (locked), the keys and the nonces used."""

    accounts: list[Account]
    latest: Rows | None  # rows for `seal_store._latest_of`, or None: `check_seals` reads them
    head: Head
    keys: dict[str, Key]
    nonces: list[tuple[str, str, str, int]]  # (kid, nonce, record id, entry)


def account_of(row: Row[Any]) -> Account:
    r = row._mapping
    return Account(
        number=r["number"],
        unit=r["unit"],
        kind=r["kind"],
        status=r["status"],
        no_overdraft=r["no_overdraft"],
        name=r["name"],
        debits=r["debits"],
        credits=r["credits"],
    ).with_seal(r["seal"])


def key_of(row: Row[Any]) -> Key:
    r = row._mapping
    return Key(
        kid=r["kid"],
        public_key=bytes(r["public_key"]),
        account=r["account"],
        role=r["role"],
        status=r["status"],
        refund_limit=r["refund_limit"],
        issued_by=r["issued_by"],
    )


class FastPath(ABC):
    """One database's statements for the store, on the store's connection (in its
    transaction). The methods written here are the portable ones, for the database that has
    no fast path of its own there; each database's module writes the abstract ones."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @abstractmethod
    def wait_for_batch_turn(self) -> None:
        """Takes a group committer's turn (`LedgerStore.wait_for_batch_turn`)."""

    def among(self, column: ColumnElement[Any], values: Sequence[object]) -> ColumnElement[bool]:
        """`column IN values`."""
        return column.in_(values)

    def lock_accounts(self, wanted: list[int], *, lock: bool) -> list[Account]:
        """These accounts (numbers sorted, none twice), locked with `lock`, in number order."""
        query = select(A).where(self.among(A.c.number, wanted)).order_by(A.c.number)
        if lock:
            query = query.with_for_update()
        return [account_of(row) for row in self.connection.execute(query)]

    def lock_head(self) -> Head:
        columns = (H.c.size, H.c.frontier, H.c.ledger_kid)
        query = select(*columns).where(H.c.id == 1).with_for_update()
        size, frontier, kid = self.connection.execute(query).one()
        return Head(size, None if frontier is None else bytes(frontier), kid)

    def keys(self, wanted: list[str]) -> dict[str, Key]:
        """These keys (kids sorted, none twice), those enrolled."""
        rows = self.connection.execute(select(K).where(self.among(K.c.kid, wanted)))
        return {key.kid: key for key in map(key_of, rows)}

    @abstractmethod
    def lock_and_read(self, numbers: set[int], refs: References, *, lock: bool) -> Locked:
        """The accounts `numbers` (locked with `lock`), then the head (locked), the keys and
        the nonces `refs` names."""

    @abstractmethod
    def digest_rows(self, entries: list[int]) -> Rows:
        """(entry, debit, credit, amount, leaf hash) of these entries, in entry and leg order."""

    @abstractmethod
    def latest_rows(self, numbers: list[int]) -> Rows:
        """(account, latest entry, debit, credit, amount, leaf hash) of these accounts (sorted,
        none twice), in account and leg order: the seals' evidence (`seal_store._latest_of`)."""

    @abstractmethod
    def update_balances(self, accounts: list[Account]) -> None:
        """Writes these accounts' balances, status and seals (rows locked by this transaction)."""

    @abstractmethod
    def insert_many(self, table: Table, rows: list[dict[str, object]]) -> None:
        """Inserts rows (at least one, all with the same columns) in one round trip."""

    def set_head(self, size: int, frontier: bytes) -> None:
        query = update(H).where(H.c.id == 1).values(size=size, frontier=frontier)
        self.connection.execute(query)

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
        """A batch's entries, the accounts they open, their postings, the balances they
        change, the new tree nodes and the head (`size`, `frontier`), in this order."""
        if entry_rows:
            self.insert_many(E, entry_rows)
        if new_rows:  # after the entries that open them, before their postings
            self.connection.execute(insert(A), new_rows)
        if posting_rows:
            self.insert_many(P, posting_rows)
        if changed:
            self.update_balances(changed)
        if node_rows:
            self.insert_many(N, node_rows)
        self.set_head(size, frontier)
