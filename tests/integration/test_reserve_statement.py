"""The signed reserve statement end to end: published, proved per holder, cosigned, refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import replace

import pytest
from sqlalchemy import insert

from association.dashboard import dashboard
from association.errors import (
    InvalidLiabilityProof,
    LiabilityError,
    NegativeBalance,
    ReserveStatementError,
    StatementAlreadyPublished,
    UnknownReserveStatement,
)
from association.liabilities import LiabilityProof, ProofStep, build, verify_proof
from association.publication import (
    NO_BANK_STATEMENT,
    Published,
    cosign,
    cosigner_name,
    holder_proof,
    publish,
    statement_note,
    statements,
)
from association.reserve_check import reserve_check
from association.reserve_statement import add_cosignature, verify_statement
from association.tables import BANK_ACCOUNTS, BANK_STATEMENTS
from ledger.accounts import Key
from ledger.checkpoint import SIGNATURE_PREFIX, key_hash, verifier_key
from ledger.errors import NotAuthorized
from ledger.signing import SigningKey
from tests.integration.test_rejections import refused
from tests.support import HOST, Holder, World

MARCH = dt.date(2026, 3, 31)


def published(world: World, on: dt.date = MARCH) -> Published:
    with world.ledger.unit_of_work() as uow:
        made = publish(uow, on=on, now=world.now)
        uow.commit()
    return made


def proof_of(world: World, statement: int, holder: Holder) -> LiabilityProof:
    with world.ledger.unit_of_work(write=False) as uow:
        return holder_proof(uow, number=statement, account=holder.number).proof


def device(world: World, holder: Holder) -> Key:
    with world.ledger.unit_of_work(write=False) as uow:
        return uow.store.keys([holder.key.kid])[holder.key.kid]


def bank_statement(world: World, *, reserve: int, closing: int, on: str = "2026-03-31") -> str:
    """Registers a reserve bank account for ledger account `reserve` and one imported statement
    of it, whose closing balance and the movements it does not show yet (a statement with no
    lines: every deposit and payout batch of the ledger is in transit) come to `closing` cents;
    the statement's SHA-256."""
    iban = f"FR76300040000312345678901{reserve:02d}"
    with world.engine.begin() as conn:
        conn.execute(
            insert(BANK_ACCOUNTS).values(iban=iban, label="Réserve", ledger_account=reserve)
        )
    with world.ledger.unit_of_work(write=False) as uow:
        (check,) = [c for c in reserve_check(uow) if c.iban == iban]
    closing -= sum(t.amount for t in check.in_transit if t.kind == "deposit" or t.amount < 0)
    content = f"statement of {reserve} closing {closing} on {on}".encode()
    digest = hashlib.sha256(content).hexdigest()
    with world.engine.begin() as conn:
        conn.execute(
            insert(BANK_STATEMENTS).values(
                id=reserve * 100 + int(on[5:7]),
                iban=iban,
                sha256=digest,
                format="camt.053",
                opening_date="2026-03-01",
                opening_balance=0,
                closing_date=on,
                closing_balance=closing,
                imported=world.now,
                content=content,
            )
        )
    return digest


def a_small_town(world: World) -> tuple[list[Holder], Holder]:
    alice, bob = world.resident(balance=80_00), world.resident(balance=15_50)
    shop = world.merchant(balance=5_00)
    world.pay(alice, shop, 30_00)
    world.post(
        world.record("paper_issue", world.office.key, office=world.office.account, amount=40_00)
    )
    world.deposit(40_00, reserve="paper")
    world.deposit(60_00, reserve="digital")
    world.post(
        world.record(
            "paper_exchange",
            world.office.key,
            office=world.office.account,
            to=bob.account,
            amount=10_00,
        )
    )
    return [alice, bob, shop, world.resident()], shop


def test_every_holder_s_proof_verifies_against_the_signed_statement(world: World) -> None:
    holders, _ = a_small_town(world)
    made = published(world)
    statement = verify_statement(made.note, [world.ledger.verifier_key])
    # the reserve accounts hold the deposits by the ledger's word only: no bank statement
    assert statement.status == made.status == "UNCHECKED"
    assert statement.bank_statements == (NO_BANK_STATEMENT,)
    circulation = sum(world.balance(h) for h in holders) + world.balance(2)
    assert statement.liabilities == made.liabilities == circulation == 110_50 + 30_00
    assert statement.reserve == circulation  # the ledger's own reserve: no bank statement yet
    for holder in [*holders, world.treasurer]:
        proof = proof_of(world, made.id, holder)
        assert proof.balance == world.balance(holder)
        verify_proof(
            statement.liabilities_root, statement.liabilities, holder.account, proof.balance, proof
        )


def test_the_statement_counts_balances_at_its_checkpoint_not_later_ones(world: World) -> None:
    alice = world.resident(balance=10_00)
    made = published(world)
    world.convert(alice, 5_00)
    late = world.resident(balance=1_00)
    assert proof_of(world, made.id, alice).balance == 10_00
    with pytest.raises(LiabilityError):
        proof_of(world, made.id, late)


