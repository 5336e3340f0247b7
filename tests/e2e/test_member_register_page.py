"""The members' register in a real browser (issue 20, part 4): the treasurer imports a
spreadsheet on the console after a preview that shows its errors, finds a member without
their accents, corrects their contact and closes an empty account; an office agent finds a
member by name and picks them for the counter's forms."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import FilePayload, Page, expect

from association.bank_import import register_bank_account
from ledger.holders import set_holder
from tests.e2e.conftest import Service
from tests.e2e.test_pages import enrol
from tests.e2e.test_pilot_pages import violations
from tests.integration.test_banking import DIGITAL

NewPage = Callable[[], Page]

BROKEN = "Prénom;Nom;Courriel;Consentement\nÉlodie;Martin;elodie@example.org;oui\nKarim;Benali;;\n"
GOOD = "Prénom;Nom;Courriel;Consentement\nÉlodie;Martin;elodie@example.org;oui\nKarim;Benali;;oui\n"


def _file(text: str) -> FilePayload:
    return {"name": "membres.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_the_treasurer_imports_finds_corrects_and_closes_members(
    own_service: Service, new_page: NewPage
) -> None:
    service = own_service
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    enrol(page, service.url + "/association", service.enrolment_code(association, "treasurer"))
    expect(page.locator("#figure-coverage")).to_be_visible()

    page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(_file(BROKEN))
    page.get_by_role("button", name="Aperçu").click()
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("2 ligne(s), 1 en erreur.")
    expect(preview.locator("tr.bad")).to_contain_text("consentement manquant")
    expect(page.locator("#import-confirm")).to_have_count(0)
    assert violations(page) == []

    page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(_file(GOOD))
    page.get_by_role("button", name="Aperçu").click()
    page.get_by_role("button", name="Importer 2 adhérent(s)").click()
    expect(page.locator("#register-outcome")).to_contain_text("2 compte(s) ouvert(s)")

    page.get_by_label("Nom, courriel, téléphone ou n° de compte").fill("elodie")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#register-total")).to_have_text("1 adhérent(s) trouvé(s)")
    row = page.locator("#register-list li").first
    expect(row).to_contain_text("Élodie Martin")
    number = row.get_attribute("data-number")
    row.get_by_role("button", name="Corriger").click()
    row.get_by_label("Courriel ou téléphone (vide = aucun)").fill("06 12 34 56 78")
    row.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.locator("#register-outcome")).to_have_text(f"Fiche n° {number} corrigée.")
    expect(page.locator("#register-list li").first).to_contain_text("06 12 34 56 78")
    assert violations(page) == []

    row = page.locator("#register-list li").first
    row.get_by_role("button", name="Clore le compte").click()
    row.get_by_role("button", name=f"Confirmer : clore le compte n° {number}").click()
    expect(page.locator("#register-outcome")).to_contain_text(f"Compte n° {number} clos")
    expect(page.locator("#register-list li").first).to_contain_text("Clos")
    # picked, the member's number is ready for the data-rights form (erasure, now allowed)
    page.locator("#register-list li").first.get_by_role("button", name="Choisir").click()
    expect(page.get_by_label("N° de compte du membre")).to_have_value(str(number))

    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#register-total")).to_have_text("1 member(s) found")
    expect(page.locator("#register-list li").first).to_contain_text("Closed")
    assert violations(page) == []


def test_an_agent_finds_a_member_by_name_and_picks_them(
    own_service: Service, new_page: NewPage
) -> None:
    service = own_service
    world = service.world
    rich = service.open_account("resident", "Inès Durand", balance=12_00)
    with world.ledger.unit_of_work() as uow:
        set_holder(uow, number=rich, name="Inès Durand", contact="ines@example.org")
        uow.commit()
    page = new_page()
    enrol(page, service.url + "/office", service.enrolment_code(world.office.number, "agent"))
    expect(page.locator("#cash")).to_be_visible()
    expect(page.locator("#import-form")).to_be_hidden()
    page.get_by_label("Nom, courriel, téléphone ou n° de compte").fill("ines@")
    page.get_by_role("button", name="Chercher").click()
    row = page.locator("#register-list li").first
    expect(row).to_contain_text("Inès Durand")
    expect(row).to_contain_text("solde 12,00\u00a0RTZ")
    row.get_by_role("button", name="Clore le compte").click()
    expect(page.locator("#register-outcome")).to_contain_text("Le compte contient encore 12,00")
    row.get_by_role("button", name="Choisir").click()
    expect(page.locator("#convert-to")).to_have_value(str(rich))
    expect(page.locator("#devices-holder")).to_contain_text(str(rich))
    assert violations(page) == []


def test_the_treasurer_gives_a_new_agent_a_code_their_tablet_enrols(
    own_service: Service, new_page: NewPage
) -> None:
    """Roles (part 8): each volunteer has their own key, enrolled on their own device."""
    service = own_service
    association = service.open_account("association", "Association de la monnaie")
    console = new_page()
    enrol(console, service.url + "/association", service.enrolment_code(association, "treasurer"))
    expect(console.locator("#volunteers")).to_be_visible()
    console.locator("#volunteer-role").select_option("agent")
    console.get_by_role("button", name="Donner un code d’enrôlement").click()
    expect(console.locator("#volunteer-code")).to_contain_text("Code à usage unique")
    text = console.locator("#volunteer-code").text_content() or ""
    code = text.split("unique : ")[1].split(" ")[0]
    assert violations(console) == []

    tablet = new_page()
    enrol(tablet, service.url + "/office", code)
    expect(tablet.locator("#cash")).to_be_visible()

    console.reload()
    rows = console.locator("#volunteer-list li")
    agent = rows.filter(has_text="Agent d’un comptoir").filter(has_text="comptoir (web)")
    expect(agent).to_have_count(1)
    agent.get_by_role("button").click()
    agent.get_by_role("button", name=re.compile("^Confirmer la révocation")).click()
    expect(agent).to_contain_text("révoqué")
    tablet.reload()
    expect(tablet.locator("#message")).to_contain_text("Cet appareil a été révoqué")


def test_the_treasurer_imports_the_banks_statement_from_the_console(
    own_service: Service, new_page: NewPage
) -> None:
    service = own_service
    with service.world.ledger.unit_of_work() as uow:
        register_bank_account(uow, iban=DIGITAL, reserve="digital", label="CIC")
        uow.commit()
    text = (
        f"Compte;{DIGITAL}\r\n"
        "Solde initial;28/02/2026;0,00 €\r\n"
        "Date opération;Libellé;Montant\r\n"
        "02/03/2026;VERSEMENT ESPECES;120,00\r\n"
        "05/03/2026;FRAIS TENUE DE COMPTE;-1,20\r\n"
        "Solde final;31/03/2026;118,80 €\r\n"
    )
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    enrol(page, service.url + "/association", service.enrolment_code(association, "treasurer"))
    page.get_by_label("Relevé de la banque (camt.053, CFONB 120 ou CSV)").set_input_files(
        {"name": "releve.csv", "mimeType": "text/csv", "buffer": text.encode("iso8859-15")}
    )
    page.get_by_role("button", name="Importer le relevé").click()
    expect(page.locator("#bank-import-outcome")).to_contain_text(
        "2 ligne(s), 0 rapprochée(s), 2 à rapprocher"
    )
    expect(page.locator("#lines form")).to_have_count(2)
    assert violations(page) == []
    # the same file twice is refused, in words
    page.get_by_label("Relevé de la banque (camt.053, CFONB 120 ou CSV)").set_input_files(
        {"name": "releve.csv", "mimeType": "text/csv", "buffer": text.encode("iso8859-15")}
    )
    page.get_by_role("button", name="Importer le relevé").click()
    expect(page.locator("#message")).not_to_be_empty()
