"""The ledger's storage: loads the state a batch of records refers to, and appends to the log.

Writers lock, in this order, the accounts a batch touches (by ascending number) and then the
log head; every record of the batch is then judged by `ledger.rules` against that locked
state and the accepted ones are appended in one transaction (group commit). `LedgerStore`
also has, from its bases, the reads of the log (pages of entries, tree nodes for proofs,
checkpoints: `log_store.py`) and the accounts' seals (`seal_store.py`).

All of it is SQLAlchemy Core, but for the write path's statements, which each database runs
its own way: those are in `ledger.persistence.fast` (`fast/sqlite.py`, `fast/postgres.py`),
one implementation per database, picked once when the store is made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Table, func, insert, select, tuple_, update

from ledger import integrity
from ledger.accounts import Account, Applied, Key, Payment
from ledger.domain.kind import References
from ledger.errors import LedgerKeyRotated, LogError
from ledger.log import leaf_hash
from ledger.persistence import tables as t
from ledger.persistence.fast import FastPath, Head, account_of
from ledger.persistence.fast.postgres import PostgresFastPath
from ledger.persistence.fast.sqlite import SqliteFastPath
from ledger.persistence.log_store import LogStore, StoredEntry
from ledger.persistence.seal_store import SealStore, _latest_of
from ledger.records import MAX_WINDOW, SignedRecord, date_bounds, ledger_date, parse_time
from ledger.rules import CLOCK_SKEW
from ledger.state import LedgerState, RegisteredRequest

__all__ = ["LedgerStore", "StoredEntry"]

A = t.ACCOUNTS
E = t.ENTRIES
P = t.POSTINGS
K = t.KEYS
R = t.PAYMENT_REQUESTS
D = t.DAYS
M = t.MEMOS

# The fast path of each database, by the name of the connection's dialect.
_FAST_PATHS: dict[str, type[FastPath]] = {"sqlite": SqliteFastPath, "postgresql": PostgresFastPath}


class LedgerStore(SealStore, LogStore):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._fast = _FAST_PATHS[connection.dialect.name](connection)
        # for callers that set options of their own per database (`ledger.selfcheck`)
        self._head = Head(-1, None, None)  # as the writer read it, under its lock

    # --- the write path ------------------------------------------------------------------------

    def wait_for_batch_turn(self) -> None:
        """Group committers take turns here before they gather their batch: on PostgreSQL a
        transaction-scoped advisory lock that only they take (so no deadlock with the row
        locks of other writers, taken after it in their usual order); on SQLite the unit of
        work already holds the database's write lock."""
        self._fast.wait_for_batch_turn()

    def system_accounts(self) -> dict[str, int]:
        rows = self.connection.execute(select(A.c.name, A.c.number).where(A.c.name.is_not(None)))
        return {name: number for name, number in rows}

    def lock_accounts(self, numbers: Iterable[int], *, lock: bool = True) -> list[Account]:
        """Reads (and on PostgreSQL locks, in ascending order) the accounts a batch touches."""
        wanted = sorted(set(numbers))
        if not wanted:
            return []
        return self._fast.lock_accounts(wanted, lock=lock)

    def lock_head(self) -> int:
        """The log's size, read under the head's lock; its stored frontier is kept for `append`."""
        self._head = self._fast.lock_head()
        return int(self._head.size)

    def keys(self, kids: Iterable[str]) -> dict[str, Key]:
        wanted = sorted(set(kids))
        if not wanted:
            return {}
        return self._fast.keys(wanted)

    def active_public_keys(self, limit: int) -> dict[str, bytes]:
        rows = self.connection.execute(
            select(K.c.kid, K.c.public_key).where(K.c.status == "active").limit(limit)
        )
        return {kid: bytes(public_key) for kid, public_key in rows}

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
        # The keys are read again under the head lock: a key revoked since the signatures
        # were checked (before any lock) must not sign anything more.
        locked = self._fast.lock_and_read(numbers, refs, lock=lock)
        self._head = head = locked.head
        state.size, state.keys = head.size, locked.keys
        if head.ledger_kid is not None and head.ledger_kid != base.ledger_kid:
            raise LedgerKeyRotated(
                f"the ledger key in force is {head.ledger_kid}; this process holds"
                f" {base.ledger_kid}: restart it with the new key file"
            )
        accounts = locked.accounts
        for account in accounts:
            state.accounts[account.number] = account
        read = None if locked.latest is None else _latest_of(locked.latest)
        state.quarantined = self.check_seals(accounts, seal_key, read=read)
        state.nonces = {
            (kid, nonce): (record_id, 0, idx) for kid, nonce, record_id, idx in locked.nonces
        }
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
                select(E.c.payreq).where(self._fast.among(E.c.payreq, wanted))
            )
            state.paid_requests = {payreq: 0 for (payreq,) in paid}
            rows = self.connection.execute(select(R).where(self._fast.among(R.c.payreq, wanted)))
            state.requests = {
                r.payreq: RegisteredRequest(r.merchant, r.amount, r.expires) for r in rows
            }
        return state

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
            self._fast.update_balances(resealed)
        return bad

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

    def _payments(self, ids: Iterable[str]) -> dict[str, Payment]:
        entries = self.connection.execute(
            select(E.c.record_id, E.c.idx, E.c.type).where(
                self._fast.among(E.c.record_id, sorted(ids)),
                E.c.type.in_(("transfer", "reconversion")),
            )
        ).all()
        if not entries:
            return {}
        indexes = [e.idx for e in entries]
        legs = self.connection.execute(
            select(P.c.entry, P.c.leg, P.c.debit, P.c.credit, P.c.amount).where(
                self._fast.among(P.c.entry, indexes)
            )
        ).all()
        settled = dict(
            self.connection.execute(
                select(E.c.ref_idx, func.sum(P.c.amount))
                .join(P, (P.c.entry == E.c.idx) & (P.c.leg == 0))
                .where(self._fast.among(E.c.ref_idx, indexes))
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
        self._fast.write_batch(
            entry_rows, new_rows, posting_rows, changed, node_rows, state.size, frontier
        )
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

    def insert_many(self, table: Table, rows: list[dict[str, object]]) -> None:
        """Inserts rows in one round trip: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        self._fast.insert_many(table, rows)

    # --- reads of accounts and payment requests ------------------------------------------------

    def payment_request(self, payreq: str) -> bytes:
        """The registered request's bytes (as the till signed them)."""
        pr: bytes = self.connection.execute(select(R.c.pr).where(R.c.payreq == payreq)).scalar_one()
        return bytes(pr)

    def account(self, number: int) -> Account | None:
        row = self.connection.execute(select(A).where(A.c.number == number)).first()
        return None if row is None else account_of(row)


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
