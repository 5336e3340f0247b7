"""Posting signed records to the ledger: the write path every operation goes through.

`post_records` takes a batch (group commit): it verifies every signature before taking any
lock, locks the accounts the batch touches and then the log head, judges each record in
order with `ledger.rules`, and appends the accepted ones in the caller's transaction. A
refused record is reported in its place and leaves nothing behind; a retry of a record
already in the log returns the original entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.context import Ledger, LedgerUnitOfWork
from ledger.domain.enums import RecordType
from ledger.domain.kind import Operation, References
from ledger.domain.registry import LEDGER_SIGNED
from ledger.errors import (
    AccountQuarantined,
    LogUnverifiable,
    MalformedRecord,
    SouError,
    UnknownKey,
)
from ledger.receipts import Receipt, make_receipt
from ledger.records import SignedRecord, parse_envelope
from ledger.rules import Duplicate, apply_record, references
from ledger.signing import SigningKey, verify
from ledger.state import LedgerState


@dataclass(frozen=True, slots=True)
class Posted:
    """A record in the log: just accepted, or found there already (a retry)."""

    record: SignedRecord
    index: int
    accepted: int
    retry: bool = False

    def receipt(self, key: SigningKey) -> Receipt:
        """The receipt the ledger (`key`) gives for this transfer: the same for every retry."""
        if self.record.type != RecordType.TRANSFER:
            raise MalformedRecord("only transfers have receipts")
        return make_receipt(
            self.record.record,
            transfer_id=self.record.id,
            entry=self.index,
            accepted=self.accepted,
            key=key,
        )


Outcome = Posted | SouError


def verify_signatures(ledger: Ledger, records: Sequence[SignedRecord]) -> dict[int, bytes]:
    """Verifies, before the write lock, the signatures of `records`; returns the public key
    that verified each good one, by its place in `records`.

    For `post_records(verified=…)`: a group of writers verifies outside the database's write
    lock (SQLite has one for the whole database) what `post_records` would verify inside it.
    Keys this process has not seen yet are read first, without the write lock. The others
    (unknown key, bad signature) are left to `post_records` to judge.
    """
    unseen = {
        sr.kid
        for sr in records
        if sr.type not in LEDGER_SIGNED and ledger.known_public_key(sr.kid) is None
    }
    if unseen:
        with ledger.unit_of_work(write=False) as uow:
            ledger.public_keys(uow.store, unseen)
    return verify_known_signatures(ledger, records)


def verify_known_signatures(ledger: Ledger, records: Sequence[SignedRecord]) -> dict[int, bytes]:
    """`verify_signatures` for the keys this process already knows (no database read)."""
    good: dict[int, bytes] = {}
    for i, sr in enumerate(records):
        if sr.type in LEDGER_SIGNED:
            key = ledger.key.public_bytes if sr.kid == ledger.key.kid else None
        else:
            key = ledger.known_public_key(sr.kid)
        if key is None:
            continue
        try:
            verify(key, sr.signed, sr.sig)
        except SouError:
            continue
        good[i] = key
    return good


def post_records(
    uow: LedgerUnitOfWork,
    *,
    records: Sequence[SignedRecord],
    now: int | None = None,
    verified: Mapping[int, bytes] | None = None,
) -> list[Outcome]:
    """Posts a batch; the outcome of each record in its place. The caller commits.

    `verified` are the records (by place) whose signature the caller verified, with the
    public key that did (`verify_known_signatures`): they are not verified again, and the
    key read under the locks must be that one.
    """
    verified = verified or {}
    ledger, store = uow.ledger, uow.store
    if ledger.integrity.log is not None:
        raise LogUnverifiable(f"writes are stopped: {ledger.integrity.log}")
    now = ledger.clock() if now is None else now
    outcomes: list[Outcome | None] = [None] * len(records)
    # A retry of a client-signed operation is found under the locks by its nonce; other
    # records (the ledger's own, with no expiry) are looked up by id here.
    existing = store.entries_by_id(sr.id for sr in records if not isinstance(sr.body, Operation))
    public_keys = ledger.public_keys(
        store, (sr.kid for sr in records if sr.type not in LEDGER_SIGNED)
    )
    checked: dict[int, bytes] = {}
    todo: list[int] = []
    for i, sr in enumerate(records):
        try:
            if sr.type in LEDGER_SIGNED:
                if sr.kid != ledger.key.kid:
                    raise UnknownKey("this record must be signed by the ledger key")
                public_key = ledger.key.public_bytes
            elif sr.kid in public_keys:
                public_key = public_keys[sr.kid]
            else:
                raise UnknownKey(f"no key {sr.kid} is enrolled", kid=sr.kid)
            found = existing.get(sr.id)
            if (found is None or found.sig != sr.sig) and verified.get(i) != public_key:
                verify(public_key, sr.signed, sr.sig)
            if found is not None:
                outcomes[i] = Posted(sr, found.index, found.accepted, retry=True)
                continue
        except SouError as error:
            outcomes[i] = error
            continue
        checked[i] = public_key
        todo.append(i)
    if todo:
        refs = References()
        for i in todo:
            refs.update(references(records[i]))
        has_open = any(records[i].type == RecordType.ACCOUNT for i in todo)
        system = None if has_open else ledger.system_accounts_cache(refs.system)
        state = store.load_state(
            ledger.empty_state(), refs, seal_key=ledger.seal_key, system=system
        )
        if not has_open:
            ledger.remember_system_accounts(state.system)
        if state.quarantined:
            _raise_alarm(uow, state)
        size_before = state.size
        known_accounts = set(state.accounts)
        accepted = []
        retried: dict[int, Duplicate] = {}
        for i in todo:
            try:
                signer = state.keys.get(records[i].kid)
                if signer is not None and signer.public_key != checked[i]:
                    raise UnknownKey("the key read under lock is not the one that verified")
                if state.quarantined:
                    _refuse_quarantined(state, records[i])
                result = apply_record(state, records[i], now=now)
            except SouError as error:
                outcomes[i] = error
                continue
            if isinstance(result, Duplicate):
                retried[i] = result
            else:
                accepted.append((records[i], result))
                outcomes[i] = Posted(records[i], result.index, now)
        if accepted:
            new_accounts = {a.number for _, ap in accepted for a in ap.accounts} - known_accounts
            store.append(
                state,
                accepted,
                now=now,
                size_before=size_before,
                new_accounts=new_accounts,
                seal_key=ledger.seal_key,
            )
        if retried:
            earlier = store.entries_by_id(d.record_id for d in retried.values())
            for i, duplicate in retried.items():
                if duplicate.record_id in earlier:
                    found = earlier[duplicate.record_id]
                    outcomes[i] = Posted(records[i], found.index, found.accepted, retry=True)
                else:  # the same record twice in this batch
                    first = next(
                        o
                        for o in outcomes
                        if isinstance(o, Posted) and o.record.id == duplicate.record_id
                    )
                    outcomes[i] = Posted(records[i], first.index, first.accepted, retry=True)
    return [o for o in outcomes if o is not None]


def _raise_alarm(uow: LedgerUnitOfWork, state: LedgerState) -> None:
    """Records the accounts whose seals fail; if an account's latest entry is not the leaf the
    stored tree holds, the log itself is damaged and this process stops writing."""
    integrity = uow.ledger.integrity
    for number, why in state.quarantined.items():
        integrity.account_failed(number, why)
        last = state.accounts[number].last_entry
        if last is not None and not uow.store.leaf_in_tree(last, state.size):
            integrity.log_failed(f"entry {last} is not the leaf the stored tree holds")
    if integrity.log is not None:
        raise LogUnverifiable(f"writes are stopped: {integrity.log}")


def _refuse_quarantined(state: LedgerState, sr: SignedRecord) -> None:
    refs = references(sr)
    for number in refs.accounts | {state.system.get(n) for n in refs.system}:
        if number in state.quarantined:
            raise AccountQuarantined(
                f"account {number} is quarantined: {state.quarantined[number]}",
                account=str(number),
            )


def post_record(uow: LedgerUnitOfWork, *, record: SignedRecord, now: int | None = None) -> Posted:
    """Posts one record; raises its refusal."""
    (outcome,) = post_records(uow, records=[record], now=now)
    if isinstance(outcome, SouError):
        raise outcome
    return outcome


def post_transfer(
    uow: LedgerUnitOfWork, *, envelope: Mapping[str, Any], now: int | None = None
) -> Posted:
    """A payment or refund from its signed envelope."""
    record = parse_envelope(dict(envelope))
    if record.type != RecordType.TRANSFER:
        raise MalformedRecord("this is not a transfer record")
    return post_record(uow, record=record, now=now)
