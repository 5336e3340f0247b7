"""The rules of the ledger: who may sign what, and which legs each record posts.

`apply_record` is the single place where a signed record is judged against the state and,
if accepted, changes it. The server runs it on the part of the state a batch refers to; the
offline verifier runs it on the whole replayed state. Each refusal is its own error class,
and a refused record changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.accounts import (
    BACKING_KINDS,
    EUR,
    Account,
    Applied,
    Key,
    Leg,
    Payment,
)
from ledger.errors import (
    AccountNotOpen,
    CurrencyMismatch,
    DayAlreadyClosed,
    DuplicateConflict,
    ExpiredRecord,
    InsufficientFunds,
    InvalidDay,
    InvalidReference,
    InvalidSignature,
    InvalidTransfer,
    InvariantViolation,
    MalformedRecord,
    NotAuthorized,
    PaymentRequestError,
    RefundLimitExceeded,
    RevokedKey,
    UnknownAccount,
    UnknownKey,
    WrongLedger,
)
from ledger.records import SignedRecord, ledger_date, parse_time
from ledger.signing import b64url_decode, check_public_key, kid_of, verify
from ledger.state import LedgerState

CLOCK_SKEW = 60  # seconds a record's `created` may be ahead of the server's clock
MAX_FEE_BASIS_POINTS = 500  # reconversion fee at most 5 %
LEDGER_SIGNED = frozenset({"genesis", "ledger_key", "account", "key"})
OPERATOR_ROLES = {
    "conversion": ("agent", "treasurer"),
    "paper_issue": ("agent",),
    "paper_exchange": ("agent",),
    "deposit": ("agent",),
    "reconversion": ("merchant",),
    "payout": ("treasurer",),
}
PAYING_ROLES = frozenset({"resident", "merchant", "treasurer"})
Effects = list[Callable[[], None]]  # changes to make once the legs are known to post


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The record is already in the log at `index`: a retry, whose outcome is the original."""

    index: int
    record_id: str


@dataclass(slots=True)
class References:
    """What a record refers to, so that storage can load (and lock) exactly that."""

    accounts: set[int] = field(default_factory=set)
    system: set[str] = field(default_factory=set)
    kids: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    payreqs: set[str] = field(default_factory=set)
    nonces: set[tuple[str, str]] = field(default_factory=set)
    days: set[tuple[int, str]] = field(default_factory=set)
    refund_days: set[tuple[str, str]] = field(default_factory=set)  # (kid, ledger date)

    def update(self, other: References) -> None:
        self.accounts |= other.accounts
        self.system |= other.system
        self.kids |= other.kids
        self.ids |= other.ids
        self.payreqs |= other.payreqs
        self.nonces |= other.nonces
        self.days |= other.days
        self.refund_days |= other.refund_days


