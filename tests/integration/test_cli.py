from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sou.cli import main


class Sou:
    """Runs `sou …` against one database and key file, as a script would."""

    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.env = {
            "SOU_DATABASE_URL": db_url,
            "SOU_LEDGER_KEY": str(tmp_path / "ledger.key"),
            "SOU_OFFICE_KEY": str(tmp_path / "office.key"),
            "SOU_HOST": "pay.example.org",
            "SOU_CURRENCY": "RTZ",
        }

    def __call__(self, *args: str, ok: bool = True, **env: str) -> Result:
        result = CliRunner().invoke(main, list(args), env={**self.env, **env})
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def last_line(self, *args: str) -> str:
        return self(*args).output.strip().splitlines()[-1]


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def test_an_administrator_can_drive_the_ledger_from_scripts(sou: Sou) -> None:
    sou("db", "upgrade")
    assert (sou.tmp / "ledger.key").stat().st_mode & 0o777 == 0o600
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    assert number.isdigit()
    code = sou.last_line("admin", "enrol", number, "--role", "resident")
    assert len(code.replace("-", "")) == 12
    record_id = sou.last_line("admin", "convert", number, "2500")
    assert len(record_id) == 64
    log = sou.tmp / "ledger.log"
    sou("export", "log", str(log))
    assert sou.last_line("audit", "verify", str(log)).startswith("OK:")


def test_the_pilot_loads_into_an_empty_ledger_and_its_log_verifies(sou: Sou) -> None:
    sou("db", "upgrade")
    summary = sou.last_line("pilot", "load", "--residents", "6", "--months", "1")
    assert "6 residents" in summary
    refused = sou("pilot", "load", ok=False)
    assert refused.exit_code == 1
    assert "empty" in refused.output
    assert "not loaded" in sou.last_line("pilot", "load", "--if-empty")
    log = sou.tmp / "pilot.log"
    sou("export", "log", str(log))
    assert sou.last_line("audit", "verify", str(log)).startswith("OK:")


def test_a_tampered_log_fails_the_audit_naming_the_entry(sou: Sou) -> None:
    sou("db", "upgrade")
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léo")
    sou("admin", "convert", number, "1000")
    log = sou.tmp / "ledger.log"
    sou("export", "log", str(log))
    lines = log.read_text().splitlines()
    lines[3] = lines[3].replace('"i":2', '"i":3')
    log.write_text("\n".join(lines) + "\n")
    result = sou("audit", "verify", str(log), ok=False)
    assert result.exit_code == 1
    assert "FAILED at entry" in result.output


def test_settings_that_disagree_with_the_genesis_are_refused(sou: Sou) -> None:
    sou("db", "upgrade")
    result = sou("db", "upgrade", ok=False, SOU_HOST="other.example.org")
    assert result.exit_code == 1
    assert "other.example.org" in result.output


def test_revoking_an_unknown_key_is_a_clear_error(sou: Sou) -> None:
    sou("db", "upgrade")
    result = sou("admin", "revoke", "0badc0de", ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("error:")
