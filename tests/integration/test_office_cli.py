"""`sou office …`: an exchange office driven from scripts, signed by the machine's agent key."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledger.persistence.database import make_engine
from ledger.persistence.tables import ACCOUNTS, ENTRIES
from tests.integration.test_cli import Sou

HEX64 = set("0123456789abcdef")


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def balances_and_size(db_url: str) -> tuple[dict[int, int], int]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(ACCOUNTS.c.number, ACCOUNTS.c.credits - ACCOUNTS.c.debits))
            size = conn.execute(select(func.count()).select_from(ENTRIES)).scalar_one()
            return {number: balance for number, balance in rows}, size
    finally:
        engine.dispose()


def is_record_id(text: str) -> bool:
    return len(text) == 64 and set(text) <= HEX64


def test_an_office_hands_out_paper_takes_it_back_deposits_and_counts_its_cash(
    sou: Sou, db_url: str
) -> None:
    sou("db", "upgrade")
    resident = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    assert is_record_id(sou.last_line("admin", "convert", resident, "5000"))
    assert is_record_id(sou.last_line("office", "paper-issue", "3000"))
    assert is_record_id(sou.last_line("office", "deposit", "3000", "--reserve", "paper"))
    assert is_record_id(sou.last_line("office", "paper-exchange", resident, "1000"))
    assert is_record_id(sou.last_line("office", "deposit", "2000", "--reserve", "digital"))

    result = sou("office", "cash")
    lines = result.output.strip().splitlines()
    assert lines[-1] == "3000"
    assert "cash 30,00\u00a0EUR" in lines
    assert "paper notes exchanged 10,00\u00a0EUR" in lines
    balances, _ = balances_and_size(db_url)
    office = 101
    assert balances[int(resident)] == 60_00
    assert (balances[office], balances[11], balances[12], balances[2]) == (
        30_00,
        30_00,
        20_00,
        20_00,
    )

    log = sou.tmp / "ledger.log"
    sou("export", "log", str(log))
    assert sou.last_line("audit", "verify", str(log)).startswith("OK:")


def test_an_office_cannot_deposit_more_cash_or_take_back_more_paper_than_it_has(
    sou: Sou, db_url: str
) -> None:
    sou("db", "upgrade")
    resident = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léo")
    sou("admin", "convert", resident, "1000")
    before = balances_and_size(db_url)

    refused = sou("office", "deposit", "1001", "--reserve", "digital", ok=False)
    assert refused.exit_code == 1
    assert "lacks 1 cents" in refused.output
    refused = sou("office", "paper-exchange", resident, "500", ok=False)
    assert refused.exit_code == 1
    assert "lacks 500 cents" in refused.output
    assert balances_and_size(db_url) == before


def test_a_wrong_reserve_or_amount_is_a_usage_error(sou: Sou) -> None:
    sou("db", "upgrade")
    assert sou("office", "deposit", "100", "--reserve", "savings", ok=False).exit_code == 2
    assert sou("office", "paper-issue", "0", ok=False).exit_code == 2
    assert sou("office", "paper-issue", "12,50", ok=False).exit_code == 2


def test_the_office_key_can_be_named_on_the_command_line(sou: Sou, tmp_path: Path) -> None:
    sou("db", "upgrade")
    key = tmp_path / "tablet.key"
    assert is_record_id(sou.last_line("office", "paper-issue", "700", "--office-key", str(key)))
    assert key.stat().st_mode & 0o777 == 0o600
    assert sou.last_line("office", "cash", "--office-key", str(key)) == "700"
