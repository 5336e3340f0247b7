"""Seals: a cached balance is used only as far as the signed log backs it.

Each account row caches its debits and credits, so that a payment needs no sum over the
account's history. Someone who can write to the database but does not hold the ledger key
must not be able to spend or show money through that cache. So each row carries a **seal**:
a MAC (keyed BLAKE2b, RFC 7693) under a key derived from the ledger's private key, over the
row (number, unit, kind, status, overdraft flag, name, debits, credits) and the latest
entry: its index and a digest of that entry's leaf hash and legs, kept beside it (one column,
`accounts.seal`: each more column a batch updates costs PostgreSQL about 3 %). A
row's seal alone is checked without reading anything else (the totals of the reserve
dashboard); a batch checks the latest entry too.

Every batch checks, under the accounts' locks and before judging anything, the seal of each
account it loads, that the latest entry's stored leaf and postings still give the sealed
digest, and that no posting to the account is newer than that entry (a row put back to an
earlier sealed state). An account that fails is **quarantined**: what touches it is refused
(`account-quarantined`, 423), while other accounts go on. If the latest entry's leaf itself
no longer matches the stored tree, the log is damaged: the process stops writing altogether
(`log-unverifiable`, 503) rather than extend a log it cannot vouch for. Either raises the
alarm: a critical log line, `sou_integrity_failures` in /metrics and `/readyz` not ready,
until the damage is repaired and the process restarted.

What a batch cannot see (an older posting edited, an entry deep in the log rewritten) the
self-check finds (`ledger.selfcheck`), at start, in the background and with `sou audit db`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.accounts import SEAL_COLUMN, Account
from ledger.signing import SigningKey

logger = logging.getLogger("sou.integrity")

SEAL_LABEL = b"SOU-SEAL-V1"
NO_DIGEST = bytes(32)  # the digest of an account no entry has posted to yet

Leg = tuple[int, int, int]  # (debit, credit, amount) of a posting, in leg order


def seal_key(key: SigningKey) -> bytes:
    """The seal key of a ledger key: only a process that holds the ledger key can seal."""
    return hmac.digest(key.private_bytes, SEAL_LABEL, "sha256")


_FIELDS = struct.Struct(">qqq?q")
_LEG = struct.Struct(">qqq")


def entry_digest(leaf_hash: bytes, legs: Sequence[Leg]) -> bytes:
    """What a seal keeps of an account's latest entry: its leaf hash and its postings, in
    leg order (a unit is its accounts'): SHA-256 of the hash and each leg's three signed
    64-bit big-endian integers."""
    if len(legs) == 1:  # a payment: the hot path, without the join
        return hashlib.sha256(leaf_hash + _LEG.pack(*legs[0])).digest()
    return hashlib.sha256(leaf_hash + b"".join([_LEG.pack(*leg) for leg in legs])).digest()


_KEYED: dict[bytes, hashlib.blake2b] = {}  # a keyed BLAKE2b state per seal key, copied per seal


def account_seal(key: bytes, account: Account, last_entry: int | None, digest: bytes) -> bytes:
    keyed = _KEYED.get(key)
    if keyed is None:  # keying BLAKE2b hashes a whole block: copying a keyed state is half the cost
        if len(_KEYED) >= 8:  # one key a ledger, and a few during a rotation
            _KEYED.clear()
        keyed = _KEYED[key] = hashlib.blake2b(key=key, digest_size=32)
    fields = _FIELDS.pack(
        account.number, account.debits, account.credits, account.no_overdraft,
        -1 if last_entry is None else last_entry,
    )  # fmt: skip
    text = "\0".join((account.unit, account.kind, account.status, account.name or "")).encode()
    mac = keyed.copy()
    mac.update(fields + digest + text)
    return mac.digest()


def stored(account: Account) -> bytes | None:
    """The row's `seal` column: the latest entry, its digest and the MAC, in 72 bytes."""
    if account.seal is None or account.digest is None:
        return None
    last = -1 if account.last_entry is None else account.last_entry
    return SEAL_COLUMN.pack(last, account.digest, account.seal)


def seal(key: bytes, account: Account, last_entry: int | None, digest: bytes) -> None:
    """Seals `account` as of its latest entry `last_entry` (whose digest is `digest`)."""
    account.last_entry, account.digest = last_entry, digest
    account.seal = account_seal(key, account, last_entry, digest)


def sealed(key: bytes, account: Account) -> bool:
    """Whether the row's seal is the ledger's, over the row as it stands (no entry read)."""
    if account.seal is None or account.digest is None:
        return False
    expected = account_seal(key, account, account.last_entry, account.digest)
    return hmac.compare_digest(expected, account.seal)


def holds(key: bytes, account: Account, digest: bytes | None) -> bool:
    """Whether the row is sealed and its latest entry is still what the seal says: `digest`
    is what the stored leaf and postings of that entry give now (None if they are gone)."""
    if account.last_entry is None:
        digest = NO_DIGEST
    return digest is not None and digest == account.digest and sealed(key, account)


@dataclass
class Integrity:
    """What this process found wrong with its database: the alarm behind /readyz."""

    quarantined: dict[int, str] = field(default_factory=dict)  # account -> why
    log: str | None = None  # why the log cannot be vouched for, if it cannot
    reserve: str | None = None  # which reserve invariant the folded balances break
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def failures(self) -> int:
        return len(self.quarantined) + (self.log is not None) + (self.reserve is not None)

    def account_failed(self, number: int, why: str) -> None:
        with self._lock:
            if number in self.quarantined:
                return
            self.quarantined[number] = why
        logger.critical(
            "integrity: account %d quarantined: %s", number, why,
            extra={"event": "integrity", "kind": "account", "account": number},
        )  # fmt: skip

    def log_failed(self, why: str) -> None:
        with self._lock:
            if self.log is not None:
                return
            self.log = why
        logger.critical(
            "integrity: the stored log cannot be vouched for, writes stopped: %s", why,
            extra={"event": "integrity", "kind": "log"},
        )  # fmt: skip

    def reserve_failed(self, why: str) -> None:
        with self._lock:
            if self.reserve is not None:
                return
            self.reserve = why
        logger.critical(
            "integrity: the reserve's invariants do not hold: %s", why,
            extra={"event": "integrity", "kind": "reserve"},
        )  # fmt: skip

    def summary(self) -> str | None:
        """A few words for /readyz, or None if nothing was found wrong."""
        if self.log is not None:
            return f"the stored log is damaged ({self.log}); writes stopped: run `sou audit db`"
        if self.quarantined:
            numbers = ", ".join(str(n) for n in sorted(self.quarantined)[:5])
            return f"accounts {numbers} fail their seals and are quarantined: run `sou audit db`"
        if self.reserve is not None:
            return f"the reserve's invariants do not hold ({self.reserve}): run `sou audit db`"
        return None
