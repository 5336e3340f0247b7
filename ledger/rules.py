"""The rules of the ledger: who may sign what, and which legs each record posts.

`apply_record` is the single place where a signed record is judged against the state and,
if accepted, changes it. The server runs it on the part of the state a batch refers to; the
offline verifier runs it on the whole replayed state. It checks what all records share (the
ledger, the unit, idempotency, the signer's key, the validity window), then calls the rules
of the record's type (`ledger.domain`, one module per type, found in its registry), and
posts the legs those return. Each refusal is its own error class, and a refused record
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.accounts import BACKING_KINDS, Applied, Key
from ledger.domain.enums import AccountKind, AccountStatus, KeyStatus
from ledger.domain.kind import Effects, Operation, OperationKind, References
from ledger.domain.registry import KINDS, LEDGER_SIGNED
from ledger.errors import (
    AccountNotOpen,
    CurrencyMismatch,
    DuplicateConflict,
    ExpiredRecord,
    InsufficientFunds,
    InvalidTransfer,
    InvariantViolation,
    NotAuthorized,
    RevokedKey,
    UnknownKey,
    WrongLedger,
)
from ledger.records import SignedRecord
from ledger.state import LedgerState

CLOCK_SKEW = 60  # seconds a record's `created` may be ahead of the server's clock


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The record is already in the log at `index`: a retry, whose outcome is the original."""

    index: int
    record_id: str


def references(sr: SignedRecord) -> References:
    """What `sr` refers to: its signer's key, its idempotency key, and what its type names."""
    body = sr.body
    refs = References(kids={body.kid})
    if isinstance(body, Operation):
        refs.nonces.add((body.kid, body.nonce))
    KINDS[sr.type].references(body, refs)
    return refs


def signer_public_key(state: LedgerState, sr: SignedRecord) -> bytes:
    """The public key that must have signed `sr` (whether or not it may: see the rules)."""
    if sr.type in LEDGER_SIGNED:
        if sr.kid != state.ledger_kid:
            raise NotAuthorized(f"{sr.type} records are signed by the ledger key")
        return state.ledger_key
    key = state.keys.get(sr.kid)
    if key is None:
        raise UnknownKey(f"no key {sr.kid} is enrolled", kid=sr.kid)
    return key.public_key


def apply_record(state: LedgerState, sr: SignedRecord, *, now: int | None) -> Applied | Duplicate:
    """Judges `sr` (whose signature the caller verified) and applies it to `state`.

    `now` is the server's clock in Unix seconds; the offline replay passes None, having no
    clock to compare with. Raises a `LedgerError` and leaves `state` untouched on refusal.
    """
    body = sr.body
    kind = KINDS[sr.type]
    if body.ledger != state.host:
        raise WrongLedger(f"this is ledger {state.host}, not {body.ledger}")
    record_id = sr.id
    # Idempotency keys of client-signed operations; the ledger's own records carry a nonce
    # only so that two identical changes (freeze, reopen, freeze) are distinct records.
    nonce_key = None
    expires = 0
    if isinstance(body, Operation):
        if body.currency != state.currency:
            raise CurrencyMismatch(f"this ledger's unit is {state.currency}, not {body.currency}")
        nonce_key, expires = (body.kid, body.nonce), body.expires
        seen = state.nonces.get(nonce_key)
        if seen is not None:
            if seen[0] == record_id:
                return Duplicate(seen[2], record_id)
            raise DuplicateConflict("this key already used this nonce for another record")
    if kind.earlier is not None:
        index = kind.earlier(state, body, record_id)
        if index is not None:
            return Duplicate(index, record_id)
    applied = Applied(index=state.size, record_id=record_id)
    effects: Effects = []
    if isinstance(kind, OperationKind):
        key = _active_key(state, body.kid)
        if (
            isinstance(body, Operation)
            and now is not None
            and not body.created - CLOCK_SKEW <= now <= body.expires
        ):
            raise ExpiredRecord("the record is expired or not yet valid")
        kind.apply(state, body, applied, effects, key, now)
    else:
        kind.apply(state, body, applied, effects)
    _post(state, applied)
    for effect in effects:
        effect()
    if nonce_key is not None:
        state.nonces[nonce_key] = (record_id, expires, applied.index)
    state.size += 1
    return applied


def _active_key(state: LedgerState, kid: str) -> Key:
    key = state.keys.get(kid)
    if key is None:
        raise UnknownKey(f"no key {kid} is enrolled", kid=kid)
    if key.status != KeyStatus.ACTIVE:
        raise RevokedKey(f"key {kid} was revoked", kid=kid)
    return key


def _post(state: LedgerState, applied: Applied) -> None:
    """Checks and posts the legs as one group: all or nothing, in order."""
    accounts = state.accounts
    is_open, issuance = AccountStatus.OPEN, AccountKind.ISSUANCE  # once, not once per leg
    pending: dict[int, int] = {}
    delta_circulation = 0
    delta_backing = 0
    for leg in applied.legs:
        debit, credit = accounts[leg.debit], accounts[leg.credit]
        if debit.unit != leg.unit or credit.unit != leg.unit or debit is credit:
            raise InvalidTransfer("a leg must join two accounts of the same unit")
        for account in (debit, credit):
            if account.status != is_open:
                raise AccountNotOpen(f"account {account.number} is {account.status}")
        if debit.no_overdraft:
            after = debit.balance + pending.get(leg.debit, 0) - leg.amount
            if after < 0:
                raise InsufficientFunds(
                    f"account {leg.debit} lacks {-after} cents",
                    account=str(leg.debit),
                    missing=-after,
                    currency=leg.unit,
                )
        pending[leg.debit] = pending.get(leg.debit, 0) - leg.amount
        pending[leg.credit] = pending.get(leg.credit, 0) + leg.amount
        if debit.kind == issuance:
            delta_circulation += leg.amount
        if credit.kind == issuance:
            delta_circulation -= leg.amount
        if debit.kind in BACKING_KINDS:
            delta_backing -= leg.amount
        if credit.kind in BACKING_KINDS:
            delta_backing += leg.amount
    if delta_circulation != delta_backing:
        raise InvariantViolation("the euros backing the units would not equal circulation")
    for leg in applied.legs:
        accounts[leg.debit].debits += leg.amount
        accounts[leg.credit].credits += leg.amount
