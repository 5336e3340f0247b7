"""`ledger_key`: a rotation of the ledger key (FORMATS.md §4), signed by the key in force and
naming the next one, with that key's signature of `rotation_message` to show it is held."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import Applied
from ledger.domain.enums import RecordType
from ledger.domain.fields import COMMON, HEX32, KID, NONCE, SIGNATURE, TIME
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, LedgerKind, Record, no_references
from ledger.domain.timestamps import parse_time
from ledger.errors import InvalidReference, InvalidSignature, NotAuthorized
from ledger.signing import b64url_decode, check_public_key, kid_of, verify
from ledger.state import LedgerState

SCHEMA = {
    **COMMON,
    "ledger_key": HEX32,
    "proof": SIGNATURE,
    "nonce": NONCE,
    "kid": KID,
    "created": TIME,
}


@frozen
class LedgerKeyRotation(Record):
    ledger_key: bytes  # the next key
    proof: str  # its signature of `rotation_message`, base64url (decoded when judged)
    nonce: str
    created: int

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> LedgerKeyRotation:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            ledger_key=bytes.fromhex(r["ledger_key"]),
            proof=r["proof"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
        )


def rotation_message(host: str, old_kid: str, new_key: bytes) -> bytes:
    """What the next ledger key signs, in a `ledger_key` record, to show it is held."""
    return f"SOU-LEDGER-KEY-ROTATION-V1\n{host}\n{old_kid}\n{new_key.hex()}".encode("ascii")


def apply(state: LedgerState, k: LedgerKeyRotation, applied: Applied, effects: Effects) -> None:
    """The key in force (which signed the record) hands over to the key the record names."""
    new_key = k.ledger_key
    check_public_key(new_key)
    if new_key == state.ledger_key:
        raise InvalidReference("a rotation names a new ledger key, not the one in force")
    try:
        verify(
            new_key,
            rotation_message(state.host, state.ledger_kid, new_key),
            b64url_decode(k.proof),
        )
    except InvalidSignature:
        raise NotAuthorized("the rotation's proof is not signed by the new ledger key") from None

    def hand_over() -> None:
        state.ledger_key, state.ledger_kid = new_key, kid_of(new_key)

    effects.append(hand_over)


KIND = LedgerKind(
    type=RecordType.LEDGER_KEY,
    schema=SCHEMA,
    parse=LedgerKeyRotation.parse,
    references=no_references,
    apply=apply,
)
