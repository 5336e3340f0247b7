"""`paper_issue`: an office sells paper notes for euros in cash; signed by its agent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import EUR, Applied, Key, Leg
from ledger.domain.common import office, operator, system
from ledger.domain.enums import RecordType, Role, SystemName
from ledger.domain.fields import ACCOUNT, AMOUNT, COMMON, SIGNED_OP
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.timestamps import parse_time
from ledger.money import Cents
from ledger.state import LedgerState

ROLES = (Role.AGENT,)
SCHEMA = {**COMMON, **SIGNED_OP, "office": ACCOUNT, "amount": AMOUNT}


@frozen
class PaperIssue(Operation):
    office: int
    amount: Cents

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> PaperIssue:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
            expires=parse_time(r["expires"]),
            memo=r["memo"],
            office=int(r["office"]),
            amount=r["amount"],
        )


def references(p: PaperIssue, refs: References) -> None:
    refs.accounts.add(p.office)
    refs.system.update((SystemName.WORLD, SystemName.ISSUANCE, SystemName.PAPER))


def apply(
    state: LedgerState,
    p: PaperIssue,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    operator(key, ROLES, p.office)
    cash, amount = office(state, p.office), p.amount
    applied.legs += [
        Leg(EUR, system(state, SystemName.WORLD).number, cash.number, amount),
        Leg(
            state.currency,
            system(state, SystemName.ISSUANCE).number,
            system(state, SystemName.PAPER).number,
            amount,
        ),
    ]


KIND = OperationKind(
    type=RecordType.PAPER_ISSUE,
    schema=SCHEMA,
    parse=PaperIssue.parse,
    references=references,
    apply=apply,
)
