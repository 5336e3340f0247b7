"""Payment requests at the till: registration, single use, expiry and status.

A till signs a request (amount, expiry, its own reference) with a merchant or cashier key and
registers it; the payer's transfer names its hash in `payreq`, and the ledger refuses a second
payment of it, another amount, another payee, or a payment after its expiry.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import NotAuthorized, RevokedKey, UnknownKey, UnknownPaymentRequest
from ledger.ports import LedgerUnitOfWork, StoredEntry
from ledger.requests import register_payment_request
from merchants.payment_requests import PaymentRequest, check_expiry, verify_request

TILL_ROLES = ("merchant", "cashier")


@dataclass(frozen=True, slots=True)
class RequestStatus:
    payreq: str
    status: str  # "open", "paid" or "expired"
    merchant: int
    amount: int
    expires: int
    payment: StoredEntry | None = None


def register_request(uow: LedgerUnitOfWork, *, pr: PaymentRequest, now: int) -> RequestStatus:
    """Registers a till's signed request; registering the same request again is harmless."""
    key = uow.reads.key(pr.kid)
    if key is None:
        raise UnknownKey(f"no key {pr.kid} is enrolled", kid=pr.kid)
    if key.status != "active":
        raise RevokedKey(f"key {pr.kid} was revoked", kid=pr.kid)
    if key.role not in TILL_ROLES or key.account != pr.merchant:
        raise NotAuthorized(f"key {pr.kid} does not sign requests for account {pr.merchant}")
    verify_request(pr, host=uow.ledger.host, public_key=key.public_key)
    if uow.reads.payment_request(pr.payreq) is None:
        check_expiry(pr, now=now)
        register_payment_request(
            uow,
            payreq=pr.payreq,
            merchant=pr.merchant,
            amount=pr.amount,
            expires=pr.expires,
            pr=pr.to_bytes(),
            kid=pr.kid,
            now=now,
        )
    return request_status(uow, payreq=pr.payreq, now=now)


def request_status(uow: LedgerUnitOfWork, *, payreq: str, now: int) -> RequestStatus:
    row = uow.reads.payment_request(payreq)
    if row is None:
        raise UnknownPaymentRequest("this payment request is not registered")
    entry = uow.reads.payment_of(payreq)
    if entry is not None:
        return RequestStatus(payreq, "paid", row.merchant, row.amount, row.expires, entry)
    status = "expired" if now > row.expires else "open"
    return RequestStatus(payreq, status, row.merchant, row.amount, row.expires)
