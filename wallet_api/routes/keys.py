"""Device keys, as much of them as a verifier needs: a wallet checks a till's signature.

Anyone gets a key's public key and status. Whose key it is (account and role) is told to
anyone only for a shop's keys (`merchant`, `cashier`: a payer checks that a payment request
was signed by a till of the shop it names, and shops are public); a resident's, an office's
or the association's key names its account only to a device of that account and to the
treasurer or an auditor in its window (docs/PRIVACY.md).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path

from ledger.accounts import Key
from ledger.errors import NotAuthorized
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork
from wallet_api.schemas.keys import KeyOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["keys"])


SHOP_ROLES = ("merchant", "cashier")


@router.get("/keys/{kid}")
def get_key(
    uow: ReadingUnitOfWork, device: OptionalDevice, kid: str = Path(pattern="^[0-9a-f]{8}$")
) -> KeyOut:
    """A device key's status (`active` or `revoked`) and hex public key; its account and
    role if it is a shop's, or if the caller's device is of the same account or reads the
    books."""
    key = uow.reads.key(kid)
    if key is None:
        raise HTTPException(404, f"no key {kid} is enrolled")
    told = key.role in SHOP_ROLES or _may_know(uow, device, key)
    return KeyOut(
        kid=key.kid,
        account=None if key.account is None or not told else str(key.account),
        role=key.role if told else None,
        status=key.status,
        public_key=key.public_key.hex(),
    )


def _may_know(uow: ReadingUnitOfWork, device: Key | None, key: Key) -> bool:
    if device is None:
        return False
    if device.account is not None and device.account == key.account:
        return True
    try:
        access.audit_reader(uow, device)
    except NotAuthorized:
        return False
    return True
