"""`sou export fec|csv|beancount`, `sou report evaluation` and `sou admin auditor …`."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from association.fec import FEC_COLUMNS
from ledger.admin import enrol_device
from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.records import parse_time
from ledger.signing import SigningKey
from tests.integration.test_cli import Sou
from tests.unit.test_beancount_export import BEAN_CHECK


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    sou = Sou(db_url, tmp_path)
    sou("db", "upgrade")
    return sou


def test_the_accounting_exports_are_written_from_a_loaded_pilot(sou: Sou) -> None:
    sou("pilot", "load", "--residents", "6", "--months", "1")
    fec, journal, books = (sou.tmp / name for name in ("fec.txt", "journal.csv", "sou.beancount"))
    assert sou.last_line("export", "fec", str(fec)) == str(fec)
    lines = fec.read_bytes().decode("iso8859-15").split("\r\n")[:-1]
    assert lines[0].split("|") == list(FEC_COLUMNS)
    assert len(lines) > 10 and all(len(line.split("|")) == 18 for line in lines)
    assert sou.last_line("export", "csv", str(journal)) == str(journal)
    assert journal.read_text("utf-8-sig").startswith("Journal;")
    assert sou.last_line("export", "beancount", str(books)) == str(books)
    check = subprocess.run(
        [str(BEAN_CHECK), str(books)], capture_output=True, text=True, check=False, timeout=120
    )
    assert check.returncode == 0, check.stdout + check.stderr
    report = sou.tmp / "evaluation.csv"
    assert sou.last_line("report", "evaluation", "--csv", str(report)) == str(report)
    assert report.read_text("utf-8-sig").startswith("Mois;Résidents actifs;")
    shown = sou("report", "evaluation", SOU_PILOT_END="").output.strip().splitlines()
    assert shown[-1].endswith("months")
    assert "pilot end: not set (SOU_PILOT_END)" in shown


def test_the_evaluation_report_judges_the_pilot_on_its_last_complete_month(sou: Sou) -> None:
    sou("pilot", "load", "--residents", "6", "--months", "2")  # a whole month before this one
    lines = sou("report", "evaluation", SOU_PILOT_END="2099-12-31").output.strip().splitlines()
    assert lines[-1].endswith("months")
    assert re.fullmatch(r"pilot end: 2099-12-31, \d+ days left", lines[-8]), lines
    assert lines[-7].startswith("criterion | target | month judged | value | status")
    rows = {line.split(" | ")[0]: line.split(" | ")[1:] for line in lines[-6:-1]}
    assert list(rows) == [
        "active_residents",
        "active_merchants",
        "volume",
        "merchant_share_bp",
        "reconversion_rate_bp",
    ]
    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    target, month, value, verdict = rows["active_residents"]
    assert (target, month, verdict) == (">= 100", last_month, "NOT MET")  # 6 residents
    assert 0 < int(value) <= 6
    assert rows["reconversion_rate_bp"][0] == "<= 5000"
    assert all(row[3] in ("MET", "NOT MET", "NOT JUDGED") for row in rows.values())
    refused = sou("report", "evaluation", ok=False, SOU_PILOT_END="31/12/2099")
    assert refused.exit_code == 1 and "SOU_PILOT_END is not a date" in refused.output


def test_a_year_with_no_entry_gives_a_fec_with_its_header_only(sou: Sou) -> None:
    fec = sou.tmp / "fec-2020.txt"
    sou("export", "fec", str(fec), "--year", "2020")
    assert fec.read_bytes() == ("|".join(FEC_COLUMNS) + "\r\n").encode("iso8859-15")
    assert sou("export", "fec", str(fec), "--year", "1999", ok=False).exit_code == 2


def enrol(sou: Sou, code: str) -> str:
    """The auditor's laptop enrols its key with the code (as `POST /v1/devices` would)."""
    ledger = open_ledger(Settings.from_env(sou.env))
    key = SigningKey.generate()
    try:
        with ledger.unit_of_work() as uow:
            enrol_device(uow, code=code, public_key=key.public_bytes, now=ledger.clock())
            uow.commit()
    finally:
        ledger.engine.dispose()
    return key.kid


def test_the_treasurer_grants_an_auditor_a_window_and_reads_the_visits(sou: Sou) -> None:
    account = sou.last_line(
        "admin", "account", "create", "--kind", "association", "--name", "Audit"
    )
    kid = enrol(sou, sou.last_line("admin", "enrol", account, "--role", "auditor"))
    until = sou.last_line("admin", "auditor", "grant", kid, "--days", "30")
    assert parse_time(until) > 0
    assert sou.last_line("admin", "auditor", "visits") == "0 visits"

    resident = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    other = enrol(sou, sou.last_line("admin", "enrol", resident, "--role", "resident"))
    refused = sou("admin", "auditor", "grant", other, "--days", "30", ok=False)
    assert refused.exit_code == 1 and "not an auditor" in refused.output
    too_long = sou("admin", "auditor", "grant", kid, "--days", "400", ok=False)
    assert too_long.exit_code == 1 and "1 to 366 days" in too_long.output
    unknown = sou("admin", "auditor", "grant", "00000000", "--days", "3", ok=False)
    assert unknown.exit_code == 1 and "no key 00000000" in unknown.output
