"""`key`: the ledger enrols a device's or an operator's key on an account, or revokes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import Applied, Key
from ledger.domain.common import account
from ledger.domain.enums import AccountStatus, KeyAction, KeyStatus, RecordType, Role
from ledger.domain.fields import (
    ACCOUNT,
    COMMON,
    HEX32,
    KID,
    MAX_AMOUNT,
    NONCE,
    TIME,
    choice,
    integer,
    optional,
)
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, LedgerKind, Record, References
from ledger.domain.timestamps import parse_time
from ledger.errors import (
    AccountNotOpen,
    DuplicateConflict,
    MalformedRecord,
    RevokedKey,
    UnknownKey,
)
from ledger.money import Cents
from ledger.signing import check_public_key, kid_of
from ledger.state import LedgerState

SCHEMA = {
    **COMMON,
    "action": choice(*KeyAction),
    "subject": KID,
    "public_key": optional(HEX32),
    "account": optional(ACCOUNT),
    "role": optional(choice(*Role)),
    "refund_limit": optional(integer(0, MAX_AMOUNT)),
    "issued_by": optional(KID),
    "nonce": NONCE,
    "kid": KID,
    "created": TIME,
}


@frozen
class KeyRecord(Record):
    action: KeyAction
    subject: str  # the key id enrolled or revoked
    public_key: bytes | None
    account: int | None
    role: Role | None
    refund_limit: Cents | None  # a cashier's refunds a day
    issued_by: str | None
    nonce: str
    created: int

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> KeyRecord:
        public_key, number, role = r["public_key"], r["account"], r["role"]
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            action=KeyAction(r["action"]),
            subject=r["subject"],
            public_key=None if public_key is None else bytes.fromhex(public_key),
            account=None if number is None else int(number),
            role=None if role is None else Role(role),
            refund_limit=r["refund_limit"],
            issued_by=r["issued_by"],
            nonce=r["nonce"],
            created=parse_time(r["created"]),
        )


def references(k: KeyRecord, refs: References) -> None:
    refs.kids.add(k.subject)
    if k.account is not None:
        refs.accounts.add(k.account)


def apply(state: LedgerState, k: KeyRecord, applied: Applied, effects: Effects) -> None:
    subject = k.subject
    existing = state.keys.get(subject)
    if k.action == KeyAction.ENROL:
        if k.public_key is None or k.role is None or k.account is None:
            raise MalformedRecord("an enrolment names the public key, its role and account")
        check_public_key(k.public_key)
        if kid_of(k.public_key) != subject:
            raise MalformedRecord("subject is not the key id of the public key")
        if existing is not None or subject == state.ledger_kid:
            raise DuplicateConflict(f"key id {subject} is already enrolled")
        holder = account(state, k.account)
        if holder.status != AccountStatus.OPEN:
            raise AccountNotOpen(f"account {holder.number} is {holder.status}")
        key = Key(
            kid=subject,
            public_key=k.public_key,
            account=holder.number,
            role=k.role,
            refund_limit=k.refund_limit,
            issued_by=k.issued_by,
        )
        state.keys[subject] = key
    else:
        if any(f is not None for f in (k.public_key, k.account, k.role, k.refund_limit)):
            raise MalformedRecord("a revocation names only the key")
        if existing is None:
            raise UnknownKey(f"no key {subject} is enrolled", kid=subject)
        if existing.status != KeyStatus.ACTIVE:
            raise RevokedKey(f"key {subject} is already revoked", kid=subject)
        existing.status = KeyStatus.REVOKED
        key = existing
    applied.keys.append(key)


KIND = LedgerKind(
    type=RecordType.KEY,
    schema=SCHEMA,
    parse=KeyRecord.parse,
    references=references,
    apply=apply,
)
