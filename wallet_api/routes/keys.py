"""Device keys as anyone may read them: a wallet checks a till's signature with them.

Keys are public in the log anyway (every `key` record carries its public key); this route
only saves a phone from replaying the log to find the one it needs.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path

from wallet_api.body import LimitedRoute
from wallet_api.deps import ReadingUnitOfWork
from wallet_api.schemas import Out

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["keys"])


class KeyOut(Out):
    kid: str
    account: str | None
    role: str
    status: str
    public_key: str


@router.get("/keys/{kid}")
def get_key(uow: ReadingUnitOfWork, kid: str = Path(pattern="^[0-9a-f]{8}$")) -> KeyOut:
    """A device key's account, role, status (`active` or `revoked`) and hex public key."""
    key = uow.store.keys([kid]).get(kid)
    if key is None:
        raise HTTPException(404, f"no key {kid} is enrolled")
    return KeyOut(
        kid=key.kid,
        account=None if key.account is None else str(key.account),
        role=key.role,
        status=key.status,
        public_key=key.public_key.hex(),
    )
