"""The real ledger, driven at random, against a small reference model of what it must do.

Hypothesis runs sequences of operations (conversions, payments, refunds, retries, conflicting
retries, forged signatures, revoked keys, deposits, paper notes, reconversions, payouts,
expired records) on a fresh database each time, and predicts every outcome with a model made
of plain dicts: the balances, the committed record ids and the idempotency keys. After every
step the invariants of FORMATS.md §3 are checked with SQL on the database itself.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Connection, text

from ledger.accounts import SYSTEM_ACCOUNTS
from ledger.domain.registry import LEDGER_SIGNED
from ledger.errors import (
    DuplicateConflict,
    ExpiredRecord,
    InsufficientFunds,
    InvalidReference,
    InvalidSignature,
    InvalidTransfer,
    RevokedKey,
    SouError,
)
from ledger.posting import Posted
from ledger.records import SignedRecord, make_signed, parse_time, sign_record
from ledger.signing import SigningKey
from tests.databases import Templates
from tests.support import Holder, World

SYSTEM = {name: number for number, name, _, _ in SYSTEM_ACCOUNTS}
ISSUANCE, PAPER, OUTSIDE = SYSTEM["issuance"], SYSTEM["paper"], SYSTEM["world"]
RESERVE = {"digital": SYSTEM["reserve:digital"], "paper": SYSTEM["reserve:paper"]}
PAYOUTS, FEES = SYSTEM["payouts"], SYSTEM["association"]
RESIDENTS, MERCHANTS = 3, 2
PEOPLE = RESIDENTS + MERCHANTS
# Entries a fresh World holds: genesis, the system accounts, and for each of its office,
# treasurer, residents and merchants an `account` record and a `key` record.
SETUP_ENTRIES = 1 + len(SYSTEM_ACCOUNTS) + 2 * (2 + PEOPLE)

START_BALANCE = 100_00
EXAMPLES = {"sqlite": 50, "postgresql": 10}
STEPS = {"sqlite": 35, "postgresql": 30}

person = st.integers(min_value=0, max_value=PEOPLE - 1)
merchant = st.integers(min_value=RESIDENTS, max_value=PEOPLE - 1)
anyone_else = st.integers(min_value=1, max_value=PEOPLE - 1)  # an offset from the payer
pick = st.integers(min_value=0, max_value=10**6)  # an index into a list, modulo its length
percent = st.integers(min_value=1, max_value=130)  # of a balance: sometimes above it
cents = st.integers(min_value=1, max_value=80_00)


@dataclass
class Committed:
    record: SignedRecord
    key: SigningKey
    posted: Posted


@dataclass
class Payment:
    id: str
    payer: int  # index into the machine's people
    payee: int
    amount: int
    refunded: int = 0


@dataclass
class Reconversion:
    id: str
    net: int
    paid_out: bool = False


def _share(balance: int, percent: int) -> int:
    return max(1, balance * percent // 100)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, templates: Templates, backend: str, tmp_path: Path) -> None:
        super().__init__()
        with ExitStack() as stack:
            url = stack.enter_context(templates.database(backend, tmp_path))
            self.world = World(url)
            stack.callback(self.world.close)
            self.start()
            self.stack = stack.pop_all()  # the database lives until teardown

    def start(self) -> None:
        self.people: list[Holder] = [self.world.resident() for _ in range(RESIDENTS)]
        self.people += [self.world.merchant() for _ in range(MERCHANTS)]
        self.office, self.treasurer = self.world.office, self.world.treasurer
        # The model: balances (credits − debits) of every account, the committed records,
        # the idempotency keys, the number of entries, what refunds and payouts may refer to.
        self.balances: dict[int, int] = {}
        self.committed: dict[str, Committed] = {}
        self.nonces: dict[tuple[str, str], str] = {}
        self.entries = SETUP_ENTRIES
        self.payments: list[Payment] = []
        self.reconversions: list[Reconversion] = []
        # A start: everyone converts cash, paper notes circulate, the office banks some cash.
        for who in range(PEOPLE):
            self.convert(who, START_BALANCE, by_bank=False)
        self.issue_paper_notes(START_BALANCE)
        self.deposit(share=20, reserve="paper")
        self.deposit(share=50, reserve="digital")

    def teardown(self) -> None:
        self.stack.close()

    # --- the model's bookkeeping ------------------------------------------------------------

    def move(self, debit: int, credit: int, amount: int) -> None:
        self.balances[debit] = self.balances.get(debit, 0) - amount
        self.balances[credit] = self.balances.get(credit, 0) + amount

    def balance(self, account: int) -> int:
        return self.balances.get(account, 0)

    def accept(self, record: SignedRecord, key: SigningKey) -> Posted:
        """Posts a record the model expects to be accepted as the next entry."""
        posted = self.world.post(record)
        assert not posted.retry
        assert posted.index == self.entries
        assert record.id not in self.committed
        nonce = (record.kid, record.record["nonce"])
        assert nonce not in self.nonces
        self.committed[record.id] = Committed(record, key, posted)
        self.nonces[nonce] = record.id
        self.entries += 1
        return posted

    def refuse(self, record: SignedRecord, error: type[SouError]) -> None:
        """Posts a record the model expects to be refused with `error`, leaving no trace."""
        before = self.world.row_counts()
        try:
            self.world.post(record)
        except SouError as refusal:
            assert type(refusal) is error, f"expected {error.__name__}, got {refusal!r}"
        else:
            raise AssertionError(f"expected {error.__name__}, the record was accepted")
        assert self.world.row_counts() == before

    def ledger_record(self) -> None:
        """A ledger-signed record (key enrolment or revocation) was appended."""
        self.entries += 1

    # --- operations -------------------------------------------------------------------------

    @rule(who=person, amount=cents, by_bank=st.booleans())
    def convert(self, who: int, amount: int, by_bank: bool) -> None:
        holder = self.people[who]
        if by_bank:
            key, fields = self.treasurer.key, {"method": "bank", "office": None}
            received = RESERVE["digital"]
        else:
            key, fields = self.office.key, {"method": "cash", "office": self.office.account}
            received = self.office.number
        self.accept(
            self.world.record("conversion", key, to=holder.account, amount=amount, **fields), key
        )
        self.move(OUTSIDE, received, amount)
        self.move(ISSUANCE, holder.number, amount)

    @rule(payer=person, other=anyone_else, share=percent)
    def pay(self, payer: int, other: int, share: int) -> None:
        """A share of the payer's balance: now and then more than it holds."""
        self.transfer(payer, (payer + other) % PEOPLE, _share(self.balance_of(payer), share))

    @rule(payer=person, other=anyone_else, extra=st.sampled_from([0, 1]))
    def pay_everything_or_one_cent_more(self, payer: int, other: int, extra: int) -> None:
        self.transfer(payer, (payer + other) % PEOPLE, max(1, self.balance_of(payer) + extra))

    def balance_of(self, who: int) -> int:
        return self.balance(self.people[who].number)

    def transfer(self, payer: int, payee: int, amount: int) -> None:
        a, b = self.people[payer], self.people[payee]
        record = self.world.transfer(a, b, amount)
        if amount > self.balance(a.number):
            self.refuse(record, InsufficientFunds)
            return
        self.accept(record, a.key)
        self.move(a.number, b.number, amount)
        self.payments.append(Payment(record.id, payer, payee, amount))

    @precondition(lambda self: self.payments)
    @rule(which=pick, share=percent)
    def refund(self, which: int, share: int) -> None:
        payment = self.payments[which % len(self.payments)]
        payer, payee = self.people[payment.payer], self.people[payment.payee]
        amount = _share(payment.amount, share)
        record = self.world.transfer(payee, payer, amount, ref=payment.id)
        if payment.refunded + amount > payment.amount:
            self.refuse(record, InvalidReference)
        elif amount > self.balance(payee.number):
            self.refuse(record, InsufficientFunds)
        else:
            self.accept(record, payee.key)
            self.move(payee.number, payer.number, amount)
            payment.refunded += amount

    @rule(share=percent, reserve=st.sampled_from(["digital", "paper"]))
    def deposit(self, share: int, reserve: str) -> None:
        amount = _share(self.balance(self.office.number), share)
        key = self.office.key
        record = self.world.record(
            "deposit", key, office=self.office.account, reserve=reserve, amount=amount
        )
        if amount > self.balance(self.office.number):
            self.refuse(record, InsufficientFunds)
            return
        self.accept(record, key)
        self.move(self.office.number, RESERVE[reserve], amount)

    @rule(amount=cents)
    def issue_paper_notes(self, amount: int) -> None:
        key = self.office.key
        self.accept(
            self.world.record("paper_issue", key, office=self.office.account, amount=amount), key
        )
        self.move(OUTSIDE, self.office.number, amount)
        self.move(ISSUANCE, PAPER, amount)

    @rule(who=person, share=percent)
    def exchange_paper_notes(self, who: int, share: int) -> None:
        holder, key = self.people[who], self.office.key
        amount = _share(min(self.balance(PAPER), self.balance(RESERVE["paper"])), share)
        record = self.world.record(
            "paper_exchange", key, office=self.office.account, to=holder.account, amount=amount
        )
        if amount > self.balance(PAPER) or amount > self.balance(RESERVE["paper"]):
            self.refuse(record, InsufficientFunds)
            return
        self.accept(record, key)
        self.move(PAPER, holder.number, amount)
        self.move(RESERVE["paper"], RESERVE["digital"], amount)

    @rule(who=merchant, share=percent, fee_basis_points=st.integers(0, 600))
    def reconvert(self, who: int, share: int, fee_basis_points: int) -> None:
        shop = self.people[who]
        amount = _share(min(self.balance(shop.number), self.balance(RESERVE["digital"])), share)
        fee = amount * fee_basis_points // 10_000
        record = self.world.record(
            "reconversion", shop.key, from_=shop.account, amount=amount, fee=fee
        )
        if fee * 100 > amount * 5:
            self.refuse(record, InvalidTransfer)
        elif amount > self.balance(shop.number) or amount > self.balance(RESERVE["digital"]):
            self.refuse(record, InsufficientFunds)
        else:
            self.accept(record, shop.key)
            self.move(shop.number, ISSUANCE, amount)
            self.move(RESERVE["digital"], PAYOUTS, amount - fee)
            if fee:
                self.move(RESERVE["digital"], FEES, fee)
            self.reconversions.append(Reconversion(record.id, amount - fee))

    @precondition(lambda self: self.reconversions)
    @rule(which=pick)
    def pay_out(self, which: int) -> None:
        reconversion = self.reconversions[which % len(self.reconversions)]
        key = self.treasurer.key
        record = self.world.record(
            "payout", key, reconversion=reconversion.id, amount=reconversion.net
        )
        if reconversion.paid_out:
            self.refuse(record, InvalidReference)
            return
        self.accept(record, key)
        self.move(PAYOUTS, OUTSIDE, reconversion.net)
        reconversion.paid_out = True

    # --- idempotency ------------------------------------------------------------------------

    @precondition(lambda self: self.committed)
    @rule(which=pick, later=st.integers(0, 900))
    def retry(self, which: int, later: int) -> None:
        """The same bytes again, even after their expiry: the original outcome, nothing new."""
        earlier = list(self.committed.values())[which % len(self.committed)]
        self.world.now += later
        before = self.world.row_counts()
        again = self.world.post(earlier.record)
        assert again.retry
        assert (again.index, again.accepted) == (earlier.posted.index, earlier.posted.accepted)
        if earlier.record.type == "transfer":
            first = earlier.posted.receipt(self.world.ledger.key)
            second = again.receipt(self.world.ledger.key)
            assert (second.signed, second.sig) == (first.signed, first.sig)
        assert self.world.row_counts() == before

    @precondition(lambda self: self.committed)
    @rule(which=pick, more=st.integers(1, 100))
    def conflicting_retry(self, which: int, more: int) -> None:
        """The same key and nonce with another amount: a conflict, whatever else holds."""
        earlier = list(self.committed.values())[which % len(self.committed)]
        record = dict(earlier.record.record)
        record["amount"] += more
        self.refuse(sign_record(record, earlier.key), DuplicateConflict)

    # --- forgeries, lost phones and late records --------------------------------------------

    @rule(payer=person, other=anyone_else, amount=cents, byte=st.integers(0, 63), bit=pick)
    def tampered_signature(self, payer: int, other: int, amount: int, byte: int, bit: int) -> None:
        a, b = self.people[payer], self.people[(payer + other) % PEOPLE]
        record = self.world.transfer(a, b, amount)
        sig = bytearray(record.sig)
        sig[byte] ^= 1 << (bit % 8)
        self.refuse(make_signed(record.record, bytes(sig)), InvalidSignature)

    @rule(who=person, other=anyone_else)
    def revoke_key_then_pay_with_it(self, who: int, other: int) -> None:
        holder, payee = self.people[who], self.people[(who + other) % PEOPLE]
        self.world.revoke(holder.key)
        self.ledger_record()
        self.refuse(self.world.transfer(holder, payee, 1), RevokedKey)
        self.people[who] = self.world.new_device(holder)
        self.ledger_record()

    @rule(payer=person, other=anyone_else, amount=cents, late=st.integers(1, 3600))
    def post_after_expiry(self, payer: int, other: int, amount: int, late: int) -> None:
        a, b = self.people[payer], self.people[(payer + other) % PEOPLE]
        record = self.world.transfer(a, b, amount)
        self.world.now = parse_time(record.record["expires"]) + late
        self.refuse(record, ExpiredRecord)

    # --- the invariants of FORMATS.md §3, on the database -----------------------------------------

    def query(self, conn: Connection, sql: str) -> list[Any]:
        return list(conn.execute(text(sql)).all())

    @invariant()
    def the_books_balance(self) -> None:
        with self.world.engine.connect() as conn:
            for unit, debits, credits in self.query(
                conn, "SELECT unit, SUM(debits), SUM(credits) FROM accounts GROUP BY unit"
            ):
                assert debits == credits, f"{unit}: debits {debits} != credits {credits}"
            folded = self.query(
                conn,
                "SELECT a.number, a.debits, a.credits,"
                " COALESCE((SELECT SUM(p.amount) FROM postings p WHERE p.debit = a.number), 0),"
                " COALESCE((SELECT SUM(p.amount) FROM postings p WHERE p.credit = a.number), 0)"
                " FROM accounts a",
            )
            for number, debits, credits, posted_debits, posted_credits in folded:
                assert (debits, credits) == (posted_debits, posted_credits), number
            mixed = self.query(
                conn,
                "SELECT p.entry, p.leg FROM postings p"
                " JOIN accounts d ON d.number = p.debit JOIN accounts c ON c.number = p.credit"
                " WHERE p.unit <> d.unit OR p.unit <> c.unit",
            )
            assert mixed == []

    @invariant()
    def no_account_is_overdrawn(self) -> None:
        with self.world.engine.connect() as conn:
            overdrawn = self.query(
                conn, "SELECT number FROM accounts WHERE no_overdraft AND credits < debits"
            )
        assert overdrawn == []

    @invariant()
    def every_unit_is_backed_by_a_euro(self) -> None:
        with self.world.engine.connect() as conn:
            totals = dict(
                self.query(conn, "SELECT kind, SUM(credits - debits) FROM accounts GROUP BY kind")
            )
        total = {kind: int(value) for kind, value in totals.items()}
        circulation = -total["issuance"]
        holders = sum(total.get(kind, 0) for kind in ("resident", "merchant", "association"))
        assert circulation == holders + total["paper"]
        assert total["reserve"] + total.get("office_cash", 0) == circulation

    @invariant()
    def the_log_is_what_the_model_says(self) -> None:
        with self.world.engine.connect() as conn:
            ((count, ids, top),) = self.query(
                conn, "SELECT COUNT(*), COUNT(DISTINCT record_id), MAX(idx) FROM entries"
            )
            ((size,),) = self.query(conn, "SELECT size FROM log_head")
            operations = {
                record_id
                for record_id, kind in self.query(conn, "SELECT record_id, type FROM entries")
                if kind not in LEDGER_SIGNED
            }
            balances = {
                number: credits - debits
                for number, debits, credits in self.query(
                    conn, "SELECT number, debits, credits FROM accounts"
                )
            }
        assert count == ids == size == top + 1 == self.entries
        assert operations == set(self.committed)
        assert set(self.nonces.values()) == set(self.committed)
        assert {n: b for n, b in balances.items() if b} == {
            n: b for n, b in self.balances.items() if b
        }


@pytest.mark.slow  # a drill: `make test-drills` (.ci/run's own step)
def test_the_ledger_agrees_with_its_model_under_random_operations(
    templates: Templates, backend: str, tmp_path: Path
) -> None:
    class Machine(LedgerMachine):
        def __init__(self) -> None:
            super().__init__(templates, backend, tmp_path)

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=STEPS[backend],
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_the_machine_starts_from_a_ledger_its_model_describes(
    templates: Templates, tmp_path: Path
) -> None:
    machine = LedgerMachine(templates, "sqlite", tmp_path)
    try:
        # the World's own entries, then a conversion each, paper notes and two deposits
        assert machine.entries == SETUP_ENTRIES + PEOPLE + 3 == machine.world.log_size()
        machine.the_books_balance()
        machine.no_account_is_overdrawn()
        machine.every_unit_is_backed_by_a_euro()
        machine.the_log_is_what_the_model_says()
    finally:
        machine.teardown()
