"""Membership in a real browser, by touch on a tablet: the treasurer sets the year's fees and
lists the lapsed members on the console; the office records a fee paid in euros and opens
its receipt. axe-core finds no serious or critical violation, in French and in English."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from association.memberships import payments, record_payment, set_fee, year_of
from tests.e2e.conftest import Service, Troubles
from tests.e2e.test_pages import enrol
from tests.e2e.test_pilot_pages import sweep


@pytest.fixture
def tablet(browser: Browser, troubles: Troubles) -> Iterator[Page]:
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 820, "height": 1180},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    yield troubles.watch(context.new_page())
    context.close()


def test_the_console_sets_fees_and_lists_the_lapsed_and_the_office_records_a_fee_with_its_receipt(
    service: Service, tablet: Page
) -> None:
    world = service.world
    world.now = int(time.time())
    year = year_of(world.now)
    lapsed = service.open_account("resident", "Inès Lapsed")
    member = service.open_account("resident", "Camille Adhérente")
    with world.ledger.unit_of_work() as uow:
        set_fee(uow, year=year - 1, category="resident", amount=10_00)
        record_payment(
            uow, account=lapsed, year=year - 1, category="resident", method="euros", now=world.now
        )
        uow.commit()

    association = service.open_account("association", "Association de la monnaie")
    enrol(tablet, service.url + "/association", service.enrolment_code(association, "treasurer"))
    expect(tablet.locator("#console-memberships")).to_be_visible()
    tablet.get_by_label("Cotisation résident (€)").fill("12,00")
    tablet.get_by_label("Cotisation commerçant (€)").fill("50")
    tablet.get_by_role("button", name="Enregistrer les cotisations de l’année").tap()
    expect(tablet.locator("#memberships-fees")).to_contain_text(
        f"Cotisations {year} : résident 12,00 €"
    )
    tablet.get_by_label("Membres").select_option("lapsed")
    tablet.get_by_role("button", name="Afficher", exact=True).tap()
    expect(tablet.locator("#memberships-list")).to_contain_text(f"Compte n° {lapsed}")
    expect(tablet.locator("#memberships-list")).not_to_contain_text(f"Compte n° {member} ")
    sweep(tablet, "console memberships")

    office = service.open_account("office", "Comptoir de la halle")
    enrol(tablet, service.url + "/office", service.enrolment_code(office, "agent"))
    expect(tablet.locator("#office-memberships")).to_be_visible()
    tablet.get_by_label("Numéro de compte du membre").fill(str(member))
    tablet.get_by_role("button", name="Voir son adhésion").tap()
    expect(tablet.locator("#membership-status")).to_have_text(
        f"Compte n° {member} : jamais adhérent."
    )
    tablet.get_by_role("button", name="Enregistrer la cotisation de l’année").tap()
    expect(tablet.locator("#membership-outcome")).to_contain_text(
        "Cotisation de 12,00 € enregistrée"
    )
    expect(tablet.locator("#membership-status")).to_contain_text("adhésion à jour")
    with world.ledger.unit_of_work(write=False) as uow:
        paid = payments(uow, account=member)
    assert [(p.year, p.amount, p.method, p.office) for p in paid] == [
        (year, 12_00, "euros", office)
    ]
    sweep(tablet, "office memberships")
    with tablet.context.expect_page() as opened:
        tablet.get_by_role("button", name="Ouvrir le reçu pour l’imprimer").tap()
    receipt = opened.value
    expect(receipt.get_by_role("heading", level=1)).to_have_text("Reçu d’adhésion")
    expect(receipt.locator("body")).to_contain_text("12,00 €")
    expect(receipt.locator("body")).to_contain_text("Camille A")