def references(sr: SignedRecord) -> References:
    r = sr.record
    refs = References(kids={sr.kid})
    if "expires" in r:
        refs.nonces.add((sr.kid, r["nonce"]))
    for name in ("from", "to", "number", "account", "office"):
        if r.get(name) is not None:
            refs.accounts.add(int(r[name]))
    if sr.type == "key":
        refs.kids.add(r["subject"])
    elif sr.type == "transfer":
        if r["ref"] is not None:
            refs.ids.add(r["ref"])
            refs.refund_days.add((sr.kid, ledger_date(parse_time(r["created"]))))
        if r["payreq"] is not None:
            refs.payreqs.add(r["payreq"])
    elif sr.type == "day":
        refs.days.add((int(r["account"]), r["date"]))
    elif sr.type == "payout":
        refs.ids.add(r["reconversion"])
        refs.system.update(("payouts", "world"))
    elif sr.type == "conversion":
        refs.system.update(("world", "issuance", "reserve:digital"))
    elif sr.type == "paper_issue":
        refs.system.update(("world", "issuance", "paper"))
    elif sr.type == "paper_exchange":
        refs.system.update(("paper", "reserve:paper", "reserve:digital"))
    elif sr.type == "deposit":
        refs.system.update(("reserve:digital", "reserve:paper"))
    elif sr.type == "reconversion":
        refs.system.update(("issuance", "reserve:digital", "payouts", "association"))
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
    r = sr.record
    if r["ledger"] != state.host:
        raise WrongLedger(f"this is ledger {state.host}, not {r['ledger']}")
    if "currency" in r and r["currency"] != state.currency:
        raise CurrencyMismatch(f"this ledger's unit is {state.currency}, not {r['currency']}")
    record_id = sr.id
    # Idempotency keys of client-signed operations; the ledger's own records carry a nonce
    # only so that two identical changes (freeze, reopen, freeze) are distinct records.
    nonce_key = (sr.kid, r["nonce"]) if "expires" in r else None
    if nonce_key is not None:
        seen = state.nonces.get(nonce_key)
        if seen is not None:
            if seen[0] == record_id:
                return Duplicate(seen[2], record_id)
            raise DuplicateConflict("this key already used this nonce for another record")
    if sr.type == "day":
        closed = state.closed_days.get((int(r["account"]), r["date"]))
        if closed is not None:
            if closed[0] == record_id:
                return Duplicate(closed[1], record_id)
            raise DayAlreadyClosed(f"{r['date']} is already closed", account=r["account"])
    if sr.type not in LEDGER_SIGNED:
        key = _active_key(state, sr.kid)
        if "expires" in r:
            expires = parse_time(r["expires"])
            if now is not None and not parse_time(r["created"]) - CLOCK_SKEW <= now <= expires:
                raise ExpiredRecord("the record is expired or not yet valid")
    applied = Applied(index=state.size, record_id=record_id)
    effects: list[Callable[[], None]] = []
    if sr.type in LEDGER_SIGNED:
        _LEDGER_HANDLERS[sr.type](state, sr, applied, effects)
    else:
        _OPERATION_HANDLERS[sr.type](state, sr, applied, effects, key, now)
    _post(state, applied)
    for effect in effects:
        effect()
    if nonce_key is not None:
        state.nonces[nonce_key] = (record_id, parse_time(r["expires"]), applied.index)
    state.size += 1
    return applied


# --- helpers ---------------------------------------------------------------------------------


def _active_key(state: LedgerState, kid: str) -> Key:
    key = state.keys.get(kid)
    if key is None:
        raise UnknownKey(f"no key {kid} is enrolled", kid=kid)
    if key.status != "active":
        raise RevokedKey(f"key {kid} was revoked", kid=kid)
    return key


def _account(state: LedgerState, number: str | int) -> Account:
    account = state.accounts.get(int(number))
    if account is None:
        raise UnknownAccount(f"no account {number}", account=str(number))
    return account


def _system(state: LedgerState, name: str) -> Account:
    account = state.system_account(name)
    if account is None:
        raise UnknownAccount(f"the system account {name} does not exist", account=name)
    return account


def _office(state: LedgerState, office: str) -> Account:
    account = _account(state, office)
    if account.kind != "office_cash":
        raise InvalidTransfer(f"account {office} is not an exchange office")
    return account


def _holder(state: LedgerState, number: str) -> Account:
    account = _account(state, number)
    if not account.is_holder or account.unit != state.currency:
        raise InvalidTransfer(f"account {number} does not hold {state.currency}")
    return account


def _authorise(key: Key, roles: tuple[str, ...] | frozenset[str], account: int | None) -> None:
    if key.role not in roles:
        raise NotAuthorized(f"a {key.role} key may not sign this")
    if account is not None and key.account != account:
        raise NotAuthorized(f"key {key.kid} may not act for account {account}")


def _post(state: LedgerState, applied: Applied) -> None:
    """Checks and posts the legs as one group: all or nothing, in order."""
    accounts = state.accounts
    pending: dict[int, int] = {}
    delta_circulation = 0
    delta_backing = 0
    for leg in applied.legs:
        debit, credit = accounts[leg.debit], accounts[leg.credit]
        if debit.unit != leg.unit or credit.unit != leg.unit or debit is credit:
            raise InvalidTransfer("a leg must join two accounts of the same unit")
        for account in (debit, credit):
            if account.status != "open":
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
        if debit.kind == "issuance":
            delta_circulation += leg.amount
        if credit.kind == "issuance":
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


