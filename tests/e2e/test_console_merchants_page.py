"""The console's merchants in Chromium: the treasurer refuses one application with a reason,
approves another, edits its card (a touch on the map places it) and issues a till code; each
decision lands in the trail of acts; axe-clean in French and English."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from merchants.profiles import Application, apply_merchant, merchant_profile
from tests.e2e.conftest import Service
from tests.e2e.test_pages import enrol
from tests.e2e.test_pilot_pages import sweep

NewPage = Callable[[], Page]


def application(service: Service, name: str) -> int:
    app = Application(
        kind="business",
        legal_name=name,
        address="Rue d’Espagne, 64100 Bayonne",
        activity="épicerie",
        iban="FR76 3000 6000 0112 3456 7890 189",
    )
    with service.world.ledger.unit_of_work() as uow:
        number = apply_merchant(uow, application=app, now=int(time.time()))
        uow.commit()
    return number


def test_the_treasurer_refuses_approves_and_edits_a_card(
    service: Service, new_page: NewPage
) -> None:
    tag = str(time.time_ns())[-6:]
    refused = application(service, f"Garage {tag}")
    approved = application(service, f"Épicerie {tag}")
    association = service.open_account("association", "Association de la monnaie")
    page = new_page()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    enrol(page, service.url + "/association", service.enrolment_code(association, "treasurer"))
    expect(page.get_by_role("button", name=f"Agréer Garage {tag}")).to_be_visible()
    sweep(page, "/association merchants")
    page.get_by_role("button", name=f"Refuser Garage {tag}").click()
    expect(page.locator("#message")).to_contain_text("motif")
    page.get_by_label(f"Motif du refus de Garage {tag}").fill("Hors du territoire")
    page.get_by_role("button", name=f"Refuser Garage {tag}").click()
    expect(page.locator("#mer-result")).to_have_text(f"La demande de Garage {tag} est refusée.")
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Demande de commerçant refusée")
    page.get_by_role("button", name=f"Agréer Épicerie {tag}").click()
    expect(page.locator("#mer-result")).to_contain_text(f"Épicerie {tag} est agréé")
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Commerçant agréé")
    page.get_by_label("Demandes").select_option("refused")
    expect(page.get_by_text("Refusé : Hors du territoire")).to_be_visible()
    page.get_by_label("Demandes").select_option("approved")
    page.get_by_role("button", name=f"Fiche de Épicerie {tag}").click()
    expect(page.get_by_label("Activité", exact=True)).to_have_value("épicerie")
    expect(page.get_by_label("Heure de clôture de la journée")).to_have_value("00:00")
    page.get_by_label("Activité", exact=True).fill("épicerie fine")
    page.get_by_label("Heure de clôture de la journée").fill("02:00")
    page.locator("#mer-map").click(position={"x": 120, "y": 90})  # a touch places the marker
    expect(page.locator("#mer-place")).to_contain_text("Repère : 43.")
    expect(page.locator("#mer-map .leaflet-marker-icon")).to_have_count(1)
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(page.locator("#mer-result")).to_contain_text("activity")
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Fiche d’un commerçant modifiée")
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(page.locator("#message")).to_contain_text("IBAN")
    page.get_by_label("Plafond de remboursement par jour de la nouvelle caisse (€)").fill("50")
    page.get_by_role("button", name="Émettre un code de nouvelle caisse").click()
    expect(page.locator("#mer-till-result")).to_contain_text("plafond 50,00 €")
    sweep(page, "/association merchant card")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Save the card")).to_be_visible()
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Enrolment code issued")
    with service.world.ledger.unit_of_work(write=False) as uow:
        card = merchant_profile(uow, account=approved)
        assert merchant_profile(uow, account=refused).decision == "refused"
    assert (card.activity, card.closing_minutes, card.decision) == (
        "épicerie fine",
        120,
        "approved",
    )
    assert card.latitude_e6 is not None and 42_000_000 < card.latitude_e6 < 45_000_000
    assert card.iban == "FR7630006000011234567890189"