def test_a_changed_balance_a_dropped_holder_or_a_negative_leaf_fails(world: World) -> None:
    (alice, bob, *_), _ = a_small_town(world)
    made = published(world)
    statement = verify_statement(made.note, [world.ledger.verifier_key])
    root, total = statement.liabilities_root, statement.liabilities
    proof = proof_of(world, made.id, alice)
    with pytest.raises(InvalidLiabilityProof):
        verify_proof(root, total, alice.account, proof.balance + 1, proof)
    with pytest.raises(InvalidLiabilityProof):
        verify_proof(
            root, total, alice.account, proof.balance + 1, replace(proof, balance=proof.balance + 1)
        )
    # A publisher who drops Bob cannot give him a proof, and his honest proof fails its root.
    with world.ledger.unit_of_work(write=False) as uow:
        from association.publication import holder_balances

        balances = holder_balances(uow, size=statement.checkpoint_size)
    del balances[bob.account]
    dishonest = build(balances, b"\x07" * 32)
    with pytest.raises(LiabilityError):
        dishonest.proof(bob.account)
    bob_proof = proof_of(world, made.id, bob)
    with pytest.raises(InvalidLiabilityProof):
        verify_proof(
            dishonest.root_hash, dishonest.total, bob.account, bob_proof.balance, bob_proof
        )
    # No negative leaf: neither in a tree nor hidden as a sibling's sum on a path.
    with pytest.raises(NegativeBalance):
        build({**balances, bob.account: -1}, b"\x07" * 32)
    step = proof.path[0]
    negative = replace(proof, path=(ProofStep(step.side, step.hash, -1), *proof.path[1:]))
    with pytest.raises(NegativeBalance):
        verify_proof(root, total, alice.account, proof.balance, negative)


def test_a_bank_short_of_the_ledger_publishes_a_shortfall_and_the_dashboard_says_why(
    world: World,
) -> None:
    a_small_town(world)
    digital = world.balance(11)
    digest = bank_statement(world, reserve=11, closing=digital - 7_00)
    made = published(world)
    statement = verify_statement(made.note, [world.ledger.verifier_key])
    assert made.status == statement.status == "SHORTFALL"
    assert made.note.splitlines()[7] == "status SHORTFALL"
    assert statement.shortfall == made.shortfall == 7_00
    assert statement.bank_statements == (digest,)
    with world.ledger.unit_of_work(write=False) as uow:
        latest = dashboard(uow, now=world.now).latest_statement
    assert latest is not None
    assert (latest.status, latest.difference, latest.shortfall) == ("SHORTFALL", -7_00, 7_00)
    assert [b.sha256 for b in latest.banks] == [digest]


def test_a_bank_holding_the_reserve_payouts_and_fees_is_ok(world: World) -> None:
    shop = world.merchant(balance=100_00)
    world.deposit(100_00)
    world.post(world.record("reconversion", shop.key, from_=shop.account, amount=50_00, fee=1_00))
    held = world.balance(11) + world.balance(13) + world.balance(14)
    digest = bank_statement(world, reserve=11, closing=held)
    made = published(world)
    assert (made.status, made.reserve, made.liabilities) == ("OK", 50_00, 50_00)
    assert verify_statement(made.note, [world.ledger.verifier_key]).bank_statements == (digest,)


def test_a_bank_statement_after_the_statement_date_is_not_used(world: World) -> None:
    world.resident(balance=10_00)
    bank_statement(world, reserve=11, closing=0, on="2026-04-30")
    made = published(world)
    assert made.status == "OK"
    assert made.basis.digests == (NO_BANK_STATEMENT,)


def test_a_second_publication_the_same_day_is_refused_and_writes_nothing(world: World) -> None:
    world.resident(balance=10_00)
    published(world)
    world.resident(balance=5_00)  # the log grew: a new checkpoint would be signed
    with refused(world, StatementAlreadyPublished):
        published(world)
    assert published(world, MARCH + dt.timedelta(days=1)).liabilities == 15_00


def test_the_treasurer_and_an_auditor_cosign_and_the_note_verifies_with_all_keys(
    world: World,
) -> None:
    world.resident(balance=10_00)
    made = published(world)
    auditor = world._holder("association", "auditor")
    keys = [world.ledger.verifier_key]
    for holder in (world.treasurer, auditor):
        name = cosigner_name(HOST, holder.role)
        with world.ledger.unit_of_work() as uow:
            note = statement_note(uow, number=made.id)
            line = add_cosignature(note, name=name, private_key=holder.key.private_key)[len(note) :]
            cosign(uow, number=made.id, device=device(world, holder), line=line)
            uow.commit()
        keys.append(verifier_key(name, holder.key.public_bytes))
    with world.ledger.unit_of_work(write=False) as uow:
        final = statement_note(uow, number=made.id)
    assert verify_statement(final, keys).liabilities == 10_00
    assert len(final.split("\n\n", 1)[1].splitlines()) == 3


