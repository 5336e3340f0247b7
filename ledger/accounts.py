"""Accounts, device keys and legs: the state the ledger's rules read and change.

An account has a number, a unit (the local unit or EUR), a kind, a status and an overdraft
flag, and keeps its `debits` and `credits` totals; a holder's balance is credits − debits.
A key belongs to an account and has a role. (Rows read back from storage hold plain strings,
which equal the `ledger.domain.enums` members.) A leg moves a positive amount from one account
to another of the same unit; every operation is a group of legs committed together.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ledger.domain.enums import AccountKind, AccountStatus, KeyStatus, RecordType, Role
from ledger.money import Cents

EUR = "EUR"

# Numbers of the system accounts created with the ledger. Holder accounts start at 1001,
# offices' cash accounts at 101. Their names and kinds are plain strings, not the enums'
# members: they fill in records, whose schemas take exact strings.
SYSTEM_ACCOUNTS: tuple[tuple[int, str, str, bool], ...] = (
    # number, name (also the kind but for reserves), unit ("" = the local unit), no_overdraft
    (1, "issuance", "", False),
    (2, "paper", "", True),
    (10, "world", EUR, False),
    (11, "reserve:digital", EUR, True),
    (12, "reserve:paper", EUR, True),
    (13, "payouts", EUR, True),
    (14, "association", EUR, True),
)
FIRST_OFFICE = 101
FIRST_HOLDER = 1001

KIND_OF_SYSTEM_NAME = {
    "issuance": "issuance",
    "paper": "paper",
    "world": "world",
    "reserve:digital": "reserve",
    "reserve:paper": "reserve",
    "payouts": "payouts",
    "association": "fees",
}
# Sets of strings for those who key by kind as read back from storage.
HOLDER_KINDS: frozenset[str] = frozenset(
    {AccountKind.RESIDENT, AccountKind.MERCHANT, AccountKind.ASSOCIATION}
)
BACKING_KINDS: frozenset[str] = frozenset({AccountKind.RESERVE, AccountKind.OFFICE_CASH})
# an account row's `seal` column: its latest entry (-1: none), that entry's digest, the MAC
SEAL_COLUMN = struct.Struct(">q32s32s")


def office_name(office: int) -> str:
    return f"office:{office}:cash"


@dataclass(slots=True)
class Account:
    number: int
    unit: str
    kind: AccountKind
    status: AccountStatus = AccountStatus.OPEN
    no_overdraft: bool = True
    name: str | None = None
    debits: int = 0
    credits: int = 0
    # the row's seal (ledger.integrity), the latest entry it is sealed as of and its digest
    last_entry: int | None = None
    digest: bytes | None = None  # of the latest entry's leaf hash and legs
    seal: bytes | None = None

    @property
    def balance(self) -> int:
        return self.credits - self.debits

    def with_seal(self, column: bytes | None) -> Account:
        """The account with what its stored `seal` column says (ledger.integrity)."""
        if column is not None and len(column) == SEAL_COLUMN.size:
            last, self.digest, self.seal = SEAL_COLUMN.unpack(bytes(column))
            self.last_entry = None if last < 0 else last
        return self

    @property
    def is_holder(self) -> bool:
        return self.kind in HOLDER_KINDS


@dataclass(slots=True)
class Key:
    kid: str
    public_key: bytes
    account: int | None
    role: Role
    status: KeyStatus = KeyStatus.ACTIVE
    refund_limit: Cents | None = None
    issued_by: str | None = None


@dataclass(frozen=True, slots=True)
class Leg:
    unit: str
    debit: int
    credit: int
    amount: Cents


@dataclass(slots=True)
class Payment:
    """What a refund or a payout needs to know about the entry it references."""

    index: int
    type: RecordType
    debit: int
    credit: int
    amount: Cents
    settled: int = 0  # cents refunded so far, or 1 once a reconversion is paid out
    fee: int = 0  # cents (the store fills in a literal 0 for none)


@dataclass(slots=True)
class Applied:
    """What one accepted record changed: to be persisted by the storage layer."""

    index: int
    record_id: str
    legs: list[Leg] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)  # created or status changed
    keys: list[Key] = field(default_factory=list)  # enrolled or revoked
    ref_index: int | None = None
    payreq: str | None = None
    day: tuple[int, str] | None = None  # (merchant, date) of a closed business day
