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
            "SOU_TREASURER_KEY": str(tmp_path / "treasurer.key"),
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


def test_a_merchant_is_approved_closes_its_day_and_is_paid_out_from_scripts(sou: Sou) -> None:
    from ledger.admin import enrol_device
    from ledger.bootstrap import open_ledger
    from ledger.config import Settings
    from ledger.posting import post_record
    from ledger.records import operation
    from ledger.signing import create_key_file, load_key_file
    from merchants.payouts import request_reconversion
    from merchants.sepa import validate

    sou("db", "upgrade")
    shop = sou.last_line(
        "merchant", "apply", "--kind", "business", "--name", "Épicerie du Port",
        "--address", "3 quai des Corsaires", "--activity", "épicerie",
        "--iban", "FR7630006000011234567890189", "--closing", "02:00",
    )  # fmt: skip
    bad = sou("merchant", "apply", "--kind", "business", "--name", "X", "--address", "Y",
              "--activity", "Z", "--iban", "FR7630006000011234567890188", ok=False)  # fmt: skip
    assert bad.exit_code == 1 and "IBAN" in bad.output
    assert sou.last_line("merchant", "approve", shop) == "approved"
    sou("admin", "convert", shop, "50000")
    ledger = open_ledger(Settings.from_env(sou.env))
    try:  # the merchant's phone enrols its key; the office takes its cash to the bank
        key_file = sou.tmp / "shop.key"
        key = create_key_file(key_file)
        code = sou.last_line("admin", "enrol", shop, "--role", "merchant")
        office_key = load_key_file(Path(sou.env["SOU_OFFICE_KEY"]))
        with ledger.unit_of_work() as uow:
            enrol_device(uow, code=code, public_key=key.public_bytes, now=ledger.clock())
            office = uow.store.keys([office_key.kid])[office_key.kid].account
            deposit = operation("deposit", key=office_key, host=ledger.host,
                                currency=ledger.currency, now=ledger.clock(), office=str(office),
                                reserve="digital", amount=50000)  # fmt: skip
            post_record(uow, record=deposit)
            uow.commit()
        today = sou("merchant", "day", shop).output.splitlines()[0].split("— ")[1][:10]
        entry = sou.last_line("merchant", "close-day", shop, today, "--key", str(key_file))
        assert entry.isdigit()
        assert sou.last_line("merchant", "close-day", shop, today, "--key", str(key_file)) == entry
        sou("treasurer", "fee-rule", "business", "2,5", "--no-membership-required")
        csv_file = sou.tmp / "takings.csv"
        sou("merchant", "takings", shop, today, today, str(csv_file))
        assert csv_file.read_bytes().startswith("\ufeff".encode())
        reconversion = operation("reconversion", key=key, host=ledger.host,
                                 currency=ledger.currency, now=ledger.clock(), from_=shop,
                                 amount=200_00, fee=5_00)  # fmt: skip
        with ledger.unit_of_work() as uow:
            request_reconversion(uow, record=reconversion, now=ledger.clock())
            uow.commit()
    finally:
        ledger.engine.dispose()
    sou.env.update(SOU_RESERVE_IBAN="FR7630004000031234567890143", SOU_RESERVE_BIC="BNPAFRPP")
    sepa = sou.tmp / "batch.xml"
    batch = sou("treasurer", "payouts", "--sepa", str(sepa)).output.splitlines()
    assert batch[-2].startswith("1 payouts, 19500 cents")
    assert (validate(sepa.read_bytes()).count, validate(sepa.read_bytes()).total) == (1, 195_00)
    assert sou.last_line("treasurer", "executed", batch[-1]) == "executed"
    nothing = sou("treasurer", "payouts", "--sepa", str(sou.tmp / "none.xml"), ok=False)
    assert "at least one" in nothing.output
    log = sou.tmp / "ledger.log"
    sou("export", "log", str(log))
    assert sou.last_line("audit", "verify", str(log)).startswith("OK:")


def test_the_shell_is_named_in_the_trail_of_acts(sou: Sou) -> None:
    sou("db", "upgrade")
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    sou("admin", "enrol", number, "--role", "resident")
    lines = sou("admin", "acts", "--limit", "2").output.strip().splitlines()
    assert lines[-1] == "2 acts"
    assert " shell:" in lines[0] and f" key.code {number} " in lines[0]
    assert " shell:" in lines[1] and f" account.open {number} " in lines[1]
