"""Key files: the ledger, office and treasurer keys are refused unless private to their owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_cli import Sou


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def test_every_command_refuses_a_ledger_key_file_others_may_read(sou: Sou) -> None:
    sou("db", "upgrade")
    key_file = Path(sou.env["SOU_LEDGER_KEY"])
    key_file.chmod(0o644)
    for command in (
        ("db", "upgrade"),
        ("admin", "account", "create", "--kind", "resident", "--name", "Léa"),
        ("serve", "--port", "1"),
    ):
        result = sou(*command, ok=False)
        assert result.exit_code == 1, (command, result.output)
        assert result.output.startswith("error:"), command
        assert "mode 0644" in result.output and "chmod 600" in result.output, command
    key_file.chmod(0o600)
    assert sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")


def test_the_office_and_treasurer_keys_are_refused_unless_private(sou: Sou) -> None:
    sou("db", "upgrade")
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léo")
    sou("admin", "convert", number, "1000")  # creates the office key, mode 0600
    office_key = Path(sou.env["SOU_OFFICE_KEY"])
    assert office_key.stat().st_mode & 0o777 == 0o600
    office_key.chmod(0o640)
    refused = sou("admin", "convert", number, "1000", ok=False)
    assert refused.exit_code == 1 and "mode 0640" in refused.output
    office_key.chmod(0o600)
    sou("admin", "convert", number, "1000")
    bank = {"SOU_RESERVE_IBAN": "FR7630006000011234567890189", "SOU_RESERVE_BIC": "AGRIFRPP"}
    payouts = ("treasurer", "payouts", "--sepa", str(sou.tmp / "batch.xml"))
    first = sou(*payouts, ok=False, **bank)  # creates the treasurer key, mode 0600
    assert "mode" not in first.output
    treasurer_key = Path(sou.env["SOU_TREASURER_KEY"])
    assert treasurer_key.stat().st_mode & 0o777 == 0o600
    treasurer_key.chmod(0o604)
    refused = sou(*payouts, ok=False, **bank)
    assert refused.exit_code == 1 and "mode 0604" in refused.output