# --- ledger-signed records -------------------------------------------------------------------


def _genesis(state: LedgerState, sr: SignedRecord, applied: Applied, effects: Effects) -> None:
    r = sr.record
    if state.size != 0:
        raise InvalidReference("genesis must be the first entry")
    if bytes.fromhex(r["ledger_key"]) != state.ledger_key:
        raise NotAuthorized("genesis names another ledger key")


def rotation_message(host: str, old_kid: str, new_key: bytes) -> bytes:
    """What the next ledger key signs, in a `ledger_key` record, to show it is held."""
    return f"SOU-LEDGER-KEY-ROTATION-V1\n{host}\n{old_kid}\n{new_key.hex()}".encode("ascii")


def _ledger_key_rotation(
    state: LedgerState, sr: SignedRecord, applied: Applied, effects: Effects
) -> None:
    """The key in force (which signed `sr`) hands over to the key the record names."""
    r = sr.record
    new_key = bytes.fromhex(r["ledger_key"])
    check_public_key(new_key)
    if new_key == state.ledger_key:
        raise InvalidReference("a rotation names a new ledger key, not the one in force")
    try:
        verify(
            new_key,
            rotation_message(state.host, state.ledger_kid, new_key),
            b64url_decode(r["proof"]),
        )
    except InvalidSignature:
        raise NotAuthorized("the rotation's proof is not signed by the new ledger key") from None

    def hand_over() -> None:
        state.ledger_key, state.ledger_kid = new_key, kid_of(new_key)

    effects.append(hand_over)


def _account_record(
    state: LedgerState, sr: SignedRecord, applied: Applied, effects: Effects
) -> None:
    r = sr.record
    number = int(r["number"])
    existing = state.accounts.get(number)
    if r["unit"] not in (state.currency, EUR):
        raise CurrencyMismatch(f"an account holds {state.currency} or EUR, not {r['unit']}")
    if existing is None:
        if r["status"] != "open":
            raise UnknownAccount(f"account {number} must be opened first")
        if r["name"] is not None and r["name"] in state.system:
            raise InvalidReference(f"the system account {r['name']} already exists")
        account = Account(
            number=number,
            unit=r["unit"],
            kind=r["kind"],
            no_overdraft=r["flags"] == "no_overdraft",
            name=r["name"],
        )
        if account.is_holder and (not account.no_overdraft or account.name is not None):
            raise MalformedRecord("a holder account has no name and may not be overdrawn")
        state.add_account(account)
    else:
        same = (existing.unit, existing.kind, existing.no_overdraft, existing.name)
        if same != (r["unit"], r["kind"], r["flags"] == "no_overdraft", r["name"]):
            raise InvalidReference(f"account {number} exists with other attributes")
        if existing.status == "closed" or existing.status == r["status"]:
            raise AccountNotOpen(f"account {number} is already {existing.status}")
        if r["status"] == "closed" and existing.balance != 0:
            raise InvalidTransfer(f"account {number} still holds {existing.balance} cents")
        existing.status = r["status"]
        account = existing
    applied.accounts.append(account)


def _key_record(state: LedgerState, sr: SignedRecord, applied: Applied, effects: Effects) -> None:
    r = sr.record
    subject = r["subject"]
    existing = state.keys.get(subject)
    if r["action"] == "enrol":
        if r["public_key"] is None or r["role"] is None or r["account"] is None:
            raise MalformedRecord("an enrolment names the public key, its role and account")
        public_key = bytes.fromhex(r["public_key"])
        check_public_key(public_key)
        if kid_of(public_key) != subject:
            raise MalformedRecord("subject is not the key id of the public key")
        if existing is not None or subject == state.ledger_kid:
            raise DuplicateConflict(f"key id {subject} is already enrolled")
        account = _account(state, r["account"])
        if account.status != "open":
            raise AccountNotOpen(f"account {account.number} is {account.status}")
        key = Key(
            kid=subject,
            public_key=public_key,
            account=account.number,
            role=r["role"],
            refund_limit=r["refund_limit"],
            issued_by=r["issued_by"],
        )
        state.keys[subject] = key
    else:
        if any(r[f] is not None for f in ("public_key", "account", "role", "refund_limit")):
            raise MalformedRecord("a revocation names only the key")
        if existing is None:
            raise UnknownKey(f"no key {subject} is enrolled", kid=subject)
        if existing.status != "active":
            raise RevokedKey(f"key {subject} is already revoked", kid=subject)
        existing.status = "revoked"
        key = existing
    applied.keys.append(key)


