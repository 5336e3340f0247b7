"""Reading access: a device signs a one-time server challenge and gets a short-lived token.

Moving money always needs a signed record; a token only lets a device read its own account.
The challenge is single use and expires in two minutes; the token is signed by the ledger
key, lasts fifteen minutes, and is refused at once if its device key is revoked.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, update

from ledger.accounts import Key
from ledger.context import LedgerUnitOfWork
from ledger.errors import AuthenticationError, InvalidSignature, RevokedKey, SouError, UnknownKey
from ledger.persistence.tables import AUTH_CHALLENGES
from ledger.signing import b64url_decode, b64url_encode, verify

CHALLENGE_TTL = 120
TOKEN_TTL = 900
C = AUTH_CHALLENGES


def _active_key(uow: LedgerUnitOfWork, kid: str) -> Key:
    key = uow.store.keys([kid]).get(kid)
    if key is None:
        raise UnknownKey(f"no key {kid} is enrolled", kid=kid)
    if key.status != "active":
        raise RevokedKey(f"key {kid} was revoked", kid=kid)
    return key


def auth_message(host: str, challenge: str) -> bytes:
    return b"SOU-AUTH-V1\n" + host.encode() + b"\n" + challenge.encode()


def issue_challenge(uow: LedgerUnitOfWork, *, kid: str, now: int) -> str:
    _active_key(uow, kid)
    challenge = secrets.token_urlsafe(32)
    uow.connection.execute(
        insert(C).values(challenge=challenge, kid=kid, expires=now + CHALLENGE_TTL, used=False)
    )
    return challenge


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    expires_in: int


def _token_message(payload: bytes) -> bytes:
    return b"SOU-TOKEN-V1\n" + payload


def exchange_token(uow: LedgerUnitOfWork, *, kid: str, challenge: str, sig: str, now: int) -> Token:
    """A token for `kid`, if it signed this unused, unexpired challenge issued to it."""
    key = _active_key(uow, kid)
    try:
        verify(key.public_key, auth_message(uow.ledger.host, challenge), b64url_decode(sig))
    except SouError:
        raise InvalidSignature("the challenge's signature does not verify") from None
    used = uow.connection.execute(
        update(C)
        .where(C.c.challenge == challenge, C.c.kid == kid, C.c.used.is_(False), C.c.expires >= now)
        .values(used=True)
    )
    if used.rowcount != 1:
        raise AuthenticationError("this challenge is unknown, used or expired")
    payload = json.dumps({"exp": now + TOKEN_TTL, "kid": kid}, separators=(",", ":")).encode()
    signature = uow.ledger.key.sign(_token_message(payload))
    return Token(f"{b64url_encode(payload)}.{b64url_encode(signature)}", TOKEN_TTL)


def authenticate(uow: LedgerUnitOfWork, *, token: str, now: int) -> Key:
    """The active device key a bearer token was given to."""
    try:
        encoded_payload, encoded_sig = token.split(".")
        payload = b64url_decode(encoded_payload)
        verify(uow.ledger.key.public_bytes, _token_message(payload), b64url_decode(encoded_sig))
        claims = json.loads(payload)
        kid, expires = claims["kid"], claims["exp"]
    except (ValueError, KeyError, TypeError, SouError):
        raise AuthenticationError("the bearer token is not valid") from None
    if not isinstance(expires, int) or expires < now or not isinstance(kid, str):
        raise AuthenticationError("the bearer token has expired")
    return _active_key(uow, kid)
