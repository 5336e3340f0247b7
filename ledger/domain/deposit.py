"""`deposit`: an office hands its cash to the reserve (digital or paper); signed by its agent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import EUR, Applied, Key, Leg
from ledger.domain.common import office, operator, system
from ledger.domain.enums import RecordType, Reserve, Role, SystemName
from ledger.domain.fields import ACCOUNT, AMOUNT, COMMON, SIGNED_OP, choice
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.timestamps import parse_time
from ledger.money import Cents
from ledger.state import LedgerState

ROLES = (Role.AGENT,)
RESERVE_ACCOUNTS = {
    Reserve.DIGITAL: SystemName.RESERVE_DIGITAL,
    Reserve.PAPER: SystemName.RESERVE_PAPER,
}
SCHEMA = {
    **COMMON,
    **SIGNED_OP,
    "office": ACCOUNT,
    "reserve": choice(*Reserve),
    "amount": AMOUNT,
}


@frozen
class Deposit(Operation):
    office: int
    reserve: Reserve
    amount: Cents

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> Deposit:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
            expires=parse_time(r["expires"]),
            memo=r["memo"],
            office=int(r["office"]),
            reserve=Reserve(r["reserve"]),
            amount=r["amount"],
        )


def references(d: Deposit, refs: References) -> None:
    refs.accounts.add(d.office)
    refs.system.update(RESERVE_ACCOUNTS.values())


def apply(
    state: LedgerState,
    d: Deposit,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    operator(key, ROLES, d.office)
    cash = office(state, d.office)
    reserve = system(state, RESERVE_ACCOUNTS[d.reserve])
    applied.legs.append(Leg(EUR, cash.number, reserve.number, d.amount))


KIND = OperationKind(
    type=RecordType.DEPOSIT,
    schema=SCHEMA,
    parse=Deposit.parse,
    references=references,
    apply=apply,
)
