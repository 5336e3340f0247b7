"""`sou bank …` as a treasurer's script drives it: register, import, list, top up, resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from association.rf import rf_reference
from tests.integration.test_banking import DATA, DIGITAL
from tests.integration.test_cli import Sou


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def statement_for(tmp_path: Path, member: str) -> Path:
    """The bank's CSV export of the digital account: one top-up by the member, one bank fee."""
    text = (
        f"Compte;{DIGITAL}\r\n"
        "Solde initial;28/02/2026;0,00 €\r\n"
        "Date opération;Date valeur;Libellé;Montant;Référence\r\n"
        f"02/03/2026;02/03/2026;VIR SEPA RECU /DE Léa /REF {rf_reference(member)};25,00;B1\r\n"
        "05/03/2026;05/03/2026;FRAIS TENUE DE COMPTE;-1,20;B2\r\n"
        "Solde final;31/03/2026;23,80 €\r\n"
    )
    path = tmp_path / "releve-2026-03.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    return path


def test_a_treasurer_imports_a_statement_tops_up_a_member_and_resolves_a_fee(
    sou: Sou, tmp_path: Path
) -> None:
    sou("db", "upgrade")
    member = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    registered = sou.last_line("bank", "account", DIGITAL, "--reserve", "digital", "--label", "CIC")
    assert registered == f"{DIGITAL} reserve:digital"
    file = statement_for(tmp_path, member)
    statement = sou.last_line("bank", "import", str(file))
    assert statement.isdigit()
    listed = sou("bank", "lines", "--open").output.strip().splitlines()
    assert listed[-1] == "2 lines"
    assert f"top-up for {member}" in listed[0]

    entry = sou.last_line("bank", "topup", statement, "1")
    assert entry.isdigit()
    resolved = sou.last_line("bank", "resolve", statement, "2", "Frais bancaires de mars")
    assert "resolved" in resolved and "Frais bancaires de mars" in resolved
    assert sou.last_line("bank", "lines", "--open") == "0 lines"

    again = sou("bank", "topup", statement, "1", ok=False)
    assert again.exit_code == 1 and "matched already" in again.output
    duplicate = sou("bank", "import", str(file), ok=False)
    assert duplicate.exit_code == 1 and "already imported" in duplicate.output


def test_a_file_of_another_account_is_refused_by_the_command(sou: Sou) -> None:
    sou("db", "upgrade")
    sou("bank", "account", DIGITAL, "--reserve", "digital", "--label", "CIC")
    refused = sou("bank", "import", str(DATA / "csv_fr_montant_utf8_bom.csv"), ok=False)
    assert refused.exit_code == 1 and "error:" in refused.output
    assert sou.last_line("bank", "lines") == "0 lines"


def test_the_reserve_check_and_a_match_by_hand_from_the_command_line(
    sou: Sou, tmp_path: Path
) -> None:
    sou("db", "upgrade")
    member = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    sou("bank", "account", DIGITAL, "--reserve", "digital", "--label", "CIC")
    statement = sou.last_line("bank", "import", str(statement_for(tmp_path, member)))
    checked = sou("bank", "check").output.strip().splitlines()
    assert checked[0].startswith(f"{DIGITAL} reserve:digital\tbank 23,80\tledger 0,00")
    assert [x.split("\t")[0] for x in checked[1:3]] == ["  open line", "  open line"]
    assert checked[-1] == "0 of 1 bank accounts balanced"

    nothing = sou("bank", "match", statement, "2", "--batch", "1", "frais", ok=False)
    assert nothing.exit_code == 1 and "expects no batch 1" in nothing.output
    neither = sou("bank", "match", statement, "2", "frais", ok=False)
    assert neither.exit_code == 1 and "one entry or one payout batch" in neither.output

    sou("bank", "topup", statement, "1")
    sou("bank", "resolve", statement, "2", "Frais bancaires de mars")
    checked = sou("bank", "check").output.strip().splitlines()
    assert "unexplained -1,20" in checked[0] and len(checked) == 2
    assert checked[-1] == "0 of 1 bank accounts balanced"
