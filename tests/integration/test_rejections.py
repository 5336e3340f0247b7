"""Every refusal of FORMATS.md §4: the specific error, and nothing written (no row, no cent)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ledger import memos
from ledger.accounts import SYSTEM_ACCOUNTS
from ledger.audit import verify_log
from ledger.errors import (
    AccountNotOpen,
    CurrencyMismatch,
    DuplicateConflict,
    ExpiredRecord,
    InsufficientFunds,
    InvalidReference,
    InvalidSignature,
    InvalidTransfer,
    MalformedRecord,
    NotAuthorized,
    PaymentRequestError,
    RefundLimitExceeded,
    RevokedKey,
    SouError,
    UnknownAccount,
    UnknownKey,
    WrongLedger,
)
from ledger.export import export_log
from ledger.memos import parse_memo
from ledger.posting import (
    Posted,
    post_records,
    post_transfer,
    verify_known_signatures,
    verify_signatures,
)
from ledger.records import (
    MAX_AMOUNT,
    SignedRecord,
    canonical_json,
    format_time,
    make_signed,
    operation,
    parse_time,
    prefix,
    sign_record,
)
from ledger.rules import CLOCK_SKEW
from ledger.signing import SigningKey, b64url_encode
from tests.support import HOST, T0, UNIT, Holder, World


@contextmanager
def refused(world: World, error: type[SouError]) -> Iterator[None]:
    """The block must raise exactly `error`, and leave every table as it was."""
    before = (world.row_counts(), world.log_size())
    with pytest.raises(error) as info:
        yield
    assert type(info.value) is error
    assert (world.row_counts(), world.log_size()) == before


def post_envelope(world: World, envelope: dict[str, Any]) -> Posted:
    with world.ledger.unit_of_work() as uow:
        posted = post_transfer(uow, envelope=envelope, now=world.now)
        uow.commit()
    return posted


# --- signatures and keys ----------------------------------------------------------------------


def test_a_payment_with_a_tampered_signature_is_rejected_and_leaves_no_trace(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = world.transfer(alice, shop, 12_50)
    sig = bytearray(record.sig)
    sig[5] ^= 0x01
    with refused(world, InvalidSignature):
        world.post(make_signed(record.record, bytes(sig)))
    world.post(record)  # the genuine signature still goes through
    assert world.balance(shop) == 12_50


def test_a_payment_signed_by_another_key_than_its_kid_is_rejected(world: World) -> None:
    alice, bob, shop = world.resident(balance=50_00), world.resident(), world.merchant()
    record = world.transfer(alice, shop, 12_50)
    with refused(world, InvalidSignature):
        world.post(make_signed(record.record, bob.key.sign(record.signed)))


def test_a_payment_with_an_altered_amount_under_the_original_signature_is_rejected(
    world: World,
) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = world.transfer(alice, shop, 1_00)
    with refused(world, InvalidSignature):
        world.post(make_signed({**record.record, "amount": 40_00}, record.sig))


def test_signatures_verified_ahead_count_only_with_the_key_that_is_enrolled(world: World) -> None:
    """A group of writers verifies ahead, outside the write lock; `post_records` skips only
    what was verified with the very key it reads, and checks that key again under the lock."""
    alice, bob, shop = world.resident(balance=50_00), world.resident(), world.merchant()
    good = world.transfer(alice, shop, 1_00)
    forged = make_signed(good.record, bob.key.sign(good.signed))
    assert verify_known_signatures(world.ledger, [good]) == {}  # a key not read yet: left out
    world.pay(alice, shop, 1)  # this process has read alice's key now
    assert verify_known_signatures(world.ledger, [good, forged]) == {0: alice.key.public_bytes}
    with world.ledger.unit_of_work() as uow:  # a claim made with another key is not trusted
        claim = {0: bob.key.public_bytes}
        (outcome,) = post_records(uow, records=[forged], now=world.now, verified=claim)
        uow.commit()
    assert isinstance(outcome, InvalidSignature)
    assert world.balance(shop) == 1


def test_signatures_by_keys_not_seen_yet_are_read_and_verified_ahead(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    good = world.transfer(alice, shop, 1_00)
    stranger = world.transfer(alice, shop, 1_00, key=SigningKey.generate())
    forged = make_signed(good.record, stranger.sig)
    assert world.ledger.known_public_key(alice.key.kid) is None
    verified = verify_signatures(world.ledger, [good, stranger, forged])
    assert verified == {0: alice.key.public_bytes}  # an unknown key and a forgery left out
    with world.ledger.unit_of_work() as uow:
        outcomes = post_records(uow, records=[good, stranger], now=world.now, verified=verified)
        uow.commit()
    assert isinstance(outcomes[0], Posted) and isinstance(outcomes[1], UnknownKey)
    assert world.balance(shop) == 1_00


def test_a_payment_signed_by_an_unknown_key_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    stranger = SigningKey.generate()
    with refused(world, UnknownKey):
        world.pay(alice, shop, 12_50, key=stranger)


def test_a_payment_signed_by_a_revoked_key_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    world.revoke(alice.key)
    with refused(world, RevokedKey):
        world.pay(alice, shop, 12_50)
    assert world.balance(alice) == 50_00


def test_a_payment_made_before_its_key_was_revoked_stays_valid(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = world.transfer(alice, shop, 12_50)
    posted = world.post(record)
    world.revoke(alice.key)
    before = world.row_counts()
    again = world.post(record)
    assert (again.retry, again.index) == (True, posted.index)
    assert world.row_counts() == before
    assert world.balance(shop) == 12_50


def test_a_resident_may_not_sign_for_someone_elses_account(world: World) -> None:
    alice, bob, shop = (
        world.resident(balance=50_00),
        world.resident(balance=50_00),
        world.merchant(),
    )
    with refused(world, NotAuthorized):
        world.pay(bob, shop, 12_50, key=alice.key)
    assert world.balance(bob) == 50_00


def test_an_office_agent_may_not_pay_from_a_residents_account(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    with refused(world, NotAuthorized):
        world.pay(alice, shop, 12_50, key=world.office.key)


def test_a_cashier_may_refund_but_not_pay(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant(balance=30_00)
    cashier = world.cashier(shop, refund_limit=20_00)
    with refused(world, NotAuthorized):
        world.pay(shop, alice, 5_00, key=cashier.key)
    payment = world.pay(alice, shop, 10_00)
    world.pay(shop, alice, 5_00, key=cashier.key, ref=payment.record.id)
    assert world.balance(alice) == 45_00


def test_a_cashier_may_not_refund_above_its_limit(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    cashier = world.cashier(shop, refund_limit=10_00)
    payment = world.pay(alice, shop, 40_00)
    with refused(world, RefundLimitExceeded):
        world.pay(shop, alice, 10_01, key=cashier.key, ref=payment.record.id)
    world.pay(shop, alice, 10_00, key=cashier.key, ref=payment.record.id)
    assert world.balance(shop) == 30_00


def test_a_cashiers_refunds_add_up_to_its_limit_per_day(world: World, tmp_path: Path) -> None:
    alice, shop = world.resident(balance=500_00), world.merchant()
    cashier = world.cashier(shop, refund_limit=100_00)
    payments = [world.pay(alice, shop, 100_00) for _ in range(4)]
    world.pay(shop, alice, 100_00, key=cashier.key, ref=payments[0].record.id)
    with refused(world, RefundLimitExceeded):  # three refunds of 100 on a limit of 100
        world.pay(shop, alice, 1, key=cashier.key, ref=payments[1].record.id)
    other = world.cashier(shop, refund_limit=100_00)  # the limit is each till's
    world.pay(shop, alice, 60_00, key=other.key, ref=payments[1].record.id)
    # 2026-03-14T10:15Z is 11:15 in Paris; the till's day turns at midnight, Paris time
    world.now = T0 + 12 * 3600 + 44 * 60  # 23:59 in Paris: still the same day
    with refused(world, RefundLimitExceeded):
        world.pay(shop, alice, 50_00, key=other.key, ref=payments[2].record.id)
    world.now = T0 + 12 * 3600 + 45 * 60  # 00:00 the next day
    world.pay(shop, alice, 100_00, key=cashier.key, ref=payments[2].record.id)
    world.pay(shop, alice, 100_00, key=other.key, ref=payments[3].record.id)
    assert world.balance(alice) == 500_00 - 400_00 + 360_00
    # the auditor's replay counts each till's day from the records alone, and agrees
    path = tmp_path / "log.jsonl"
    with world.ledger.unit_of_work() as uow, path.open("w", encoding="utf-8") as out:
        export_log(uow, out, now=world.now)
    assert verify_log(path).entries == world.log_size()


def test_a_cashier_of_one_merchant_may_not_refund_for_another(world: World) -> None:
    alice, shop, other = world.resident(balance=50_00), world.merchant(), world.merchant()
    cashier = world.cashier(other, refund_limit=50_00)
    payment = world.pay(alice, shop, 20_00)
    with refused(world, NotAuthorized):
        world.pay(shop, alice, 5_00, key=cashier.key, ref=payment.record.id)


# --- the ledger, the currency and the clock ---------------------------------------------------


def _operation(world: World, key: SigningKey, **overrides: Any) -> SignedRecord:
    fields: dict[str, Any] = {"host": HOST, "currency": UNIT, "now": world.now, **overrides}
    return operation("transfer", key=key, **fields)


def _with_nonce(world: World, payer: Holder, payee: Holder, cents: int, nonce: str) -> Posted:
    return world.post(world.transfer(payer, payee, cents, nonce=nonce))


def test_a_payment_for_another_ledger_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = _operation(
        world,
        alice.key,
        host="pay.other.org",
        from_=alice.account,
        to=shop.account,
        amount=12_50,
        payreq=None,
        ref=None,
    )
    with refused(world, WrongLedger):
        world.post(record)


@pytest.mark.parametrize("currency", ["EUR", "RTZX"])
def test_a_payment_in_another_currency_is_rejected(world: World, currency: str) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = _operation(
        world,
        alice.key,
        currency=currency,
        from_=alice.account,
        to=shop.account,
        amount=12_50,
        payreq=None,
        ref=None,
    )
    with refused(world, CurrencyMismatch):
        world.post(record)


def test_an_expired_payment_is_rejected_but_is_valid_until_its_last_second(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    late, just_in_time = world.transfer(alice, shop, 1_00), world.transfer(alice, shop, 2_00)
    world.now = parse_time(late.record["expires"]) + 1
    with refused(world, ExpiredRecord):
        world.post(late)
    world.now -= 1
    world.post(just_in_time)
    assert world.balance(shop) == 2_00


def test_a_payment_created_more_than_a_minute_ahead_is_not_yet_valid(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    now = world.now
    world.now = now + CLOCK_SKEW + 1
    early = world.transfer(alice, shop, 1_00)
    world.now = now + CLOCK_SKEW
    on_time = world.transfer(alice, shop, 2_00)
    world.now = now
    with refused(world, ExpiredRecord):
        world.post(early)
    world.post(on_time)
    assert world.balance(shop) == 2_00


# --- accounts and balances --------------------------------------------------------------------


def test_a_payment_to_an_unknown_account_is_rejected(world: World) -> None:
    alice = world.resident(balance=50_00)
    nobody = Holder(99_999, SigningKey.generate(), "merchant")
    with refused(world, UnknownAccount):
        world.pay(alice, nobody, 12_50)


def test_a_payment_from_an_unknown_account_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    nobody = Holder(99_999, alice.key, "resident")
    with refused(world, UnknownAccount):
        world.pay(nobody, shop, 12_50)


def test_a_frozen_account_may_neither_pay_nor_be_paid(world: World) -> None:
    alice, bob, shop = (
        world.resident(balance=50_00),
        world.resident(balance=50_00),
        world.merchant(),
    )
    world.set_status(alice, "frozen")
    with refused(world, AccountNotOpen):
        world.pay(alice, shop, 12_50)
    with refused(world, AccountNotOpen):
        world.pay(bob, alice, 12_50)
    world.now += 1
    world.set_status(alice, "open")
    world.pay(alice, shop, 12_50)
    assert world.balance(shop) == 12_50


def test_an_account_frozen_again_in_the_second_it_was_frozen_and_reopened_is_frozen(
    world: World,
) -> None:
    # The third `account` record has the same bytes as the first, hence the same id: the
    # ledger must not take the new freeze for a retry of the old one and leave it undone.
    alice, shop = world.resident(balance=50_00), world.merchant()
    world.now += 1
    world.set_status(alice, "frozen")
    world.set_status(alice, "open")
    size = world.log_size()
    world.set_status(alice, "frozen")
    assert world.log_size() == size + 1
    with refused(world, AccountNotOpen):
        world.pay(alice, shop, 12_50)


def test_a_payment_beyond_the_balance_by_one_cent_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=10_00), world.merchant()
    with refused(world, InsufficientFunds):
        world.pay(alice, shop, 10_01)
    world.pay(alice, shop, 10_00)
    assert world.balance(alice) == 0


@pytest.mark.parametrize("account", ["issuance", "paper", "office"])
def test_a_payment_into_a_system_account_is_rejected(world: World, account: str) -> None:
    alice = world.resident(balance=50_00)
    numbers = {name: number for number, name, _, _ in SYSTEM_ACCOUNTS}
    numbers["office"] = world.office.number
    target = Holder(numbers[account], SigningKey.generate(), "merchant")
    with refused(world, InvalidTransfer):
        world.pay(alice, target, 12_50)


def test_an_account_may_not_pay_itself(world: World) -> None:
    alice = world.resident(balance=10_00)
    with refused(world, InvalidTransfer):
        world.pay(alice, alice, 1_00)


# --- idempotency ------------------------------------------------------------------------------


def test_the_same_nonce_with_another_amount_is_a_conflict(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    first = world.pay(alice, shop, 12_50)
    nonce = first.record.record["nonce"]
    with refused(world, DuplicateConflict):
        _with_nonce(world, alice, shop, 12_51, nonce)
    assert world.balance(shop) == 12_50


def test_the_same_nonce_reused_by_another_key_is_no_conflict(world: World) -> None:
    alice, bob, shop = (
        world.resident(balance=50_00),
        world.resident(balance=50_00),
        world.merchant(),
    )
    first = world.pay(alice, shop, 12_50)
    _with_nonce(world, bob, shop, 12_50, first.record.record["nonce"])
    assert world.balance(shop) == 25_00


def test_a_retry_of_the_same_bytes_returns_the_same_entry_and_receipt(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = world.transfer(alice, shop, 12_50)
    posted = world.post(record)
    receipt = posted.receipt(world.ledger.key)
    before = world.row_counts()
    world.now += 1
    again = world.post(record)
    by_envelope = post_envelope(world, record.envelope())
    for retry in (again, by_envelope):
        assert (retry.retry, retry.index, retry.accepted) == (True, posted.index, posted.accepted)
        assert retry.record.id == posted.record.id
        again_receipt = retry.receipt(world.ledger.key)
        assert (again_receipt.signed, again_receipt.sig) == (receipt.signed, receipt.sig)
    assert not posted.retry
    assert world.row_counts() == before
    assert world.balance(alice) == 37_50


def test_a_retry_after_the_record_expired_still_returns_the_original_outcome(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = world.transfer(alice, shop, 12_50)
    posted = world.post(record)
    world.now += 3600
    before = world.row_counts()
    again = world.post(record)
    assert (again.retry, again.index) == (True, posted.index)
    assert world.row_counts() == before


# --- malformed envelopes ----------------------------------------------------------------------

Change = Callable[[dict[str, Any]], None]


def _set(field: str, value: object) -> Change:
    def change(envelope: dict[str, Any]) -> None:
        envelope["record"][field] = value

    return change


def _drop(field: str) -> Change:
    def change(envelope: dict[str, Any]) -> None:
        del envelope["record"][field]

    return change


def _memo(text: str) -> Change:
    """A memo beside the record, the record committing to it (ledger.memos); the text may be
    one the format refuses (a lone surrogate is hashed as its UTF-8-like bytes)."""

    def change(envelope: dict[str, Any]) -> None:
        salt = bytes(range(16))
        data = memos.PREFIX + salt + text.encode("utf-8", "surrogatepass")
        envelope["record"]["memo"] = hashlib.sha256(data).hexdigest()
        envelope["memo"] = {"text": text, "salt": b64url_encode(salt)}

    return change


def _window(seconds: int) -> Change:
    def change(envelope: dict[str, Any]) -> None:
        created = parse_time(envelope["record"]["created"])
        envelope["record"]["expires"] = format_time(created + seconds)

    return change


def _sig(value: object) -> Change:
    def change(envelope: dict[str, Any]) -> None:
        envelope["sig"] = value

    return change


def _envelope_key(key: str, value: object | None) -> Change:
    def change(envelope: dict[str, Any]) -> None:
        if value is None:
            del envelope[key]
        else:
            envelope[key] = value

    return change


MALFORMED: dict[str, Change] = {
    "missing field": _drop("memo"),
    "missing payreq": _drop("payreq"),
    "extra field": _set("note", "hello"),
    "float amount": _set("amount", 12.5),
    "whole float amount": _set("amount", 1250.0),
    "string amount": _set("amount", "1250"),
    "bool amount": _set("amount", True),
    "amount 0": _set("amount", 0),
    "negative amount": _set("amount", -1),
    "amount 2**31": _set("amount", 2**31),
    "window over 300 s": _window(301),
    "expires before created": _window(-1),
    "non-NFC memo": _memo("cafe\u0301"),
    "memo of 141 chars": _memo("x" * 141),
    "control character in memo": _memo("a\nb"),
    "lone surrogate in memo": _memo("\ud800"),
    "memo as text in the record": _set("memo", "Pain"),
    "memo beside a record without one": _envelope_key("memo", {"text": "Pain", "salt": "A" * 22}),
    "numeric account": _set("to", 1042),
    "v 2": _set("v", 2),
    "bad base64 sig": _sig("!" * 86),
    "padded base64 sig": _sig(b64url_encode(bytes(64)) + "=="),
    "sig of 63 bytes": _sig(b64url_encode(bytes(63))),
    "sig of 65 bytes": _sig(b64url_encode(bytes(65))),
    "sig not a string": _sig(None),
    "alg other than Ed25519": _envelope_key("alg", "ES256"),
    "no alg": _envelope_key("alg", None),
    "extra envelope key": _envelope_key("kid", "00000000"),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_envelope_is_rejected_and_leaves_no_trace(world: World, change: Change) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    envelope: dict[str, Any] = world.transfer(alice, shop, 12_50).envelope()
    change(envelope)
    with refused(world, MalformedRecord):
        post_envelope(world, envelope)


def test_a_signed_transfer_whose_times_use_non_ascii_digits_is_malformed(world: World) -> None:
    # "٢٠٢٦-٠٣-١٤T…" is not an RFC 3339 time, even if Python's int() reads it as 2026-03-14.
    alice, shop = world.resident(balance=50_00), world.merchant()
    record = dict(world.transfer(alice, shop, 12_50).record)
    arabic = "٠١٢٣٤٥٦٧٨٩"
    for field in ("created", "expires"):
        record[field] = "".join(arabic[int(c)] if c.isdigit() else c for c in record[field])
    signed = prefix("transfer") + canonical_json(record)
    envelope = {"alg": "Ed25519", "record": record, "sig": b64url_encode(alice.key.sign(signed))}
    with refused(world, MalformedRecord):
        post_envelope(world, envelope)


WELL_FORMED: dict[str, Change] = {
    "as signed": lambda envelope: None,
    "window of 300 s": _window(300),
    "memo of 140 chars": _memo("é" * 140),
    "largest amount": _set("amount", MAX_AMOUNT),
}


@pytest.mark.parametrize("change", WELL_FORMED.values(), ids=WELL_FORMED.keys())
def test_an_envelope_at_the_limits_of_the_format_is_well_formed(
    world: World, change: Change
) -> None:
    """The controls of the malformed cases: the same limits, reached but not crossed."""
    alice, shop = world.resident(balance=50_00), world.merchant()
    envelope: dict[str, Any] = world.transfer(alice, shop, 12_50).envelope()
    change(envelope)
    memo = parse_memo(envelope.get("memo"), envelope["record"]["memo"])
    signed = sign_record(envelope["record"], alice.key, memo).envelope()
    if envelope["record"]["amount"] > 50_00:
        with refused(world, InsufficientFunds):
            post_envelope(world, signed)
    else:
        post_envelope(world, signed)
        assert world.balance(shop) == 12_50


# --- payment requests -------------------------------------------------------------------------


def test_a_payment_of_a_request_never_registered_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    with refused(world, PaymentRequestError):
        world.pay(alice, shop, 12_50, payreq="ab" * 32)


def test_a_payment_of_a_registered_request_goes_through_once(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    payreq = world.register_request(shop, 12_50)
    posted = world.pay(alice, shop, 12_50, payreq=payreq)
    assert posted.receipt(world.ledger.key).record["payreq"] == payreq
    with refused(world, PaymentRequestError):
        world.pay(alice, shop, 12_50, payreq=payreq)
    assert world.balance(shop) == 12_50


def test_a_payment_of_an_expired_request_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    payreq = world.register_request(shop, 12_50, expires=world.now - 1)
    with refused(world, PaymentRequestError):
        world.pay(alice, shop, 12_50, payreq=payreq)


def test_a_payment_of_another_amount_than_requested_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    payreq = world.register_request(shop, 12_50)
    for amount in (12_49, 12_51):
        with refused(world, PaymentRequestError):
            world.pay(alice, shop, amount, payreq=payreq)


def test_a_payment_of_a_request_to_another_merchant_is_rejected(world: World) -> None:
    alice, shop, other = world.resident(balance=50_00), world.merchant(), world.merchant()
    payreq = world.register_request(shop, 12_50)
    with refused(world, PaymentRequestError):
        world.pay(alice, other, 12_50, payreq=payreq)


def test_two_payers_of_one_request_are_not_both_accepted(world: World) -> None:
    alice, bob, shop = (
        world.resident(balance=50_00),
        world.resident(balance=50_00),
        world.merchant(),
    )
    payreq = world.register_request(shop, 12_50)
    world.pay(alice, shop, 12_50, payreq=payreq)
    with refused(world, PaymentRequestError):
        world.pay(bob, shop, 12_50, payreq=payreq)


# --- refunds ----------------------------------------------------------------------------------


def test_a_refund_of_an_unknown_payment_is_rejected(world: World) -> None:
    alice, shop = world.resident(), world.merchant(balance=50_00)
    with refused(world, InvalidReference):
        world.pay(shop, alice, 5_00, ref="cd" * 32)


def test_a_refund_referencing_a_conversion_is_rejected(world: World) -> None:
    alice, shop = world.resident(), world.merchant()
    conversion = world.convert(shop, 50_00)
    with refused(world, InvalidReference):
        world.pay(shop, alice, 5_00, ref=conversion.record.id)


def test_a_refund_to_someone_else_than_the_payer_is_rejected(world: World) -> None:
    alice, bob, shop = world.resident(balance=50_00), world.resident(), world.merchant()
    payment = world.pay(alice, shop, 20_00)
    with refused(world, InvalidReference):
        world.pay(shop, bob, 5_00, ref=payment.record.id)


def test_a_refund_by_someone_else_than_the_payee_is_rejected(world: World) -> None:
    alice, shop, other = world.resident(balance=50_00), world.merchant(), world.merchant(50_00)
    payment = world.pay(alice, shop, 20_00)
    with refused(world, InvalidReference):
        world.pay(other, alice, 5_00, ref=payment.record.id)


def test_refunds_may_not_exceed_the_payment(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant(balance=100_00)
    payment = world.pay(alice, shop, 20_00)
    with refused(world, InvalidReference):
        world.pay(shop, alice, 20_01, ref=payment.record.id)
    world.pay(shop, alice, 15_00, ref=payment.record.id)
    with refused(world, InvalidReference):
        world.pay(shop, alice, 5_01, ref=payment.record.id)
    world.pay(shop, alice, 5_00, ref=payment.record.id)
    with refused(world, InvalidReference):
        world.pay(shop, alice, 1, ref=payment.record.id)
    assert world.balance(alice) == 50_00


def test_a_refund_that_also_pays_a_request_is_rejected(world: World) -> None:
    alice, shop = world.resident(balance=50_00), world.merchant()
    payment = world.pay(alice, shop, 20_00)
    with refused(world, InvalidReference):
        world.pay(shop, alice, 5_00, ref=payment.record.id, payreq="ab" * 32)
