"""`sou import cyclos|generic|archive`: the realistic export the generator script writes,
previewed, signed with the treasurer key file and imported; the log still audits clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_cli import Sou

SCRIPT = Path(__file__).parents[2] / "scripts" / "make_cyclos_export.py"


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def test_a_cyclos_export_is_imported_from_the_shell_and_the_log_audits(sou: Sou) -> None:
    out = sou.tmp / "export"
    subprocess.run(
        [sys.executable, str(SCRIPT), str(out), "--users", "1500", "--transfers", "5000"],
        check=True,
    )
    files = ["--users", str(out / "users.csv"), "--accounts", str(out / "accounts.csv")]
    files += ["--transfers", str(out / "transfers.csv")]
    sou("db", "upgrade")
    preview = sou("import", "cyclos", *files).output.splitlines()
    assert preview[0].startswith("1500 accounts to open from ")
    assert preview[-1] == "preview only"
    assert preview[-2].endswith("difference: 0,00 €")
    done = sou("import", "cyclos", *files, "--confirm").output.splitlines()
    assert done[-1] == "1"
    assert any(line.startswith("ledger_after: ") for line in done)
    opened = done[-2]
    assert opened.startswith("1500 accounts opened (")
    first = int(opened.split("(")[1].split("–")[0])
    archive = sou("import", "archive", str(first), "--limit", "3").output.splitlines()
    assert int(archive[-1]) >= 1 and len(archive) <= 4
    again = sou("import", "cyclos", *files, "--confirm", ok=False)
    assert again.exit_code == 1 and "already imported" in again.output
    log = sou.tmp / "ledger.log"
    sou("export", "log", str(log))
    assert sou.last_line("audit", "verify", str(log)).startswith("OK:")


def test_a_broken_generic_file_is_refused_from_the_shell(sou: Sou) -> None:
    sou("db", "upgrade")
    accounts = sou.tmp / "comptes.csv"
    accounts.write_text("identifiant;nom;type;solde\na1;Léa;particulier;12,3x\n")
    refused = sou("import", "generic", "--accounts", str(accounts), "--confirm", ok=False)
    assert (
        refused.exit_code == 1 and "line 2" in refused.output and "not an amount" in refused.output
    )
    accounts.write_text("identifiant;nom;type;solde\na1;Léa;particulier;12,30\n")
    assert sou.last_line("import", "generic", "--accounts", str(accounts), "--confirm") == "1"
