"""The payment requests tills register: the rows the rules check a transfer's `payreq` against.

`merchants.requests` verifies a till's signed request and registers it here; the rules then
refuse a second payment of it, another amount or payee, or a payment after its expiry.
"""

from __future__ import annotations

from sqlalchemy import insert

from ledger.context import LedgerUnitOfWork
from ledger.persistence.tables import PAYMENT_REQUESTS


def register_payment_request(
    uow: LedgerUnitOfWork,
    *,
    payreq: str,
    merchant: int,
    amount: int,
    expires: int,
    pr: bytes,
    kid: str,
    now: int,
) -> None:
    """Stores a verified request (`pr`, its bytes, hashing to `payreq`) signed by key `kid`."""
    uow.connection.execute(
        insert(PAYMENT_REQUESTS).values(
            payreq=payreq,
            merchant=merchant,
            amount=amount,
            expires=expires,
            pr=pr,
            registered=now,
            kid=kid,
        )
    )
