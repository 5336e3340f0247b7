"""A running ledger: its identity (host, unit, signing key), its database and its clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

from sqlalchemy import Engine

from ledger.checkpoint import verifier_key
from ledger.persistence.store import LedgerStore
from ledger.persistence.uow import UnitOfWork
from ledger.signing import SigningKey
from ledger.state import LedgerState


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

    @property
    def origin(self) -> str:
        """The checkpoints' origin line and note key name."""
        return f"{self.host}/ledger"

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.origin, self.key.public_bytes)

    def empty_state(self) -> LedgerState:
        return LedgerState(self.host, self.currency, self.key.public_bytes, self.key.kid)

    def unit_of_work(self, *, write: bool = True) -> LedgerUnitOfWork:
        return LedgerUnitOfWork(self, write=write)


class LedgerUnitOfWork(UnitOfWork):
    """A unit of work that knows which ledger it writes to."""

    def __init__(self, ledger: Ledger, *, write: bool = True) -> None:
        super().__init__(ledger.engine, write=write)
        self.ledger = ledger

    def __enter__(self) -> Self:
        super().__enter__()
        self.store = LedgerStore(self.connection)
        return self
