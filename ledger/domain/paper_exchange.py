"""`paper_exchange`: an office takes paper notes back and credits a holder with as many units;
the euros backing them move from the paper reserve to the digital one. Signed by its agent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import EUR, Applied, Key, Leg
from ledger.domain.common import holder, office, operator, system
from ledger.domain.enums import RecordType, Role, SystemName
from ledger.domain.fields import ACCOUNT, AMOUNT, COMMON, SIGNED_OP
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.timestamps import parse_time
from ledger.money import Cents
from ledger.state import LedgerState

ROLES = (Role.AGENT,)
SCHEMA = {**COMMON, **SIGNED_OP, "office": ACCOUNT, "to": ACCOUNT, "amount": AMOUNT}


@frozen
class PaperExchange(Operation):
    office: int
    to: int
    amount: Cents

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> PaperExchange:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
            expires=parse_time(r["expires"]),
            memo=r["memo"],
            office=int(r["office"]),
            to=int(r["to"]),
            amount=r["amount"],
        )


def references(p: PaperExchange, refs: References) -> None:
    refs.accounts.update((p.office, p.to))
    refs.system.update((SystemName.PAPER, SystemName.RESERVE_PAPER, SystemName.RESERVE_DIGITAL))


def apply(
    state: LedgerState,
    p: PaperExchange,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    operator(key, ROLES, p.office)
    office(state, p.office)
    to, amount = holder(state, p.to), p.amount
    applied.legs += [
        Leg(state.currency, system(state, SystemName.PAPER).number, to.number, amount),
        Leg(
            EUR,
            system(state, SystemName.RESERVE_PAPER).number,
            system(state, SystemName.RESERVE_DIGITAL).number,
            amount,
        ),
    ]


KIND = OperationKind(
    type=RecordType.PAPER_EXCHANGE,
    schema=SCHEMA,
    parse=PaperExchange.parse,
    references=references,
    apply=apply,
)