def _line(world: World, number: int, name: str, key: SigningKey) -> str:
    with world.ledger.unit_of_work(write=False) as uow:
        note = statement_note(uow, number=number)
    return add_cosignature(note, name=name, private_key=key.private_key)[len(note) :]


def _cosign(world: World, number: int, holder: Holder, line: str) -> None:
    with world.ledger.unit_of_work() as uow:
        cosign(uow, number=number, device=device(world, holder), line=line)
        uow.commit()


def test_a_cosignature_by_a_resident_is_refused(world: World) -> None:
    alice = world.resident(balance=10_00)
    made = published(world)
    line = _line(world, made.id, cosigner_name(HOST, "resident"), alice.key)
    with refused(world, NotAuthorized):
        _cosign(world, made.id, alice, line)


def test_a_cosignature_by_another_key_bad_or_repeated_is_refused(world: World) -> None:
    world.resident(balance=10_00)
    made = published(world)
    name = cosigner_name(HOST, "treasurer")
    with refused(world, ReserveStatementError):  # signed by a key that is not the device's
        _cosign(world, made.id, world.treasurer, _line(world, made.id, name, SigningKey.generate()))
    with refused(world, ReserveStatementError):  # under another name
        _cosign(world, made.id, world.treasurer, _line(world, made.id, "x", world.treasurer.key))
    good = _line(world, made.id, name, world.treasurer.key)
    tampered = good[:-6] + ("A" if good[-6] != "A" else "B") + good[-5:]
    with refused(world, ReserveStatementError):
        _cosign(world, made.id, world.treasurer, tampered)
    _cosign(world, made.id, world.treasurer, good)
    with refused(world, ReserveStatementError):
        _cosign(world, made.id, world.treasurer, good)


def test_an_unknown_statement_is_a_typed_error(world: World) -> None:
    with world.ledger.unit_of_work(write=False) as uow, pytest.raises(UnknownReserveStatement):
        statement_note(uow, number=42)


def test_a_reserve_account_holding_euros_without_a_bank_statement_is_not_ok(
    world: World,
) -> None:
    shop = world.merchant(balance=30_00)
    world.deposit(30_00)  # the ledger says the digital reserve's bank holds 30,00
    made = published(world)
    assert (made.status, made.reserve, made.liabilities) == ("UNCHECKED", 30_00, 30_00)
    assert made.basis.unchecked == (11,) and made.basis.digests == (NO_BANK_STATEMENT,)
    statement = verify_statement(made.note, [world.ledger.verifier_key])
    assert made.note.splitlines()[7] == "status UNCHECKED"
    assert (statement.status, statement.checked) == ("UNCHECKED", False)
    with world.ledger.unit_of_work(write=False) as uow:
        assert [s.status for s in statements(uow)] == ["UNCHECKED"]
    # once the bank's statement of that account is in, the next day's statement is OK
    digest = bank_statement(world, reserve=11, closing=30_00 + world.balance(13))
    later = published(world, MARCH + dt.timedelta(days=1))
    assert (later.status, later.basis.unchecked, later.basis.digests) == ("OK", (), (digest,))
    assert world.balance(shop) == 30_00


def test_one_reserve_account_checked_and_the_other_not_is_unchecked(world: World) -> None:
    a_small_town(world)
    digest = bank_statement(world, reserve=11, closing=world.balance(11) + 1_00)
    made = published(world)  # the paper reserve holds notes' euros nobody saw at the bank
    assert made.reserve >= made.liabilities
    assert (made.status, made.basis.unchecked, made.basis.digests) == (
        "UNCHECKED",
        (12,),
        (digest,),
    )


def test_a_note_claiming_unchecked_for_a_shortfall_or_another_status_is_malformed(
    world: World,
) -> None:
    world.merchant(balance=10_00)
    world.deposit(10_00)
    made = published(world)
    body, _, _ = made.note.partition("\n\n")
    assert verify_statement(make_forged(world, body), [world.ledger.verifier_key]).status == (
        "UNCHECKED"
    )
    forged = make_forged(world, body.replace("status UNCHECKED", "status CHECKED"))
    with pytest.raises(ReserveStatementError, match="says CHECKED"):
        verify_statement(forged, [world.ledger.verifier_key])
    short = body.replace("reserve 1000", "reserve 999")
    with pytest.raises(ReserveStatementError, match="SHORTFALL"):
        verify_statement(make_forged(world, short), [world.ledger.verifier_key])


def make_forged(world: World, body: str) -> str:
    """`body` signed by the ledger key: only its syntax and status can be wrong."""
    name, key = world.ledger.origin, world.ledger.key
    signature = key.private_key.sign((body + "\n").encode())
    blob = base64.b64encode(key_hash(name, key.public_bytes) + signature).decode()
    return f"{body}\n\n{SIGNATURE_PREFIX}{name} {blob}\n"
