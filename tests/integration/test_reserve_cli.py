"""`sou reserve …` and `sou audit reserve`, driven as a script would."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ledger.checkpoint import verifier_key
from ledger.signing import load_key_file
from tests.integration.test_cli import Sou


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    sou = Sou(db_url, tmp_path)
    sou("db", "upgrade")
    return sou


def resident(sou: Sou, cents: int) -> str:
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    sou("admin", "convert", number, str(cents))
    return number


def ledger_key(sou: Sou) -> str:
    return load_key_file(sou.tmp / "ledger.key").public_bytes.hex()


def test_the_dashboard_prints_the_figures_and_coverage_last(sou: Sou) -> None:
    resident(sou, 2500)
    output = sou("reserve", "dashboard").output
    assert "circulation: 25,00 € (digital 25,00 €, paper 0,00 €)" in output
    assert "outstanding digital units: 25,00 €" in output
    assert output.strip().splitlines()[-1] == "backing 25,00 €, coverage 100,00 %"


def test_notes_delivered_to_an_office_show_as_its_stock(sou: Sou) -> None:
    resident(sou, 2500)
    (office,) = re.findall(r"^office (\d+) ", sou("reserve", "dashboard").output, re.M)
    assert sou.last_line("reserve", "notes", office, "20000", "Lot 2026-A") == "200,00 €"
    taken_back = sou.last_line("reserve", "notes", office, "5000", "Billets usés", "--taken-back")
    assert taken_back == "150,00 €"
    output = sou("reserve", "dashboard").output
    assert "paper notes delivered 150,00 €, issued 0,00 €, taken back 0,00 €" in output
    assert "in stock 150,00 €" in output
    refused = sou("reserve", "notes", "1", "100", "x", ok=False)  # not an office
    assert refused.exit_code == 1 and "no exchange office 1" in refused.output


def test_a_published_statement_and_a_holder_s_proof_verify_offline(sou: Sou) -> None:
    alice = resident(sou, 2500)
    resident(sou, 1250)
    note = sou.tmp / "reserve.txt"
    number = sou.last_line("reserve", "publish", "--date", "2026-03-31", "--out", str(note))
    assert number == "1"
    assert sou.last_line("reserve", "cosign", number) == number
    proof = sou.tmp / "proof.json"
    sou("reserve", "proof", number, alice, "--out", str(proof))
    note.write_text(json.loads(proof.read_text())["note"])  # the note, with its cosignature
    key = ledger_key(sou)
    assert sou.last_line("audit", "reserve", str(note), "--ledger-key", key).startswith("OK:")
    ok = sou.last_line(
        "audit",
        "reserve",
        str(note),
        "--proof",
        str(proof),
        "--account",
        alice,
        "--balance",
        "2500",
        "--ledger-key",
        key,
    )
    assert ok == f"OK: account {alice}'s balance 25,00 € is counted in the liabilities"
    treasurer = load_key_file(sou.tmp / "treasurer.key").public_bytes
    cosigner = verifier_key("pay.example.org/treasurer", treasurer)
    both = sou.last_line("audit", "reserve", str(note), "--ledger-key", key, "--cosigner", cosigner)
    assert both.startswith("OK:")
    trusted = sou("audit", "reserve", str(note), "--proof", str(proof)).output
    assert "trusting the ledger key given in the proof file" in trusted


def test_a_wrong_balance_a_wrong_key_or_a_tampered_note_fails_the_audit(sou: Sou) -> None:
    alice = resident(sou, 2500)
    note = sou.tmp / "reserve.txt"
    number = sou.last_line("reserve", "publish", "--date", "2026-03-31", "--out", str(note))
    proof = sou.tmp / "proof.json"
    sou("reserve", "proof", number, alice, "--out", str(proof))
    key = ledger_key(sou)
    wrong = sou(
        "audit",
        "reserve",
        str(note),
        "--proof",
        str(proof),
        "--account",
        alice,
        "--balance",
        "2501",
        "--ledger-key",
        key,
        ok=False,
    )
    assert wrong.exit_code == 1
    assert "FAILED: the proof does not verify" in wrong.output
    other = sou("audit", "reserve", str(note), "--ledger-key", "00" * 32, ok=False)
    assert other.exit_code == 1
    assert "FAILED" in other.output
    note.write_text(note.read_text().replace("liabilities 2500", "liabilities 2400"))
    tampered = sou("audit", "reserve", str(note), "--ledger-key", key, ok=False)
    assert (tampered.exit_code, "FAILED: the statement does not verify" in tampered.output) == (
        1,
        True,
    )


def test_a_second_publication_the_same_day_fails_with_a_message(sou: Sou) -> None:
    resident(sou, 100)
    sou("reserve", "publish", "--date", "2026-03-31")
    again = sou("reserve", "publish", "--date", "2026-03-31", ok=False)
    assert again.exit_code == 1
    assert "already published for 2026-03-31" in again.output
