"""`conversion`: euros come in (cash at an office, or by bank) and as many units go out to a
holder; signed by the office's agent or, for the bank, the treasurer. Method `import` is the
treasurer's opening balance of an account brought from another platform (its euros were
already in the reserve's bank account, moved from the old platform's reserve fund): posted
like a bank conversion, but no bank statement line is expected for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import EUR, Applied, Key, Leg
from ledger.domain.common import holder, office, operator, system
from ledger.domain.enums import ConversionMethod, RecordType, Role, SystemName
from ledger.domain.fields import ACCOUNT, AMOUNT, COMMON, SIGNED_OP, choice, optional
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.timestamps import parse_time
from ledger.errors import NotAuthorized
from ledger.money import Cents
from ledger.state import LedgerState

ROLES = (Role.AGENT, Role.TREASURER)
SCHEMA = {
    **COMMON,
    **SIGNED_OP,
    "method": choice(*ConversionMethod),
    "office": optional(ACCOUNT),
    "to": ACCOUNT,
    "amount": AMOUNT,
}


@frozen
class Conversion(Operation):
    method: ConversionMethod
    office: int | None  # where the cash came in
    to: int
    amount: Cents

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> Conversion:
        number = r["office"]
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
            expires=parse_time(r["expires"]),
            memo=r["memo"],
            method=ConversionMethod(r["method"]),
            office=None if number is None else int(number),
            to=int(r["to"]),
            amount=r["amount"],
        )


def references(c: Conversion, refs: References) -> None:
    refs.accounts.add(c.to)
    if c.office is not None:
        refs.accounts.add(c.office)
    refs.system.update((SystemName.WORLD, SystemName.ISSUANCE, SystemName.RESERVE_DIGITAL))


def apply(
    state: LedgerState,
    c: Conversion,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    operator(key, ROLES, c.office)
    if c.method == ConversionMethod.CASH:
        # (an agent's record names its office: `operator` checked it)
        if key.role != Role.AGENT or c.office is None:
            raise NotAuthorized("cash is taken in by an office agent")
        received = office(state, c.office)
    else:
        if key.role != Role.TREASURER or c.office is not None:
            raise NotAuthorized(
                "bank and import conversions are recorded by the treasurer, with no office"
            )
        received = system(state, SystemName.RESERVE_DIGITAL)
    to = holder(state, c.to)
    amount = c.amount
    applied.legs += [
        Leg(EUR, system(state, SystemName.WORLD).number, received.number, amount),
        Leg(state.currency, system(state, SystemName.ISSUANCE).number, to.number, amount),
    ]


KIND = OperationKind(
    type=RecordType.CONVERSION,
    schema=SCHEMA,
    parse=Conversion.parse,
    references=references,
    apply=apply,
)