# --- operations signed by device and operator keys -------------------------------------------


def _transfer(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    r = sr.record
    payer, payee = _holder(state, r["from"]), _holder(state, r["to"])
    if payer is payee:
        raise InvalidTransfer("an account cannot pay itself")
    amount: int = r["amount"]
    if r["ref"] is not None:
        _authorise(key, (*PAYING_ROLES, "cashier"), payer.number)
        if key.role == "cashier":
            _within_refund_limit(state, key, sr, amount, effects)
        if r["payreq"] is not None:
            raise InvalidReference("a refund does not pay a payment request")
        paid = state.payments.get(r["ref"])
        if paid is None or paid.type != "transfer":
            raise InvalidReference("the refunded payment is not in the ledger")
        if (paid.debit, paid.credit) != (payee.number, payer.number):
            raise InvalidReference("a refund goes back from the payee to the payer")
        if paid.settled + amount > paid.amount:
            raise InvalidReference("refunds would exceed the payment")
        effects.append(lambda: setattr(paid, "settled", paid.settled + amount))
        applied.ref_index = paid.index
    else:
        _authorise(key, PAYING_ROLES, payer.number)
    payreq = r["payreq"]
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
        effects.append(lambda: state.paid_requests.__setitem__(payreq, parse_time(r["expires"])))
        applied.payreq = payreq
    applied.legs.append(Leg(state.currency, payer.number, payee.number, amount))
    payment = Payment(applied.index, "transfer", payer.number, payee.number, amount)
    effects.append(lambda: state.remember_payment(applied.record_id, payment))


def _within_refund_limit(
    state: LedgerState, key: Key, sr: SignedRecord, amount: int, effects: Effects
) -> None:
    """A cashier's refunds of one day (the ledger's date of their `created`), this one
    included, stay within its limit."""
    day = (key.kid, ledger_date(parse_time(sr.record["created"])))
    refunded = state.refunded.get(day, 0)
    limit = key.refund_limit or 0
    if refunded + amount > limit:
        raise RefundLimitExceeded(
            f"this cashier may refund {limit} cents a day and has refunded {refunded} today",
            limit=limit,
            refunded=refunded,
        )
    effects.append(lambda: state.refunded.__setitem__(day, state.refunded.get(day, 0) + amount))


def _operator(key: Key, sr: SignedRecord) -> None:
    office = sr.record.get("office")
    _authorise(key, OPERATOR_ROLES[sr.type], None)
    if key.role == "agent" and (office is None or key.account != int(office)):
        raise NotAuthorized(f"key {key.kid} is not an agent of office {office}")


def _conversion(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    r = sr.record
    _operator(key, sr)
    if r["method"] == "cash":
        if key.role != "agent":
            raise NotAuthorized("cash is taken in by an office agent")
        received = _office(state, r["office"])
    else:
        if key.role != "treasurer" or r["office"] is not None:
            raise NotAuthorized("bank conversions are recorded by the treasurer, with no office")
        received = _system(state, "reserve:digital")
    to = _holder(state, r["to"])
    amount = r["amount"]
    applied.legs += [
        Leg(EUR, _system(state, "world").number, received.number, amount),
        Leg(state.currency, _system(state, "issuance").number, to.number, amount),
    ]


def _paper_issue(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    r = sr.record
    _operator(key, sr)
    office, amount = _office(state, r["office"]), r["amount"]
    applied.legs += [
        Leg(EUR, _system(state, "world").number, office.number, amount),
        Leg(
            state.currency,
            _system(state, "issuance").number,
            _system(state, "paper").number,
            amount,
        ),
    ]


def _paper_exchange(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    r = sr.record
    _operator(key, sr)
    _office(state, r["office"])
    to, amount = _holder(state, r["to"]), r["amount"]
    applied.legs += [
        Leg(state.currency, _system(state, "paper").number, to.number, amount),
        Leg(
            EUR,
            _system(state, "reserve:paper").number,
            _system(state, "reserve:digital").number,
            amount,
        ),
    ]


def _deposit(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    r = sr.record
    _operator(key, sr)
    office = _office(state, r["office"])
    reserve = _system(state, f"reserve:{r['reserve']}")
    applied.legs.append(Leg(EUR, office.number, reserve.number, r["amount"]))


def _reconversion(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    r = sr.record
    merchant = _holder(state, r["from"])
    _authorise(key, OPERATOR_ROLES["reconversion"], merchant.number)
    if merchant.kind != "merchant":
        raise NotAuthorized("only merchants reconvert units to euros")
    amount, fee = r["amount"], r["fee"]
    if fee * 10_000 > amount * MAX_FEE_BASIS_POINTS:
        raise InvalidTransfer("the reconversion fee is above 5 %")
    reserve = _system(state, "reserve:digital").number
    applied.legs += [
        Leg(state.currency, merchant.number, _system(state, "issuance").number, amount),
        Leg(EUR, reserve, _system(state, "payouts").number, amount - fee),
    ]
    if fee:
        applied.legs.append(Leg(EUR, reserve, _system(state, "association").number, fee))
    payment = Payment(applied.index, "reconversion", merchant.number, 0, amount, fee=fee)
    effects.append(lambda: state.remember_payment(applied.record_id, payment))


def _payout(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    r = sr.record
    _operator(key, sr)
    reconversion = state.payments.get(r["reconversion"])
    if reconversion is None or reconversion.type != "reconversion":
        raise InvalidReference("the paid reconversion is not in the ledger")
    if reconversion.settled:
        raise InvalidReference("this reconversion is already paid out")
    if r["amount"] != reconversion.amount - reconversion.fee:
        raise InvalidReference("a payout pays the reconversion's net amount")
    effects.append(lambda: setattr(reconversion, "settled", 1))
    applied.ref_index = reconversion.index
    applied.legs.append(
        Leg(EUR, _system(state, "payouts").number, _system(state, "world").number, r["amount"])
    )


def _day(
    state: LedgerState,
    sr: SignedRecord,
    applied: Applied,
    effects: Effects,
    key: Key,
    now: int | None,
) -> None:
    """A merchant closes a business day: no money moves, the figures become part of the log.

    The server checks the figures against the log before accepting (`merchants.takings`);
    the rules check what holds whatever the merchant's business hours: who signs, once per
    day, and figures that are consistent with each other and point back into the log.
    """
    r = sr.record
    merchant = _holder(state, r["account"])
    _authorise(key, ("merchant",), merchant.number)
    if merchant.kind != "merchant":
        raise NotAuthorized("only merchants close business days")
    first, last = r["first_entry"], r["last_entry"]
    if (first is None) != (last is None):
        raise InvalidDay("first_entry and last_entry are both set or both null")
    if first is not None and not first <= last < applied.index:
        raise InvalidDay("the day's entries must come before its closing, in order")
    if first is None and (r["count"] or r["credits"] or r["debits"]):
        raise InvalidDay("a day with movements names its first and last entries")
    if r["refunds"] > r["debits"] or (r["credits"] == 0) != (r["count"] == 0):
        raise InvalidDay("refunds are part of debits, and payments received have amounts")
    day = (merchant.number, r["date"])
    effects.append(lambda: state.closed_days.__setitem__(day, (applied.record_id, applied.index)))
    applied.day = day


_LEDGER_HANDLERS: Mapping[str, Any] = {
    "genesis": _genesis,
    "ledger_key": _ledger_key_rotation,
    "account": _account_record,
    "key": _key_record,
}
_OPERATION_HANDLERS: Mapping[str, Any] = {
    "transfer": _transfer,
    "conversion": _conversion,
    "paper_issue": _paper_issue,
    "paper_exchange": _paper_exchange,
    "deposit": _deposit,
    "reconversion": _reconversion,
    "payout": _payout,
    "day": _day,
}
