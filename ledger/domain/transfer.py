"""`transfer`: a holder pays another, maybe a till's payment request, or refunds a payment.

The payments' hot path: its body is built once when the envelope is parsed, and its rules
read that body's fields (no parsing of times or account numbers here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import Applied, Key, Leg, Payment
from ledger.domain.common import authorise, holder
from ledger.domain.enums import RecordType, Role
from ledger.domain.fields import ACCOUNT, AMOUNT, COMMON, HEX32, SIGNED_OP, optional
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.timestamps import ledger_date, parse_time
from ledger.errors import (
    InvalidReference,
    InvalidTransfer,
    PaymentRequestError,
    RefundLimitExceeded,
)
from ledger.money import Cents
from ledger.state import LedgerState

PAYING_ROLES = frozenset({Role.RESIDENT, Role.MERCHANT, Role.TREASURER})
REFUNDING_ROLES = PAYING_ROLES | {Role.CASHIER}  # a till's cashier refunds within its limit

SCHEMA = {
    **COMMON,
    **SIGNED_OP,
    "from": ACCOUNT,
    "to": ACCOUNT,
    "amount": AMOUNT,
    "payreq": optional(HEX32),
    "ref": optional(HEX32),
}


@frozen
class Transfer(Operation):
    payer: int  # `from`
    payee: int  # `to`
    amount: Cents
    payreq: str | None  # the hash of the payment request it pays
    ref: str | None  # the id of the transfer it refunds

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> Transfer:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
            expires=parse_time(r["expires"]),
            memo=r["memo"],
            payer=int(r["from"]),
            payee=int(r["to"]),
            amount=r["amount"],
            payreq=r["payreq"],
            ref=r["ref"],
        )


def references(t: Transfer, refs: References) -> None:
    refs.accounts.add(t.payer)
    refs.accounts.add(t.payee)
    if t.ref is not None:
        refs.ids.add(t.ref)
        refs.refund_days.add((t.kid, ledger_date(t.created)))
    if t.payreq is not None:
        refs.payreqs.add(t.payreq)


def apply(
    state: LedgerState,
    t: Transfer,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    payer, payee = holder(state, t.payer), holder(state, t.payee)
    if payer is payee:
        raise InvalidTransfer("an account cannot pay itself")
    amount = t.amount
    ref = t.ref
    if ref is not None:
        authorise(key, REFUNDING_ROLES, payer.number)
        if key.role == Role.CASHIER:
            _within_refund_limit(state, key, t, effects)
        if t.payreq is not None:
            raise InvalidReference("a refund does not pay a payment request")
        paid = state.payments.get(ref)
        if paid is None or paid.type != RecordType.TRANSFER:
            raise InvalidReference("the refunded payment is not in the ledger")
        if (paid.debit, paid.credit) != (payee.number, payer.number):
            raise InvalidReference("a refund goes back from the payee to the payer")
        if paid.settled + amount > paid.amount:
            raise InvalidReference("refunds would exceed the payment")
        effects.append(lambda: setattr(paid, "settled", paid.settled + amount))
        applied.ref_index = paid.index
    else:
        authorise(key, PAYING_ROLES, payer.number)
    payreq = t.payreq
    if payreq is not None:
        if payreq in state.paid_requests:
            raise PaymentRequestError("this payment request is already paid")
        if state.requests is not None:
            request = state.requests.get(payreq)
            if request is None:
                raise PaymentRequestError("this payment request is not registered")
            if now is not None and now > request.expires:
                raise PaymentRequestError("this payment request has expired")
            if (request.merchant, request.amount) != (payee.number, amount):
                raise PaymentRequestError("the transfer does not match the payment request")
        effects.append(lambda: state.paid_requests.__setitem__(payreq, t.expires))
        applied.payreq = payreq
    applied.legs.append(Leg(state.currency, payer.number, payee.number, amount))
    payment = Payment(applied.index, RecordType.TRANSFER, payer.number, payee.number, amount)
    effects.append(lambda: state.remember_payment(applied.record_id, payment))


def _within_refund_limit(state: LedgerState, key: Key, t: Transfer, effects: Effects) -> None:
    """A cashier's refunds of one day (the ledger's date of their `created`), this one
    included, stay within its limit."""
    amount = t.amount
    day = (key.kid, ledger_date(t.created))
    refunded = state.refunded.get(day, 0)
    limit = key.refund_limit or 0
    if refunded + amount > limit:
        raise RefundLimitExceeded(
            f"this cashier may refund {limit} cents a day and has refunded {refunded} today",
            limit=limit,
            refunded=refunded,
        )
    effects.append(lambda: state.refunded.__setitem__(day, state.refunded.get(day, 0) + amount))


KIND = OperationKind(
    type=RecordType.TRANSFER,
    schema=SCHEMA,
    parse=Transfer.parse,
    references=references,
    apply=apply,
)
