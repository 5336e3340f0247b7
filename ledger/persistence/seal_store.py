"""The accounts' seals in storage (`ledger.integrity`): the evidence an account's seal is
checked against (its latest entry, with that entry's leaf hash and postings), the check
itself, and the sealed rows written back.

`SealStore` is a base of `ledger.persistence.store.LedgerStore`, which makes its connection
and fast path (`ledger.persistence.fast`); callers use them as `uow.store.<method>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from ledger import integrity
from ledger.accounts import Account
from ledger.persistence import tables as t
from ledger.persistence.fast import FastPath, account_of

A = t.ACCOUNTS


class SealStore:
    """The seals' checks and writes (a base of `LedgerStore`, which sets these)."""

    connection: Connection
    _fast: FastPath

    def check_seals(
        self,
        accounts: Sequence[Account],
        key: bytes,
        *,
        read: dict[int, tuple[int, bytes | None]] | None = None,
    ) -> dict[int, str]:
        """The accounts whose seals do not hold (row, latest entry, no later posting), and why.
        `read` is what was read already with the locks (`latest_entries`), else it is read
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
            self._fast.update_balances(accounts)

    def digests(self, entries: list[int]) -> dict[int, bytes]:
        """The digest (ledger.integrity) of each of these entries, from its stored leaf hash
        and postings; an entry without either is left out. One statement, on the driver."""
        if not entries:
            return {}
        return _digests_of(self._fast.digest_rows(entries))

    def latest_entries(self, numbers: Sequence[int]) -> dict[int, tuple[int, bytes | None]]:
        """For each of these accounts that has postings, the latest entry posted to it (two
        probes of the (debit, entry) and (credit, entry) indexes) and that entry's digest from
        its stored leaf hash and postings (None if either is gone)."""
        if not numbers:
            return {}
        return _latest_of(self._fast.latest_rows(sorted(set(numbers))))

    def all_accounts(self) -> list[Account]:
        """Every account row, with its seal (no lock): for checks over all of them."""
        return [account_of(row) for row in self.connection.execute(select(A).order_by(A.c.number))]


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
    credit, amount, leaf hash) in account and leg order (`FastPath.latest_rows`)."""
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
