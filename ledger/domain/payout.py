"""`payout`: the treasurer sends a reconversion's net euros out of `payouts` (to the bank)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import EUR, Applied, Key, Leg
from ledger.domain.common import operator, system
from ledger.domain.enums import RecordType, Role, SystemName
from ledger.domain.fields import AMOUNT, COMMON, HEX32, SIGNED_OP
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.timestamps import parse_time
from ledger.errors import InvalidReference
from ledger.money import Cents
from ledger.state import LedgerState

ROLES = (Role.TREASURER,)
SCHEMA = {**COMMON, **SIGNED_OP, "reconversion": HEX32, "amount": AMOUNT}


@frozen
class Payout(Operation):
    reconversion: str  # the id of the reconversion it pays out
    amount: Cents

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> Payout:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
            expires=parse_time(r["expires"]),
            memo=r["memo"],
            reconversion=r["reconversion"],
            amount=r["amount"],
        )


def references(p: Payout, refs: References) -> None:
    refs.ids.add(p.reconversion)
    refs.system.update((SystemName.PAYOUTS, SystemName.WORLD))


def apply(
    state: LedgerState,
    p: Payout,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    operator(key, ROLES, None)
    reconversion = state.payments.get(p.reconversion)
    if reconversion is None or reconversion.type != RecordType.RECONVERSION:
        raise InvalidReference("the paid reconversion is not in the ledger")
    if reconversion.settled:
        raise InvalidReference("this reconversion is already paid out")
    if p.amount != reconversion.amount - reconversion.fee:
        raise InvalidReference("a payout pays the reconversion's net amount")
    effects.append(lambda: setattr(reconversion, "settled", 1))
    applied.ref_index = reconversion.index
    applied.legs.append(
        Leg(
            EUR,
            system(state, SystemName.PAYOUTS).number,
            system(state, SystemName.WORLD).number,
            p.amount,
        )
    )


KIND = OperationKind(
    type=RecordType.PAYOUT,
    schema=SCHEMA,
    parse=Payout.parse,
    references=references,
    apply=apply,
)
