"""`account`: the ledger opens an account, or changes its status (frozen, open, closed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import EUR, Account, Applied
from ledger.domain.enums import AccountKind, AccountStatus, RecordType
from ledger.domain.fields import ACCOUNT, COMMON, KID, NAME, NONCE, TIME, UNIT, choice, optional
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, LedgerKind, Record, References
from ledger.domain.timestamps import parse_time
from ledger.errors import (
    AccountNotOpen,
    CurrencyMismatch,
    InvalidReference,
    InvalidTransfer,
    MalformedRecord,
    UnknownAccount,
)
from ledger.state import LedgerState

NO_OVERDRAFT = "no_overdraft"
SCHEMA = {
    **COMMON,
    "number": ACCOUNT,
    "status": choice(*AccountStatus),
    "kind": choice(*AccountKind),
    "unit": UNIT,
    "flags": choice("", NO_OVERDRAFT),
    "name": optional(NAME),
    "nonce": NONCE,
    "kid": KID,
    "created": TIME,
}


@frozen
class AccountRecord(Record):
    number: int
    status: AccountStatus
    kind: AccountKind
    unit: str
    no_overdraft: bool  # its `flags`
    name: str | None  # a system account's
    nonce: str
    created: int

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> AccountRecord:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            number=int(r["number"]),
            status=AccountStatus(r["status"]),
            kind=AccountKind(r["kind"]),
            unit=r["unit"],
            no_overdraft=r["flags"] == NO_OVERDRAFT,
            name=r["name"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
        )


def references(a: AccountRecord, refs: References) -> None:
    refs.accounts.add(a.number)


def apply(state: LedgerState, a: AccountRecord, applied: Applied, effects: Effects) -> None:
    number = a.number
    existing = state.accounts.get(number)
    if a.unit not in (state.currency, EUR):
        raise CurrencyMismatch(f"an account holds {state.currency} or EUR, not {a.unit}")
    if existing is None:
        if a.status != AccountStatus.OPEN:
            raise UnknownAccount(f"account {number} must be opened first")
        if a.name is not None and a.name in state.system:
            raise InvalidReference(f"the system account {a.name} already exists")
        account = Account(
            number=number, unit=a.unit, kind=a.kind, no_overdraft=a.no_overdraft, name=a.name
        )
        if account.is_holder and (not account.no_overdraft or account.name is not None):
            raise MalformedRecord("a holder account has no name and may not be overdrawn")
        state.add_account(account)
    else:
        same = (existing.unit, existing.kind, existing.no_overdraft, existing.name)
        if same != (a.unit, a.kind, a.no_overdraft, a.name):
            raise InvalidReference(f"account {number} exists with other attributes")
        if existing.status == AccountStatus.CLOSED or existing.status == a.status:
            raise AccountNotOpen(f"account {number} is already {existing.status}")
        if a.status == AccountStatus.CLOSED and existing.balance != 0:
            raise InvalidTransfer(f"account {number} still holds {existing.balance} cents")
        existing.status = a.status
        account = existing
    applied.accounts.append(account)


KIND = LedgerKind(
    type=RecordType.ACCOUNT,
    schema=SCHEMA,
    parse=AccountRecord.parse,
    references=references,
    apply=apply,
)
