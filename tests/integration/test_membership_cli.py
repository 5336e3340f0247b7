"""`sou member membership …`: fees, payments and status driven from scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_cli import Sou


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def test_the_treasurer_sets_a_fee_records_a_payment_and_lists_members_by_status(sou: Sou) -> None:
    sou("db", "upgrade")
    lea = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    leo = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léo")
    assert sou.last_line("member", "membership", "fee", "2025", "resident", "10,00") == (
        "2025 resident 10,00 €"
    )
    refused = sou("member", "membership", "pay", lea, "--year", "2026", ok=False)
    assert refused.exit_code == 1
    assert "no resident membership fee is set for 2026" in refused.output
    receipt = sou.tmp / "recu.html"
    result = sou("member", "membership", "pay", lea, "--year", "2025", "--receipt", str(receipt))
    assert result.output.strip().splitlines()[-1] == "1"
    assert "Reçu d’adhésion" in receipt.read_text(encoding="utf-8")
    assert "10,00 €" in receipt.read_text(encoding="utf-8")
    again = sou("member", "membership", "pay", lea, "--year", "2025", ok=False)
    assert "has paid its fee for 2025" in again.output

    assert sou.last_line("member", "membership", "status", lea, "--year", "2025") == "up-to-date"
    assert sou.last_line("member", "membership", "status", lea, "--year", "2026") == "lapsed"
    assert sou.last_line("member", "membership", "status", leo, "--year", "2026") == "never"
    listed = sou("member", "membership", "list", "--status", "lapsed", "--year", "2026")
    lines = listed.output.strip().splitlines()
    assert lines[-1] == "1"
    assert lines[0] == f"{lea} lapsed 2025 Léa"


def test_a_fee_in_the_currency_with_no_payment_to_the_association_is_refused(sou: Sou) -> None:
    sou("db", "upgrade")
    lea = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    sou("member", "membership", "fee", "2025", "resident", "10,00")
    refused = sou("member", "membership", "pay", lea, "--year", "2025", "--in-currency", ok=False)
    assert refused.exit_code == 1
    assert "made no payment of 1000 cents to the association" in refused.output
    assert sou.last_line("member", "membership", "status", lea, "--year", "2025") == "never"
