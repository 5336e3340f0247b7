"""The signed reserve statement (association/reserve_statement.py, FORMATS.md §8)."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from association.errors import ReserveStatementError
from association.liabilities import build, new_salt, verify_proof
from association.reserve_statement import (
    ReserveStatement,
    add_cosignature,
    make_statement,
    sign_statement,
    statement_body,
    verify_statement,
)
from association.statement_files import parse_statement
from ledger.checkpoint import Checkpoint, sign_checkpoint, verifier_key

HOST = "pay.example.org"
LEDGER = f"{HOST}/ledger"
TREASURER = f"{HOST}/treasurer"
AUDITOR = "auditor.example/sou"
KEYS = {
    name: Ed25519PrivateKey.from_private_bytes(bytes([i]) * 32)
    for i, name in enumerate((LEDGER, TREASURER, AUDITOR), 1)
}
VERIFIERS = [verifier_key(name, key.public_key().public_bytes_raw()) for name, key in KEYS.items()]
BANK_FILE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "statements"
    / "camt053_v02_reserve_digital_2024-03.xml"
)
BALANCES = {"1001": 50_00, "1002": 20_00, "1017": 4_500_00, "1042": 7_613_27}


def checkpoint() -> Checkpoint:
    root = hashlib.sha256(b"the log at 48213 entries").digest()
    return sign_checkpoint(LEDGER, 48213, root, name=LEDGER, private_key=KEYS[LEDGER])


def statement(reserve: int | None = None) -> tuple[ReserveStatement, str]:
    bank = parse_statement(BANK_FILE.read_bytes(), account_iban="FR7610278360550002048150165")
    tree = build(BALANCES, new_salt())
    made = make_statement(
        host=HOST,
        on=date(2024, 3, 31),
        checkpoint=checkpoint(),
        liabilities=tree.total,
        liabilities_root=tree.root_hash,
        reserve=bank.closing_balance if reserve is None else reserve,
        bank_statements=[bank.sha256],
    )
    note = sign_statement(made, name=LEDGER, private_key=KEYS[LEDGER])
    note = add_cosignature(note, name=TREASURER, private_key=KEYS[TREASURER])
    return made, add_cosignature(note, name=AUDITOR, private_key=KEYS[AUDITOR])


def test_the_statement_note_has_the_documented_lines() -> None:
    made, note = statement()
    body, signatures = note.split("\n\n")
    sha = hashlib.sha256(BANK_FILE.read_bytes()).hexdigest()
    assert body.split("\n") == [
        f"{HOST}/reserve",
        "date 2024-03-31",
        f"checkpoint 48213 {base64.b64encode(checkpoint().root).decode()}",
        f"liabilities {sum(BALANCES.values())}",
        f"liabilities-root {base64.b64encode(made.liabilities_root).decode()}",
        "reserve 1218327",
        f"bank-statement {sha}",
        "status OK",
    ]
    assert [line.split(" ")[1] for line in signatures.strip().split("\n")] == [
        LEDGER,
        TREASURER,
        AUDITOR,
    ]
    assert body + "\n" == statement_body(made)


def test_a_statement_signed_by_the_ledger_treasurer_and_auditor_verifies_offline() -> None:
    made, note = statement()
    assert verify_statement(note, VERIFIERS) == made
    assert made.status == "OK" and made.shortfall == 0


def test_a_shortfall_is_published_and_verifies() -> None:
    made, note = statement(reserve=12_000_00)
    assert "status SHORTFALL\n" in note
    assert verify_statement(note, VERIFIERS).shortfall == made.liabilities - 12_000_00


def test_a_holder_checks_their_balance_against_the_published_root() -> None:
    tree = build(BALANCES, new_salt())
    made = make_statement(
        host=HOST,
        on=date(2024, 3, 31),
        checkpoint=checkpoint(),
        liabilities=tree.total,
        liabilities_root=tree.root_hash,
        reserve=tree.total,
        bank_statements=["ab" * 32],
    )
    published = verify_statement(
        sign_statement(made, name=LEDGER, private_key=KEYS[LEDGER]), VERIFIERS[:1]
    )
    for holder, balance in BALANCES.items():
        verify_proof(
            published.liabilities_root, published.liabilities, holder, balance, tree.proof(holder)
        )


def test_a_missing_cosignature_fails_verification() -> None:
    _, note = statement()
    without_auditor = note[: note.index(f"\u2014 {AUDITOR}")]
    with pytest.raises(ReserveStatementError, match=AUDITOR):
        verify_statement(without_auditor, VERIFIERS)
    verify_statement(without_auditor, VERIFIERS[:2])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("reserve 1218327", "reserve 1318327"),
        ("date 2024-03-31", "date 2024-04-01"),
        ("checkpoint 48213 ", "checkpoint 48214 "),
    ],
)
def test_any_change_of_the_body_breaks_the_signatures(old: str, new: str) -> None:
    _, note = statement()
    with pytest.raises(ReserveStatementError, match="does not verify"):
        verify_statement(note.replace(old, new), VERIFIERS)


def test_a_status_that_contradicts_the_amounts_is_refused() -> None:
    _, note = statement()
    with pytest.raises(ReserveStatementError, match="status"):
        verify_statement(note.replace("status OK", "status SHORTFALL"), VERIFIERS)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda n: n.replace("\n\n", "\n"),
        lambda n: n.replace("reserve 1218327", "reserve 01218327"),
        lambda n: n.replace("date 2024-03-31", "date 31/03/2024"),
        lambda n: n.replace("\nstatus OK", "\nstatus OK\nextra line"),
        lambda n: n.replace("/reserve\n", "/ledger\n"),
        lambda n: n.rstrip("\n"),
        lambda n: n.replace("\u2014 ", "- ", 1),
    ],
)
def test_malformed_statements_are_refused(mangle: object) -> None:
    _, note = statement()
    with pytest.raises(ReserveStatementError):
        verify_statement(mangle(note), VERIFIERS)  # type: ignore[operator]


def test_a_key_cannot_cosign_twice_and_a_verifier_is_needed() -> None:
    _, note = statement()
    with pytest.raises(ReserveStatementError, match="already signed"):
        add_cosignature(note, name=AUDITOR, private_key=KEYS[AUDITOR])
    with pytest.raises(ReserveStatementError):
        verify_statement(note, [])


def test_a_statement_names_at_least_one_bank_file_and_non_negative_amounts() -> None:
    made, _ = statement()
    with pytest.raises(ReserveStatementError):
        ReserveStatement(**{**made.__dict__, "bank_statements": ()})
    with pytest.raises(ReserveStatementError):
        ReserveStatement(**{**made.__dict__, "reserve": -1})
