"""A running ledger: its identity (host, unit, signing key), its database and its clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Self

from sqlalchemy import Connection, Engine

from ledger.checkpoint import verifier_key
from ledger.integrity import Integrity, seal_key
from ledger.persistence.reads import SqlLedgerReads
from ledger.persistence.store import LedgerStore
from ledger.persistence.uow import UnitOfWork
from ledger.signing import SigningKey
from ledger.state import LedgerState

if TYPE_CHECKING:
    from ledger.ports import LedgerReads

KEY_CACHE_SIZE = 200_000  # public keys kept per process (32 bytes each)


def system_clock() -> int:
    return int(time.time())


@dataclass
class Ledger:
    engine: Engine
    host: str
    currency: str
    key: SigningKey
    unit_name: str = ""
    clock: Callable[[], int] = field(default=system_clock)
    # What never changes once written, kept by this process to spare the write path reads:
    # a key id's public key (keys are never deleted; status is read under lock), and the
    # system accounts' numbers (names are never removed or renamed).
    _public_keys: dict[str, bytes] = field(default_factory=dict, repr=False)
    _system: dict[str, int] = field(default_factory=dict, repr=False)
    # what this process found wrong with the database (ledger.integrity): the alarm
    integrity: Integrity = field(default_factory=Integrity, repr=False)
    # who acts when a unit of work names no one (ledger.acts): `sou` sets `shell:<user>`
    actor: str = "server"
    _seal: tuple[str, bytes] | None = field(default=None, repr=False)

    @property
    def seal_key(self) -> bytes:
        """The key of the account rows' seals, derived from the ledger key in use."""
        if self._seal is None or self._seal[0] != self.key.kid:
            self._seal = (self.key.kid, seal_key(self.key))
        return self._seal[1]

    @property
    def origin(self) -> str:
        """The checkpoints' origin line and note key name."""
        return f"{self.host}/ledger"

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.origin, self.key.public_bytes)

    def empty_state(self) -> LedgerState:
        return LedgerState(self.host, self.currency, self.key.public_bytes, self.key.kid)

    def public_keys(self, store: LedgerStore, kids: Iterable[str]) -> dict[str, bytes]:
        """The public keys enrolled under `kids` (the unknown ones left out), read once."""
        wanted = set(kids)
        known = {kid: self._public_keys[kid] for kid in wanted if kid in self._public_keys}
        missing = wanted - known.keys()
        if missing:
            read = {kid: key.public_key for kid, key in store.keys(missing).items()}
            if len(self._public_keys) > KEY_CACHE_SIZE:
                self._public_keys.clear()
            self._public_keys.update(read)
            known.update(read)
        return known

    def remember_enrolled_keys(self) -> int:
        """Reads the active keys' public keys into this process's cache (a worker does it as
        it starts, so that its first payments need no key reads); how many it holds now."""
        with self.unit_of_work(write=False) as uow:
            self._public_keys.update(uow.store.active_public_keys(KEY_CACHE_SIZE))
        return len(self._public_keys)

    def known_public_key(self, kid: str) -> bytes | None:
        """The public key of `kid` if this process has read it already (no database read)."""
        return self._public_keys.get(kid)

    def system_accounts_cache(self, names: Iterable[str]) -> dict[str, int] | None:
        """The system accounts known to this process, or None if one of `names` is missing."""
        system = self._system
        return system if system and all(name in system for name in names) else None

    def remember_system_accounts(self, system: dict[str, int]) -> None:
        self._system = dict(system)

    def unit_of_work(
        self, *, write: bool = True, connection: Connection | None = None, snapshot: bool = False
    ) -> LedgerUnitOfWork:
        return LedgerUnitOfWork(self, write=write, connection=connection, snapshot=snapshot)


class LedgerUnitOfWork(UnitOfWork):
    """A unit of work that knows which ledger it writes to."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        write: bool = True,
        connection: Connection | None = None,
        snapshot: bool = False,
    ) -> None:
        super().__init__(ledger.engine, write=write, connection=connection, snapshot=snapshot)
        self.ledger = ledger
        # who acts in this unit of work, for the trail of administrative acts (ledger.acts):
        # the route's signed-in device, the shell's user, else the server itself
        self.actor: Callable[[], str] = lambda: ledger.actor

    def __enter__(self) -> Self:
        super().__enter__()
        self.store = LedgerStore(self.connection)
        self.reads: LedgerReads = SqlLedgerReads(self.store)
        return self

    def lock_accounts(self, numbers: Iterable[int]) -> None:
        """Locks these accounts' rows until the unit of work ends: no payment to or from them
        commits meanwhile."""
        self.store.lock_accounts(numbers)

    def wait_for_batch_turn(self) -> None:
        """Waits for this process's and the other group committers' turn (ledger.persistence)."""
        self.store.wait_for_batch_turn()
