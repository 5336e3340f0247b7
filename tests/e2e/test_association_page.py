"""The association's console in a real browser: the treasurer reads the reserve and publishes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from association.bank_import import register_bank_account, statement_lines
from association.reconciliation import resolve_line
from association.reserve_statement import verify_statement
from association.rf import rf_reference
from association.statement_import import import_statement
from association.tables import NOTE_DELIVERIES
from ledger import queries
from ledger.persistence.tables import KEYS
from tests.e2e.conftest import Service
from tests.e2e.test_pages import enrol
from tests.integration.test_banking import DIGITAL
from tests.support import World

NewPage = Callable[[], Page]


def test_the_treasurer_sees_the_reserve_and_publishes_a_signed_statement(
    service: Service, new_page: NewPage
) -> None:
    service.open_account("resident", "Inès Durand", balance=12_34)
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    enrol(page, service.url + "/association", service.enrolment_code(association, "treasurer"))
    expect(page.locator("#figure-coverage")).to_have_text("100,00 %")
    expect(page.locator("#figure-circulation")).to_have_text(re.compile(r"\d+,\d\d\u00a0€"))
    expect(page.locator("#compliance li")).to_have_count(2)
    page.get_by_label("Date de l’état").fill("2031-01-31")
    page.get_by_role("button", name="Publier l’état signé de la réserve").click()
    expect(page.locator("#statement-summary")).to_contain_text("État du 2031-01-31 : OK")
    # The page shows the summary, then fetches the signed note: wait for the note too.
    expect(page.locator("#statement-note")).not_to_be_empty()
    note = page.locator("#statement-note").text_content() or ""
    assert verify_statement(note, [service.world.ledger.verifier_key]).status == "OK"
    # who did it, in the trail of acts, newest first
    newest = page.locator("#acts tr").nth(1)
    expect(newest).to_contain_text("État de la réserve publié")
    expect(newest).to_contain_text(re.compile(r"key [0-9a-f]{8} \(treasurer\)"))
    page.get_by_role("button", name="English").click()
    expect(page.locator("#statement-summary")).to_contain_text("Statement of 2031-01-31: OK")
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Reserve statement published")
    expect(page.locator("#acts th").first).to_have_text("When")


def association_kid(world: World, account: int) -> str:
    """The kid of the device enrolled on `account` (the page's treasurer)."""
    with world.ledger.unit_of_work(write=False) as uow:
        kid = uow.connection.execute(select(KEYS.c.kid).where(KEYS.c.account == account))
        return str(kid.scalar_one())


def test_the_treasurer_records_notes_converts_a_top_up_matches_a_deposit_and_explains_a_fee(
    own_service: Service, new_page: NewPage
) -> None:
    """Notes handed to the office and some taken back; a member's transfer of 25,00 € becomes
    their units; the office deposited 119,50 €, the bank booked 120,00 €; then the bank took
    a 1,20 € fee."""
    service = own_service
    world = service.world
    service.open_account("resident", "Inès Durand", balance=119_50)  # cash at the office
    member = service.open_account("resident", "Léa Martin")
    deposit = world.deposit(119_50)
    with world.ledger.unit_of_work() as uow:
        register_bank_account(uow, iban=DIGITAL, reserve="digital", label="CIC")
        uow.commit()
    text = (
        f"Compte;{DIGITAL}\r\n"
        "Solde initial;28/02/2026;0,00 €\r\n"
        "Date opération;Date valeur;Libellé;Montant;Référence\r\n"
        f"01/03/2026;01/03/2026;VIR SEPA RECU /DE Léa /REF {rf_reference(member)};25,00;B0\r\n"
        "02/03/2026;02/03/2026;VERSEMENT ESPECES;120,00;B1\r\n"
        "05/03/2026;05/03/2026;FRAIS TENUE DE COMPTE;-1,20;B2\r\n"
        "Solde final;31/03/2026;143,80 €\r\n"
    )
    with world.ledger.unit_of_work() as uow:
        imported = import_statement(uow, data=text.encode(), now=world.now)
        uow.commit()
    assert (imported.matched, imported.open) == (0, 3)
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    enrol(page, service.url + "/association", service.enrolment_code(association, "treasurer"))
    expect(page.locator("#offices li")).to_have_count(1)  # the figures are in
    notes = page.locator("#notes-form")
    notes.get_by_label("Billets livrés").fill("50")
    notes.get_by_label("Note").fill("Billets 0001 à 0010")
    notes.get_by_role("button", name="Enregistrer les billets").click()
    expect(page.locator("#offices li")).to_contain_text("billets reçus 50,00 €")
    notes.get_by_label("Billets livrés").fill("10")
    notes.get_by_label("Repris par l’association").check()
    notes.get_by_label("Note").fill("Billets usés")
    notes.get_by_role("button", name="Enregistrer les billets").click()
    expect(page.locator("#offices li")).to_contain_text("billets reçus 40,00 €")
    expect(page.locator("#offices li")).to_contain_text("en stock 40,00 €")
    with world.ledger.unit_of_work(write=False) as uow:
        rows = uow.connection.execute(
            select(NOTE_DELIVERIES.c.amount, NOTE_DELIVERIES.c.note, NOTE_DELIVERIES.c.kid)
        ).all()
    assert [tuple(r) for r in rows] == [
        (50_00, "Billets 0001 à 0010", association_kid(world, association)),
        (-10_00, "Billets usés", association_kid(world, association)),
    ]
    lines = page.locator("#lines form")
    expect(lines).to_have_count(3)
    fee = lines.nth(2)
    expect(fee).to_contain_text("-1,20 € · FRAIS TENUE DE COMPTE")
    expect(fee.get_by_label("Rapprocher avec").locator("option")).to_have_count(1)  # a debit
    with world.ledger.unit_of_work() as uow:  # another treasurer explains it meanwhile
        resolve_line(uow, statement=imported.id, line=3, note="Frais de tenue de compte")
        uow.commit()
    fee.get_by_label("Note").fill("Frais")
    fee.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#message")).to_contain_text("Cette ligne est déjà rapprochée ou justifiée")
    page.get_by_role("button", name=f"Convertir en 25,00 unités pour le compte {member}").click()
    expect(lines).to_have_count(1)
    assert service.balance(member) == 25_00
    deposit_line = lines.nth(0)
    expect(deposit_line).to_contain_text("120,00 € · VERSEMENT ESPECES")
    deposit_line.get_by_label("Rapprocher avec").select_option(f"entry:{deposit.index}")
    deposit_line.get_by_label("Note").fill("Bordereau de 119,50 €, la banque a compté 120,00 €")
    deposit_line.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#lines")).to_have_text("Aucune ligne ouverte.")
    expect(page.locator("#banks li")).to_contain_text("écart -0,70")
    with world.ledger.unit_of_work(write=False) as uow:
        done = statement_lines(uow, statement=imported.id)
    assert [(x.status, x.note) for x in done] == [
        ("matched", None),
        ("matched", "Bordereau de 119,50 €, la banque a compté 120,00 €"),
        ("resolved", "Frais de tenue de compte"),
    ]
    assert done[1].entry == deposit.index


def test_the_treasurer_hands_a_member_their_data_and_erases_a_closed_account(
    service: Service, new_page: NewPage
) -> None:
    ines = service.open_account("resident", "Inès Durand")
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    enrol(page, service.url + "/association", service.enrolment_code(association, "treasurer"))
    page.get_by_label("N° de compte du membre").fill(str(ines))
    with page.expect_download() as first:
        page.get_by_role("button", name="Télécharger ses données (JSON et page)").click()
    expect(page.locator("#member-result")).to_have_text(
        f"Données du compte n° {ines} téléchargées."
    )
    assert '"name": "Inès Durand"' in Path(first.value.path()).read_text(encoding="utf-8")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Effacer ses données (compte clos)").click()
    expect(page.locator("#message")).to_be_visible()  # an open account keeps its holder
    service.world.set_status(ines, "closed")
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Erase their data (closed account)").click()
    expect(page.locator("#member-result")).to_have_text(
        f"The personal data of account {ines} erased; the ledger still verifies."
    )
    expect(page.locator("#acts tr").nth(1)).to_contain_text("A member’s data erased")


def test_the_treasurer_erases_one_payments_memo(service: Service, new_page: NewPage) -> None:
    world = service.world
    payer, shop = world.resident(balance=20_00), world.shop()
    paid = world.pay(payer, shop, 5_00, memo="Cadeau pour Mme Etxeberria")
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    enrol(page, service.url + "/association", service.enrolment_code(association, "treasurer"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("N° d’écriture du mémo (voir ses données)").fill(str(paid.index))
    page.get_by_role("button", name="Effacer ce mémo").click()
    expect(page.locator("#member-result")).to_have_text(
        f"Mémo de l’écriture n° {paid.index} effacé."
    )
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Mémo d’un paiement effacé")
    page.get_by_role("button", name="Effacer ce mémo").click()  # erased already
    expect(page.locator("#message")).to_contain_text(f"L’écriture n° {paid.index} n’a pas de mémo")
    with world.ledger.unit_of_work(write=False) as uow:
        assert queries.history(uow, number=payer.number)[0].memo == ""
