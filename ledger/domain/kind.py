"""What every record type declares: its typed body, its schema, what it refers to and its rules.

Each record type's module defines a dataclass for its fields (`frozen`) (built once, when the
record is parsed, from the mapping its schema checked) and one `LedgerKind` (records the
ledger key signs) or `OperationKind` (records an enrolled key signs) that `registry` lists.
The judge, `ledger.rules.apply_record`, does what is common to all types and calls the
type's `apply`, which appends the legs to post and the changes to make once they post.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ledger.accounts import Applied, Key
from ledger.domain.enums import RecordType
from ledger.domain.fields import Schema
from ledger.domain.frozen import frozen
from ledger.state import LedgerState

Effects = list[Callable[[], None]]  # changes to make once the legs are known to post


@frozen
class Record:
    """The fields every record's body has (its `v` and `type` are its class)."""

    ledger: str
    kid: str


@frozen
class Operation(Record):
    """A client-signed operation: its unit, its idempotency key and its validity window."""

    currency: str
    nonce: str
    created: int  # Unix seconds
    expires: int
    memo: str  # the commitment to the memo beside the record, or ""


@dataclass(slots=True)
class References:
    """What a record refers to, so that storage can load (and lock) exactly that."""

    accounts: set[int] = field(default_factory=set)
    system: set[str] = field(default_factory=set)
    kids: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    payreqs: set[str] = field(default_factory=set)
    nonces: set[tuple[str, str]] = field(default_factory=set)
    days: set[tuple[int, str]] = field(default_factory=set)
    refund_days: set[tuple[str, str]] = field(default_factory=set)  # (kid, ledger date)

    def update(self, other: References) -> None:
        self.accounts |= other.accounts
        self.system |= other.system
        self.kids |= other.kids
        self.ids |= other.ids
        self.payreqs |= other.payreqs
        self.nonces |= other.nonces
        self.days |= other.days
        self.refund_days |= other.refund_days


B = TypeVar("B", bound=Record)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordKind(Generic[B]):
    """One record type: its name, its schema, how its body is built from the checked mapping,
    and what it refers to besides its signer's key and its nonce (added to `References`)."""

    type: RecordType
    schema: Schema
    parse: Callable[[Mapping[str, Any]], B]
    references: Callable[[B, References], None]
    # For a record made once per something (a merchant's day): the index of this very record
    # if it is in the log already (a retry), None if not; raises if another took its place.
    earlier: Callable[[LedgerState, B, str], int | None] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerKind(RecordKind[B]):
    """A record signed by the ledger key."""

    apply: Callable[[LedgerState, B, Applied, Effects], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationKind(RecordKind[B]):
    """A record signed by an enrolled key: `apply` gets that (active) key and the server's
    clock (None in the offline replay)."""

    apply: Callable[[LedgerState, B, Applied, Effects, Key, int | None], None]


def no_references(body: Record, refs: References) -> None:
    """For a type that refers to nothing beyond its signer."""
