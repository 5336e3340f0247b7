"""The ledger's storage: loads the state a batch of records refers to, and appends to the log.

Writers lock, in this order, the accounts a batch touches (by ascending number) and then the
log head; every record of the batch is then judged by `ledger.rules` against that locked
state and the accepted ones are appended in one transaction (group commit). Reads of the log
(pages of entries, tree nodes for proofs, checkpoints) are here too, all in SQLAlchemy Core.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    LargeBinary,
    Row,
    SmallInteger,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)

from ledger import integrity
from ledger.accounts import Account, Applied, Key, Payment
from ledger.errors import InvalidProof, LedgerKeyRotated, LogError
from ledger.log import (
    CompactRange,
    NodeRef,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    nodes_for,
    verify_inclusion,
)
from ledger.persistence import pgarrays
from ledger.persistence import tables as t
from ledger.records import MAX_WINDOW, SignedRecord, date_bounds, ledger_date, parse_time
from ledger.rules import CLOCK_SKEW, References
from ledger.state import LedgerState, RegisteredRequest

A = t.ACCOUNTS
E = t.ENTRIES
P = t.POSTINGS
K = t.KEYS
N = t.TREE_NODES
C = t.CHECKPOINTS
H = t.LOG_HEAD
K2 = t.COSIGNATURES
R = t.PAYMENT_REQUESTS
D = t.DAYS
M = t.MEMOS


_BATCH_TURN = 0x534F55  # the advisory lock group committers queue on ("SOU")

_PG_TYPES = {BigInteger: "int8", SmallInteger: "int2", String: "varchar", LargeBinary: "bytea"}


@dataclass(frozen=True, slots=True)
class StoredEntry:
    index: int
    record_id: str
    type: str
    signed: bytes
    sig: bytes
    accepted: int

    @property
    def leaf(self) -> bytes:
        return self.signed + self.sig


def _account(row: Row[Any]) -> Account:
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


def _key(row: Row[Any]) -> Key:
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


class LedgerStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self._head: tuple[int, bytes | None] = (-1, None)  # as `lock_head` read it
        self._head_kid: str | None = None
        # what `_lock_and_read_pg` read of the seals' evidence, for `load_state`
        self._seal_evidence: dict[int, tuple[int, bytes | None]] | None = None

    # --- the write path ------------------------------------------------------------------------

    def wait_for_batch_turn(self) -> None:
        """Group committers take turns here before they gather their batch: on PostgreSQL a
        transaction-scoped advisory lock that only they take (so no deadlock with the row
        locks of other writers, taken after it in their usual order); on SQLite the unit of
        work already holds the database's write lock."""
        if not self.sqlite:
            raw = self._pg_raw()
            with raw.pipeline():  # with the transaction's BEGIN, in one round trip
                # A batch's statements find rows through indexed keys only, so the plans
                # PostgreSQL keeps for them are as good as new ones. Planning each anew (the
                # engine's `force_custom_plan`) cost about a fifth of PostgreSQL's CPU for a
                # payment alone in its batch, spent while the turn is held.
                raw.execute("SET LOCAL plan_cache_mode = auto")
                raw.execute(f"SELECT pg_advisory_xact_lock({_BATCH_TURN})")

    def system_accounts(self) -> dict[str, int]:
        rows = self.connection.execute(select(A.c.name, A.c.number).where(A.c.name.is_not(None)))
        return {name: number for name, number in rows}

    def lock_accounts(self, numbers: Iterable[int], *, lock: bool = True) -> list[Account]:
        """Reads (and on PostgreSQL locks, in ascending order) the accounts a batch touches."""
        wanted = sorted(set(numbers))
        if not wanted:
            return []
        if self.sqlite:
            rows = self._sqlite_rows(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE number IN ({_marks(wanted)}) "
                "ORDER BY number",
                wanted,
            )
            return [
                Account(n, u, k, s, bool(o), name, d, c).with_seal(seal)
                for n, u, k, s, o, name, d, c, seal in rows
            ]
        query = select(A).where(self._among(A.c.number, wanted)).order_by(A.c.number)
        if lock:
            query = query.with_for_update()
        return [_account(row) for row in self.connection.execute(query)]

    def lock_head(self) -> int:
        """The log's size, read under the head's lock; its stored frontier is kept for `append`."""
        if self.sqlite:
            ((size, frontier, kid),) = self._sqlite_rows(
                "SELECT size, frontier, ledger_kid FROM log_head WHERE id = 1"
            )
        else:
            columns = (H.c.size, H.c.frontier, H.c.ledger_kid)
            query = select(*columns).where(H.c.id == 1).with_for_update()
            size, frontier, kid = self.connection.execute(query).one()
        self._head = (size, None if frontier is None else bytes(frontier))
        self._head_kid = kid
        return int(size)

    def ledger_kid(self) -> str | None:
        """The kid of the ledger key in force, if a rotation named it (else the genesis's)."""
        kid: str | None = self.connection.execute(
            select(H.c.ledger_kid).where(H.c.id == 1)
        ).scalar_one()
        return kid

    def set_ledger_kid(self, kid: str) -> None:
        """Names the key in force after a rotation (posted in the same unit of work)."""
        self.connection.execute(update(H).where(H.c.id == 1).values(ledger_kid=kid))

    def genesis_key(self) -> bytes | None:
        """The ledger key the genesis entry names (None before the genesis)."""
        signed = self.connection.execute(
            select(E.c.signed).where(E.c.idx == 0)
        ).scalar_one_or_none()
        if signed is None:
            return None
        return bytes.fromhex(json.loads(bytes(signed).split(b"\n", 1)[1])["ledger_key"])

    def _frontier_at(self, size: int) -> CompactRange:
        """The tree's frontier at `size`: from the head row when it was written at that size
        (no reads), else from the stored tree nodes."""
        head_size, stored = self._head
        if head_size == size and stored is not None and stored[:8] == size.to_bytes(8, "big"):
            hashes = stored[8:]
            if len(hashes) == 32 * size.bit_count():
                return CompactRange(size, [hashes[i : i + 32] for i in range(0, len(hashes), 32)])
        return self.frontier(size)

    def keys(self, kids: Iterable[str]) -> dict[str, Key]:
        wanted = sorted(set(kids))
        if not wanted:
            return {}
        if self.sqlite:
            found = self._sqlite_rows(
                f"SELECT {_KEY_COLUMNS} FROM keys WHERE kid IN ({_marks(wanted)})", wanted
            )
            return {row[0]: Key(row[0], bytes(row[1]), *row[2:]) for row in found}
        rows = self.connection.execute(select(K).where(self._among(K.c.kid, wanted)))
        return {key.kid: key for key in map(_key, rows)}

    def active_public_keys(self, limit: int) -> dict[str, bytes]:
        rows = self.connection.execute(
            select(K.c.kid, K.c.public_key).where(K.c.status == "active").limit(limit)
        )
        return {kid: bytes(public_key) for kid, public_key in rows}

    def entries_by_id(self, ids: Iterable[str]) -> dict[str, StoredEntry]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.connection.execute(
            select(E.c.idx, E.c.record_id, E.c.type, E.c.signed, E.c.sig, E.c.accepted).where(
                self._among(E.c.record_id, wanted)
            )
        )
        return {
            row.record_id: StoredEntry(
                row.idx, row.record_id, row.type, bytes(row.signed), bytes(row.sig), row.accepted
            )
            for row in rows
        }

    def load_state(
        self,
        base: LedgerState,
        refs: References,
        *,
        seal_key: bytes,
        lock: bool = True,
        system: dict[str, int] | None = None,
    ) -> LedgerState:
        """The part of the state that `refs` names, with its accounts locked, then the head;
        the accounts whose seals fail are in `state.quarantined` (ledger.integrity).

        `system` is the map of system account names to numbers if the caller knows it
        (names are never removed or renamed); else it is read."""
        state = LedgerState(base.host, base.currency, base.ledger_key, base.ledger_kid)
        state.system = dict(system) if system is not None else self.system_accounts()
        numbers = set(refs.accounts) | {state.system[n] for n in refs.system if n in state.system}
        if self.sqlite:
            accounts = self.lock_accounts(numbers, lock=lock)
            state.size = self.lock_head()
            # Read again under the head lock: a key revoked since the signatures were checked
            # (before any lock) must not sign anything more.
            state.keys = self.keys(refs.kids)
            nonces = self._nonces(refs.nonces)
        else:
            accounts, state.size, state.keys, nonces = self._lock_and_read_pg(numbers, refs, lock)
        if self._head_kid is not None and self._head_kid != base.ledger_kid:
            raise LedgerKeyRotated(
                f"the ledger key in force is {self._head_kid}; this process holds"
                f" {base.ledger_kid}: restart it with the new key file"
            )
        for account in accounts:
            state.accounts[account.number] = account
        read, self._seal_evidence = self._seal_evidence, None
        state.quarantined = self.check_seals(accounts, seal_key, read=read)
        state.nonces = {(kid, nonce): (record_id, 0, idx) for kid, nonce, record_id, idx in nonces}
        if refs.ids:
            state.payments = self._payments(refs.ids)
        if refs.days:
            rows = self.connection.execute(
                select(D.c.account, D.c.date, D.c.record_id, D.c.entry).where(
                    tuple_(D.c.account, D.c.date).in_(sorted(refs.days))
                )
            )
            state.closed_days = {(r.account, r.date): (r.record_id, r.entry) for r in rows}
        if refs.refund_days:
            state.refunded = self._refunded(refs.refund_days)
        state.requests = {}
        if refs.payreqs:
            wanted = sorted(refs.payreqs)
            paid = self.connection.execute(
                select(E.c.payreq).where(self._among(E.c.payreq, wanted))
            )
            state.paid_requests = {payreq: 0 for (payreq,) in paid}
            rows = self.connection.execute(select(R).where(self._among(R.c.payreq, wanted)))
            state.requests = {
                r.payreq: RegisteredRequest(r.merchant, r.amount, r.expires) for r in rows
            }
        return state

    def check_seals(
        self,
        accounts: Sequence[Account],
        key: bytes,
        *,
        read: dict[int, tuple[int, bytes | None]] | None = None,
    ) -> dict[int, str]:
        """The accounts whose seals do not hold (row, latest entry, no later posting), and why.
        `read` is what `_lock_and_read_pg` read already (`latest_entries`), else it is read
        here."""
        if not accounts:
            return {}
        latest = self.latest_entries([a.number for a in accounts]) if read is None else read
        bad: dict[int, str] = {}
        for account in accounts:
            actual, digest = latest.get(account.number, (None, None))
            if account.seal is None:
                bad[account.number] = "no seal"
            elif actual != account.last_entry:
                sealed = -1 if account.last_entry is None else account.last_entry
                newer = actual is not None and actual > sealed
                bad[account.number] = (
                    "a posting is newer than its sealed latest entry"
                    if newer
                    else "its row or latest entry was changed"
                )
            elif not integrity.holds(key, account, digest):
                bad[account.number] = "its row or latest entry was changed"
        return bad

    def write_seals(self, accounts: list[Account]) -> None:
        """Writes these accounts' rows as they stand, seals included (accounts locked)."""
        if accounts:
            self._update_balances(accounts)

    def digests(self, entries: list[int]) -> dict[int, bytes]:
        """The digest (ledger.integrity) of each of these entries, from its stored leaf hash
        and postings; an entry without either is left out. One statement, on the driver."""
        if not entries:
            return {}
        if self.sqlite:
            rows = self._sqlite_rows(
                _LATEST_ENTRIES + f"IN ({_marks(entries)})" + _IN_LEG_ORDER, entries
            )
        else:
            query = _LATEST_ENTRIES + "= ANY(%b::bigint[])" + _IN_LEG_ORDER
            rows = self._pg_raw().execute(query, [pgarrays.Int8s(entries)]).fetchall()
        return _digests_of(rows)

    def reseal(self, old: bytes, new: bytes, *, chunk: int = 1000) -> dict[int, str]:
        """Seals every account again under the key `new` (a ledger key rotation), each
        checked first under `old`; the accounts that fail, if any (nothing is resealed)."""
        bad: dict[int, str] = {}
        resealed: list[Account] = []
        numbers = [n for (n,) in self.connection.execute(select(A.c.number).order_by(A.c.number))]
        for start in range(0, len(numbers), chunk):
            accounts = self.lock_accounts(numbers[start : start + chunk])
            bad.update(self.check_seals(accounts, old))
            for account in accounts:
                if account.number not in bad:
                    integrity.seal(
                        new, account, account.last_entry, account.digest or integrity.NO_DIGEST
                    )
                    resealed.append(account)
        if not bad and resealed:
            self._update_balances(resealed)
        return bad

    def latest_entries(self, numbers: Sequence[int]) -> dict[int, tuple[int, bytes | None]]:
        """For each of these accounts that has postings, the latest entry posted to it (two
        probes of the (debit, entry) and (credit, entry) indexes) and that entry's digest from
        its stored leaf hash and postings (None if either is gone)."""
        if not numbers:
            return {}
        if self.sqlite:
            wanted = sorted(set(numbers))
            rows = self._sqlite_rows(
                f"WITH w(n) AS (VALUES {', '.join(['(?)'] * len(wanted))}) " + _LATEST_SQLITE,
                wanted,
            )
        else:
            rows = (
                self._pg_raw()
                .execute(_LATEST_PG, [pgarrays.Int8s(sorted(set(numbers)))], binary=True)
                .fetchall()
            )
        return _latest_of(rows)

    def leaf_in_tree(self, index: int, size: int) -> bool:
        """Whether the stored entry `index` is the leaf the stored tree of `size` holds."""
        row = self.connection.execute(select(E.c.signed, E.c.sig).where(E.c.idx == index)).first()
        if row is None or not 0 <= index < size:
            return False
        nodes = self.nodes(nodes_for(inclusion_ranges(index, size)))
        root = self.frontier(size).root()
        try:
            path = inclusion_proof(index, size, nodes)
            verify_inclusion(leaf_hash(bytes(row.signed) + bytes(row.sig)), index, size, path, root)
        except (InvalidProof, LookupError):
            return False
        return True

    def _refunded(self, days: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Cents each key refunded on each ledger date. The date is that of the records'
        `created`, which is not stored: refunds accepted near the day are read and their
        records' own dates counted (acceptance is within 60 s before and 300 s after it)."""
        refunded: dict[tuple[str, str], int] = {}
        for kid, date in sorted(days):
            start, end = date_bounds(date)
            rows = self.connection.execute(
                select(E.c.signed).where(
                    E.c.kid == kid,
                    E.c.type == "transfer",
                    E.c.ref_idx.is_not(None),
                    E.c.accepted >= start - CLOCK_SKEW,
                    E.c.accepted < end + MAX_WINDOW,
                )
            )
            total = 0
            for (signed,) in rows:
                record = json.loads(bytes(signed).split(b"\n", 1)[1])
                if ledger_date(parse_time(record["created"])) == date:
                    total += int(record["amount"])
            refunded[(kid, date)] = total
        return refunded

    def _nonces(self, nonces: set[tuple[str, str]]) -> list[tuple[str, str, str, int]]:
        """(kid, nonce, record id, entry) of the entries that used these idempotency keys
        (SQLite; PostgreSQL reads them in `_lock_and_read_pg`)."""
        if not nonces:
            return []
        # Joined pair by pair: `kid IN (…) AND nonce IN (…)` probes the index for every
        # combination of the two lists (n² for a batch of n).
        pairs = sorted(nonces)
        rows = self._sqlite_rows(
            "SELECT e.kid, e.nonce, e.record_id, e.idx "
            f"FROM (VALUES {', '.join(['(?, ?)'] * len(pairs))}) AS v "
            "JOIN entries AS e ON e.kid = v.column1 AND e.nonce = v.column2",
            [value for pair in pairs for value in pair],
        )
        return [(kid, nonce, record_id, idx) for kid, nonce, record_id, idx in rows]

    def _sqlite_raw(self) -> sqlite3.Connection:
        """The driver's connection, in this transaction: SQLite's hot path skips SQLAlchemy,
        whose work per statement and per row costs more than SQLite's own."""
        return cast(sqlite3.Connection, self.connection.connection.driver_connection)

    def _pg_raw(self) -> psycopg.Connection[Any]:
        """psycopg's connection, in this transaction (pipelines, binary parameters, COPY)."""
        return cast(psycopg.Connection[Any], self.connection.connection.driver_connection)

    def _sqlite_rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._sqlite_raw().execute(sql, params).fetchall()

    def _set_head(self, size: int, frontier: bytes) -> None:
        if self.sqlite:
            self._sqlite_raw().execute(
                "UPDATE log_head SET size = ?, frontier = ? WHERE id = 1", (size, frontier)
            )
        else:
            query = update(H).where(H.c.id == 1).values(size=size, frontier=frontier)
            self.connection.execute(query)

    def _lock_and_read_pg(
        self, numbers: set[int], refs: References, lock: bool
    ) -> tuple[list[Account], int, dict[str, Key], list[tuple[str, str, str, int]]]:
        """PostgreSQL: `lock_accounts`, then the seals' evidence, `lock_head`, `keys` and the
        nonces, in this order, sent together in one round trip (psycopg's pipeline mode)."""
        raw = self._pg_raw()
        kids = sorted(refs.kids)
        pairs = sorted(refs.nonces)
        wanted = pgarrays.Int8s(sorted(numbers))
        with raw.pipeline():
            accounts = raw.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE number = ANY(%b::bigint[]) "
                "ORDER BY number" + (" FOR UPDATE" if lock else ""),
                [wanted],
            )
            # the seals' evidence, read once the rows are locked, before the head is
            latest = raw.execute(_LATEST_PG, [wanted], binary=True)
            head = raw.execute(
                "SELECT size, frontier, ledger_kid FROM log_head WHERE id = 1 FOR UPDATE"
            )
            keys = raw.execute(
                f"SELECT {_KEY_COLUMNS} FROM keys WHERE kid = ANY(%b::varchar[])",
                [pgarrays.Texts(kids)],
            )
            nonces = raw.execute(  # pair by pair, as on SQLite
                "SELECT e.kid, e.nonce, e.record_id, e.idx "
                "FROM unnest(%b::varchar[], %b::varchar[]) AS v(kid, nonce) "
                "JOIN entries AS e ON e.kid = v.kid AND e.nonce = v.nonce",
                [pgarrays.Texts([k for k, _ in pairs]), pgarrays.Texts([n for _, n in pairs])],
            )
        size, frontier, self._head_kid = cast(tuple[int, bytes | None, str | None], head.fetchone())
        self._head = (size, None if frontier is None else bytes(frontier))
        found = [Account(*row[:-1]).with_seal(row[-1]) for row in accounts.fetchall()]
        enrolled = {row[0]: Key(row[0], bytes(row[1]), *row[2:]) for row in keys.fetchall()}
        self._seal_evidence = _latest_of(latest.fetchall())
        return found, size, enrolled, [tuple(row) for row in nonces.fetchall()]

    def _payments(self, ids: Iterable[str]) -> dict[str, Payment]:
        entries = self.connection.execute(
            select(E.c.record_id, E.c.idx, E.c.type).where(
                self._among(E.c.record_id, sorted(ids)), E.c.type.in_(("transfer", "reconversion"))
            )
        ).all()
        if not entries:
            return {}
        indexes = [e.idx for e in entries]
        legs = self.connection.execute(
            select(P.c.entry, P.c.leg, P.c.debit, P.c.credit, P.c.amount).where(
                self._among(P.c.entry, indexes)
            )
        ).all()
        settled = dict(
            self.connection.execute(
                select(E.c.ref_idx, func.sum(P.c.amount))
                .join(P, (P.c.entry == E.c.idx) & (P.c.leg == 0))
                .where(self._among(E.c.ref_idx, indexes))
                .group_by(E.c.ref_idx)
            ).all()
        )
        payments: dict[str, Payment] = {}
        for e in entries:
            mine = {leg.leg: leg for leg in legs if leg.entry == e.idx}
            first = mine[0]
            payment = Payment(e.idx, e.type, first.debit, first.credit, first.amount)
            if e.type == "reconversion":
                payment.credit = 0
                payment.fee = mine[2].amount if 2 in mine else 0
                payment.settled = 1 if settled.get(e.idx) else 0
            else:
                payment.settled = int(settled.get(e.idx) or 0)
            payments[e.record_id] = payment
        return payments

    def frontier(self, size: int) -> CompactRange:
        refs = CompactRange.frontier_refs(size)
        nodes = self.nodes(refs)
        return CompactRange(size, [nodes[ref] for ref in refs])

    def append(
        self,
        state: LedgerState,
        accepted: Sequence[tuple[SignedRecord, Applied]],
        *,
        now: int,
        size_before: int,
        new_accounts: set[int],
        seal_key: bytes,
    ) -> bytes:
        """Writes the accepted records of a batch and what they changed, each account sealed
        as of its latest entry; returns the new root."""
        tree = self._frontier_at(size_before)
        entry_rows: list[dict[str, object]] = []
        posting_rows: list[dict[str, object]] = []
        node_rows: list[dict[str, object]] = []
        touched: set[int] = set()
        new_keys: list[tuple[Key, int]] = []
        revoked: list[str] = []
        opened: dict[int, int] = {}
        day_rows: list[dict[str, object]] = []
        memo_rows: list[dict[str, object]] = []
        latest: dict[int, tuple[int, bytes]] = {}  # account -> its latest entry, and digest
        for sr, applied in accepted:
            record = sr.record
            nodes = tree.append(leaf_hash(sr.leaf))
            leaf = nodes[0][2]
            if applied.legs:
                legs = [(g.debit, g.credit, g.amount) for g in applied.legs]
                digest = integrity.entry_digest(leaf, legs)
                for g in applied.legs:
                    latest[g.debit] = latest[g.credit] = (applied.index, digest)
            node_rows.extend({"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes[1:])
            entry_rows.append(
                {
                    "idx": applied.index,
                    "record_id": applied.record_id,
                    "type": sr.type,
                    "kid": sr.kid,
                    "nonce": record.get("nonce"),
                    "payreq": applied.payreq,
                    "ref_idx": applied.ref_index,
                    "signed": sr.signed,
                    "sig": sr.sig,
                    "leaf_hash": leaf,
                    "accepted": now,
                }
            )
            if sr.memo is not None:
                memo_rows.append(
                    {"entry": applied.index, "text": sr.memo.text, "salt": sr.memo.salt}
                )
            for n, leg in enumerate(applied.legs):
                posting_rows.append(
                    {
                        "entry": applied.index,
                        "leg": n,
                        "unit": leg.unit,
                        "debit": leg.debit,
                        "credit": leg.credit,
                        "amount": leg.amount,
                    }
                )
                touched.add(leg.debit)
                touched.add(leg.credit)
            for account in applied.accounts:
                touched.add(account.number)
                if account.number in new_accounts:
                    opened.setdefault(account.number, applied.index)
            if applied.day is not None:
                merchant, date = applied.day
                day_rows.append(
                    {
                        "account": merchant,
                        "date": date,
                        "entry": applied.index,
                        "record_id": applied.record_id,
                    }
                )
            for key in applied.keys:
                if key.status == "active":
                    new_keys.append((key, applied.index))
                else:
                    revoked.append(key.kid)
        for number in touched:
            account = state.accounts[number]
            last, digest = latest.get(
                number, (account.last_entry, account.digest or integrity.NO_DIGEST)
            )
            integrity.seal(seal_key, account, last, digest)
        conn = self.connection
        new_rows = [
            _account_row(state.accounts[n], opened[n]) for n in sorted(touched & set(opened))
        ]
        changed = [state.accounts[n] for n in sorted(touched - set(opened))]
        if tree.size != state.size:
            raise LogError(f"the tree has {tree.size} leaves but the log {state.size} entries")
        frontier = tree.size.to_bytes(8, "big") + b"".join(tree.frontier)
        if not self.sqlite and not new_rows:
            self._append_in_one_statement(
                entry_rows, posting_rows, node_rows, changed, state.size, frontier
            )
        else:
            self.insert_many(E, entry_rows)
            if new_rows:  # after the entries that open them, before their postings
                conn.execute(insert(A), new_rows)
            self.insert_many(P, posting_rows)
            if changed:
                self._update_balances(changed)
            self.insert_many(N, node_rows)
            self._set_head(state.size, frontier)
        if new_keys:
            conn.execute(
                insert(K),
                [
                    {
                        "kid": k.kid,
                        "public_key": k.public_key,
                        "account": k.account,
                        "role": k.role,
                        "status": k.status,
                        "refund_limit": k.refund_limit,
                        "issued_by": k.issued_by,
                        "enrolled_idx": index,
                    }
                    for k, index in new_keys
                ],
            )
        for kid in revoked:
            conn.execute(update(K).where(K.c.kid == kid).values(status="revoked"))
        if day_rows:
            conn.execute(insert(D), day_rows)
        if memo_rows:
            conn.execute(insert(M), memo_rows)
        return tree.root()

    def _append_in_one_statement(
        self,
        entry_rows: list[dict[str, object]],
        posting_rows: list[dict[str, object]],
        node_rows: list[dict[str, object]],
        changed: list[Account],
        size: int,
        frontier: bytes,
    ) -> None:
        """PostgreSQL: the batch's entries, postings, tree nodes, balances and head in one
        statement (data-modifying CTEs over arrays), so one round trip whatever its size."""
        params: dict[str, object] = {"size": size, "frontier": frontier}
        parts = []
        for alias, table, rows in (
            ("e", E, entry_rows),
            ("p", P, posting_rows),
            ("n", N, node_rows),
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
        raw = self._pg_raw()
        raw.execute(sql, params)

    def _among(self, column: ColumnElement[Any], values: Sequence[object]) -> ColumnElement[bool]:
        """`column IN values`; on PostgreSQL `= ANY(array)`, one prepared statement for any size."""
        if self.sqlite:
            return column.in_(values)
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))

    def _update_balances(self, accounts: list[Account]) -> None:
        if self.sqlite:
            self._sqlite_raw().executemany(
                "UPDATE accounts SET debits = ?, credits = ?, status = ?, seal = ? "
                "WHERE number = ?",
                [(a.debits, a.credits, a.status, integrity.stored(a), a.number) for a in accounts],
            )
            return
        # One statement for the whole batch: the rows are already locked by this transaction.
        self._pg_raw().execute(_UPDATE_BALANCES, _balance_arrays(accounts))

    def insert_many(self, table: Table, rows: list[dict[str, object]]) -> None:
        """Inserts rows in one round trip: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        columns = list(rows[0])
        if self.sqlite:
            self._sqlite_raw().executemany(
                f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({_marks(columns)})",
                [tuple(row[c] for c in columns) for row in rows],
            )
            return
        raw = self._pg_raw()
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types([_PG_TYPES[type(table.c[c].type)] for c in columns])
            for row in rows:
                copy.write_row([row[c] for c in columns])

    # --- reads of the log ----------------------------------------------------------------------

    def size(self) -> int:
        size: int = self.connection.execute(select(H.c.size).where(H.c.id == 1)).scalar_one()
        return size

    def nodes(self, refs: Iterable[NodeRef]) -> dict[NodeRef, bytes]:
        refs = set(refs)
        leaves = sorted(index for level, index in refs if level == 0)
        inner = sorted((level, index) for level, index in refs if level > 0)
        found: dict[NodeRef, bytes] = {}
        if leaves:
            rows = self.connection.execute(
                select(E.c.idx, E.c.leaf_hash).where(self._among(E.c.idx, leaves))
            )
            found.update({(0, idx): bytes(h) for idx, h in rows})
        if inner:
            nodes = self.connection.execute(
                select(N.c.level, N.c.idx, N.c.hash).where(tuple_(N.c.level, N.c.idx).in_(inner))
            )
            found.update({(level, idx): bytes(h) for level, idx, h in nodes})
        missing = refs - found.keys()
        if missing:
            raise LookupError(f"tree nodes missing from storage: {sorted(missing)[:5]}")
        return found

    def entries(self, start: int, end: int) -> Iterator[StoredEntry]:
        rows = self.connection.execute(
            select(E.c.idx, E.c.record_id, E.c.type, E.c.signed, E.c.sig, E.c.accepted)
            .where(E.c.idx >= start, E.c.idx < end)
            .order_by(E.c.idx)
        )
        for row in rows:
            yield StoredEntry(
                row.idx, row.record_id, row.type, bytes(row.signed), bytes(row.sig), row.accepted
            )

    def latest_checkpoint(self) -> tuple[int, str] | None:
        row = self.connection.execute(
            select(C.c.size, C.c.note).order_by(C.c.size.desc()).limit(1)
        ).first()
        return None if row is None else (row.size, row.note)

    def checkpoints(self) -> list[tuple[int, str]]:
        rows = self.connection.execute(select(C.c.size, C.c.note).order_by(C.c.size))
        return [(size, note) for size, note in rows]

    def all_accounts(self) -> list[Account]:
        """Every account row, with its seal (no lock): for checks over all of them."""
        return [_account(row) for row in self.connection.execute(select(A).order_by(A.c.number))]

    def cosignatures(self, size: int | None = None) -> dict[int, list[str]]:
        """The witnesses' cosignature lines, by checkpoint size (of `size` only, if given)."""
        query = select(K2.c.size, K2.c.line).order_by(K2.c.size, K2.c.witness)
        if size is not None:
            query = query.where(K2.c.size == size)
        found: dict[int, list[str]] = {}
        for row_size, line in self.connection.execute(query):
            found.setdefault(row_size, []).append(line)
        return found

    def add_cosignature(self, size: int, witness: str, line: str, *, now: int) -> bool:
        """Keeps a witness's line on checkpoint `size`; False if it had one there already."""
        known = self.connection.execute(
            select(K2.c.line).where(K2.c.size == size, K2.c.witness == witness)
        ).first()
        if known is not None:
            return False
        self.connection.execute(
            insert(K2).values(size=size, witness=witness, line=line, received=now)
        )
        return True

    def checkpoint_note(self, size: int) -> str | None:
        note: str | None = self.connection.execute(
            select(C.c.note).where(C.c.size == size)
        ).scalar()
        return note

    def add_checkpoint(self, size: int, root: bytes, note: str, *, now: int) -> None:
        self.connection.execute(insert(C).values(size=size, root=root, note=note, created=now))

    def payment_request(self, payreq: str) -> bytes:
        """The registered request's bytes (as the till signed them)."""
        pr: bytes = self.connection.execute(select(R.c.pr).where(R.c.payreq == payreq)).scalar_one()
        return bytes(pr)

    def account(self, number: int) -> Account | None:
        row = self.connection.execute(select(A).where(A.c.number == number)).first()
        return None if row is None else _account(row)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


_ACCOUNT_COLUMNS = "number, unit, kind, status, no_overdraft, name, debits, credits, seal"
_LATEST_ENTRIES = (
    "SELECT p.entry, p.debit, p.credit, p.amount, e.leaf_hash "
    "FROM postings AS p JOIN entries AS e ON e.idx = p.entry WHERE p.entry "
)
_IN_LEG_ORDER = " ORDER BY p.entry, p.leg"
# The latest entry posted to each account of `w(n)`, its leaf hash and its postings; left
# joins: an entry or postings gone leave the account's row, with nulls. On PostgreSQL the
# fences (MATERIALIZED, OFFSET 0) keep the plan a nested loop on the primary keys: pulled up,
# the latest entry's expression was evaluated five times over and `entries` hashed whole.
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
_LATEST_SQLITE = (  # SQLite's max() of two is null if either is: no posting counts as -1
    ", l AS MATERIALIZED (SELECT w.n, max("
    "coalesce((SELECT max(q.entry) FROM postings AS q WHERE q.debit = w.n), -1), "
    "coalesce((SELECT max(q.entry) FROM postings AS q WHERE q.credit = w.n), -1)) AS idx "
    "FROM w) SELECT l.n, l.idx, p.debit, p.credit, p.amount, e.leaf_hash FROM l "
    "LEFT JOIN entries AS e ON e.idx = l.idx LEFT JOIN postings AS p ON p.entry = l.idx "
    "WHERE l.idx >= 0 ORDER BY l.n, p.leg"
)
_KEY_COLUMNS = "kid, public_key, account, role, status, refund_limit, issued_by"

# PostgreSQL, through psycopg (binary parameters): the balances of a batch in one statement.
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


def _digests_of(rows: Iterable[Sequence[Any]]) -> dict[int, bytes]:
    """Entries' digests (ledger.integrity) from rows of (entry, debit, credit, amount, leaf
    hash) in entry and leg order. The stored leaf hash is the one the tree is built from;
    whether it is still the hash of the stored leaf is the self-check's to say."""
    digests: dict[int, bytes] = {}
    current, hashed = None, b""
    legs: list[integrity.Leg] = []
    for entry, debit, credit, amount, leaf in rows:  # one pass: rows come in entry order
        if entry != current:
            if current is not None:
                digests[current] = integrity.entry_digest(hashed, legs)
            current, hashed, legs = entry, bytes(leaf), []
        legs.append((debit, credit, amount))
    if current is not None:
        digests[current] = integrity.entry_digest(hashed, legs)
    return digests


def _latest_of(rows: Iterable[Sequence[Any]]) -> dict[int, tuple[int, bytes | None]]:
    """account -> (latest entry, its digest or None) from rows of (account, entry, debit,
    credit, amount, leaf hash) in account and leg order (`_LATEST_PG`, `_LATEST_SQLITE`)."""
    groups: dict[int, tuple[int, bytes | None, list[integrity.Leg]]] = {}
    for number, entry, debit, credit, amount, leaf in rows:
        group = groups.get(number)
        if group is None:
            group = groups[number] = (entry, None if leaf is None else bytes(leaf), [])
        if debit is not None:
            group[2].append((debit, credit, amount))
    digests: dict[int, bytes | None] = {}  # an entry shared by two accounts, hashed once
    latest: dict[int, tuple[int, bytes | None]] = {}
    for number, (entry, leaf, legs) in groups.items():
        if entry not in digests:
            digests[entry] = (
                None if leaf is None or not legs else integrity.entry_digest(leaf, legs)
            )
        latest[number] = (entry, digests[entry])
    return latest


def _account_row(account: Account, opened_idx: int) -> dict[str, object]:
    return {
        "number": account.number,
        "unit": account.unit,
        "kind": account.kind,
        "name": account.name,
        "status": account.status,
        "no_overdraft": account.no_overdraft,
        "debits": account.debits,
        "credits": account.credits,
        "opened_idx": opened_idx,
        "seal": integrity.stored(account),
    }
