"""`reconversion`: a merchant gives units back for euros, less a fee of at most 5 %; the
euros wait in `payouts` until a `payout` sends them. Signed by the merchant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import EUR, Applied, Key, Leg, Payment
from ledger.domain.common import authorise, holder, system
from ledger.domain.enums import AccountKind, RecordType, Role, SystemName
from ledger.domain.fields import ACCOUNT, AMOUNT, COMMON, FEE, SIGNED_OP
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.timestamps import parse_time
from ledger.errors import InvalidTransfer, NotAuthorized
from ledger.money import Cents
from ledger.state import LedgerState

ROLES = (Role.MERCHANT,)
MAX_FEE_BASIS_POINTS = 500  # reconversion fee at most 5 %
SCHEMA = {**COMMON, **SIGNED_OP, "from": ACCOUNT, "amount": AMOUNT, "fee": FEE}


@frozen
class Reconversion(Operation):
    merchant: int  # `from`
    amount: Cents  # units given back
    fee: Cents  # euros kept by the association

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> Reconversion:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
            expires=parse_time(r["expires"]),
            memo=r["memo"],
            merchant=int(r["from"]),
            amount=r["amount"],
            fee=r["fee"],
        )


def references(r: Reconversion, refs: References) -> None:
    refs.accounts.add(r.merchant)
    refs.system.update(
        (
            SystemName.ISSUANCE,
            SystemName.RESERVE_DIGITAL,
            SystemName.PAYOUTS,
            SystemName.ASSOCIATION,
        )
    )


def apply(
    state: LedgerState,
    r: Reconversion,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    merchant = holder(state, r.merchant)
    authorise(key, ROLES, merchant.number)
    if merchant.kind != AccountKind.MERCHANT:
        raise NotAuthorized("only merchants reconvert units to euros")
    amount, fee = r.amount, r.fee
    if fee * 10_000 > amount * MAX_FEE_BASIS_POINTS:
        raise InvalidTransfer("the reconversion fee is above 5 %")
    reserve = system(state, SystemName.RESERVE_DIGITAL).number
    applied.legs += [
        Leg(state.currency, merchant.number, system(state, SystemName.ISSUANCE).number, amount),
        Leg(EUR, reserve, system(state, SystemName.PAYOUTS).number, Cents(amount - fee)),
    ]
    if fee:
        applied.legs.append(Leg(EUR, reserve, system(state, SystemName.ASSOCIATION).number, fee))
    payment = Payment(applied.index, RecordType.RECONVERSION, merchant.number, 0, amount, fee=fee)
    effects.append(lambda: state.remember_payment(applied.record_id, payment))


KIND = OperationKind(
    type=RecordType.RECONVERSION,
    schema=SCHEMA,
    parse=Reconversion.parse,
    references=references,
    apply=apply,
)
