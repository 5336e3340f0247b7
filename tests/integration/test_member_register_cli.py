"""`sou member find|edit|close|import`: the members' register from the server's shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_cli import Sou


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def test_members_are_imported_found_corrected_and_closed(sou: Sou) -> None:
    sou("db", "upgrade")
    members = sou.tmp / "membres.csv"
    members.write_text(
        "Nom,Email,Consentement\nÉlodie Martin,elodie@example.org,oui\nKarim Benali,,non\n",
        encoding="utf-8-sig",
    )
    preview = sou("member", "import", str(members)).output.splitlines()
    assert preview[-3:] == [
        "line 2: Élodie Martin <elodie@example.org> ok",
        "line 3: Karim Benali <> consent-missing",
        "2 lines, 1 in error (preview only)",
    ]
    refused = sou("member", "import", str(members), "--confirm", ok=False)
    assert refused.exit_code == 1 and "nothing was written" in refused.output
    assert sou.last_line("member", "find") == "0 members"

    members.write_text("Nom;Email;Consentement\nÉlodie Martin;elodie@example.org;oui\n")
    number = sou.last_line("member", "import", str(members), "--confirm")
    assert number.isdigit()
    found = sou("member", "find", "elodie").output.splitlines()
    assert found == [
        f"{number}\tresident\topen\t0,00\tÉlodie Martin\telodie@example.org",
        "1 members",
    ]
    assert sou.last_line("member", "edit", number, "--contact", "") == number
    assert sou("member", "find", number).output.splitlines()[0].endswith("Élodie Martin\t")
    bad = sou("member", "edit", number, "--contact", "nope", ok=False)
    assert bad.exit_code == 1 and "contact" in bad.output
    sou.last_line("admin", "convert", number, "100")
    full = sou("member", "close", number, ok=False)
    assert full.exit_code == 1 and "holds 100 cents" in full.output
