"""The console's import from another platform in a real browser: the treasurer previews a
Cyclos export (made by scripts/make_cyclos_export.py), reads the reconciliation, signs the
opening balances with the device key and imports; a broken file is refused with its sentence;
FR and EN; axe-core finds no serious or critical violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from association.platform_import import parse_cyclos
from tests.e2e.conftest import Service
from tests.e2e.test_pilot_pages import sweep
from tests.integration.test_platform_import import GENERATOR

NewPage = Callable[[], Page]


def test_the_treasurer_imports_a_cyclos_export_from_the_console(
    own_service: Service, new_page: NewPage, tmp_path: Path
) -> None:
    service = own_service
    GENERATOR.write(tmp_path / "export", users=25, transfers=75, seed=9)
    files = {
        name: tmp_path / "export" / f"{name}.csv" for name in ("users", "accounts", "transfers")
    }
    broken = tmp_path / "broken.csv"
    broken.write_text(files["accounts"].read_text().replace("Solde", "Avoir"))
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    page.goto(service.url + "/association")
    page.get_by_label("Code d’enrôlement").fill(service.enrolment_code(association, "treasurer"))
    page.get_by_role("button", name="Enrôler").click()
    section = page.locator("#platform-import")
    expect(section).to_be_visible()
    # the console's figures are drawn (its chart named) once loaded: then the page is whole
    expect(page.locator("#chart")).to_have_attribute("aria-label", re.compile("."))
    sweep(page, "console import")
    # a broken file: refused with its sentence, nothing to sign
    page.get_by_label("Utilisateurs (Cyclos seulement)").set_input_files(files["users"])
    page.get_by_label("Comptes et soldes").set_input_files(broken)
    page.get_by_role("button", name="Prévisualiser la reprise").click()
    expect(page.locator("#message")).to_contain_text("Un fichier de la reprise ne se lit pas")
    expect(page.locator("#imp-sign")).to_be_hidden()
    # the export itself
    page.get_by_label("Comptes et soldes").set_input_files(files["accounts"])
    page.get_by_label("Transferts (historique, facultatif)").set_input_files(files["transfers"])
    page.get_by_role("button", name="Prévisualiser la reprise").click()
    plan = page.locator("#imp-plan")
    expect(plan).to_contain_text("25 compte(s) à ouvrir")
    expect(plan).to_contain_text("écart : 0,00\u00a0€")
    expect(plan.locator("table tr")).to_have_count(3)
    sweep(page, "console import, plan")
    page.get_by_role("button", name="English").click()
    expect(plan).to_contain_text("25 account(s) to open")
    page.get_by_role("button", name="Français").click()
    sign = page.locator("#imp-sign")
    expect(sign).to_contain_text("Signer et importer les")
    sign.click()
    outcome = page.locator("#imp-outcome")
    expect(outcome).to_contain_text("Reprise n° 1 faite : 25 compte(s) ouverts")
    expect(outcome).to_contain_text("écart : 0,00\u00a0€")
    expect(page.locator("#acts")).to_contain_text("Reprise depuis une autre plateforme")
    sweep(page, "console import, done")
    parsed = parse_cyclos(*(files[n].read_bytes() for n in ("users", "accounts", "transfers")))
    assert service.balance(association + 1) == parsed.holders[0].balance
