"""A CAE's cooperative view and a régie's monthly statement on the merchant's till screen, the
console's régies and past payout batches, and the maps' zoom buttons in the page's language:
in Chromium, on a tablet, by touch; axe-core finds no serious or critical violation."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from merchants.sepa import validate
from tests.e2e.conftest import Service, Troubles
from tests.e2e.test_console_payouts_page import _reconversions, bank_service
from tests.e2e.test_directory_page import merchant
from tests.e2e.test_pilot_pages import sweep
from tests.support import Holder

__all__ = ["bank_service"]  # the fixture, used below

Tablet = Callable[[], Page]
RTZ = "\u00a0RTZ"


@pytest.fixture
def tablet(browser: Browser, troubles: Troubles) -> Iterator[Tablet]:
    """Opens tablets, each its own device (browser context), driven by touch."""
    contexts = []

    def open_tablet() -> Page:
        context = browser.new_context(
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport={"width": 820, "height": 1180},
            is_mobile=True,
            has_touch=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return troubles.watch(context.new_page())

    yield open_tablet
    for context in contexts:
        context.close()


def merchant_screen(service: Service, page: Page, account: int) -> None:
    """The merchant key of `account` enrolled on this tablet, its day open."""
    page.goto(service.url + "/till")
    page.get_by_label("Code d’enrôlement").fill(service.enrolment_code(account, "merchant"))
    page.get_by_role("button", name="Enrôler").tap()
    page.get_by_role("button", name="Journée : recettes et clôture").tap()
    expect(page.get_by_role("heading", name="Journée", exact=True)).to_be_visible()


def downloaded(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).tap()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def now(service: Service) -> None:
    service.world.now = int(time.time())


def test_a_cae_sees_its_entrepreneurs_and_downloads_their_period(
    service: Service, tablet: Tablet
) -> None:
    world = service.world
    now(service)
    tag = str(time.time_ns())[-6:]
    cae = world.shop(name=f"CAE Coop {tag}", kind="cae")
    ana = world.shop(name="Ana couture", kind="cae", parent=cae, analytic_code="ANA")
    ben = world.shop(name="Ben vélos", kind="cae", parent=cae, analytic_code="BEN")
    alice: Holder = world.resident(balance=100_00)
    world.pay(alice, ana, 30_00)
    world.pay(alice, ben, 12_00)
    page = tablet()
    merchant_screen(service, page, cae.number)
    cooperative = page.locator("#day-cae")
    expect(cooperative.get_by_role("heading", name="Coopérative")).to_be_visible()
    expect(page.locator("#cae-rows tr")).to_have_count(2)
    expect(page.locator("#cae-rows tr").first).to_contain_text("ANAAna couture130,00" + RTZ)
    expect(page.locator("#cae-total")).to_contain_text("Total242,00" + RTZ)
    sweep(page, "till cooperative")
    expect(page.locator("#cae-total")).to_contain_text("Total")
    date = page.get_by_label("Journée", exact=True).input_value()
    name, content = downloaded(page, "Recettes des entrepreneurs sur la période (CSV)")
    assert name == f"sou-{cae.number}-entrepreneurs-{date[:8]}01-{date}.csv"
    table = rows(content)
    assert table[1][:2] == ["ANA", "Ana couture"] and table[-1][0] == "Total"
    assert table[-1][4] == "42,00"
    page.get_by_role("button", name="English").tap()
    expect(cooperative.get_by_role("heading", name="Cooperative")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Analytic code")).to_be_visible()
    page.get_by_role("button", name="Français").tap()
    # an entrepreneur's own screen has no cooperative view
    other = tablet()
    merchant_screen(service, other, ana.number)
    expect(other.locator("#day-count")).to_have_text("1")
    expect(other.locator("#day-cae")).to_be_hidden()
    expect(other.locator("#day-regie")).to_be_hidden()


def test_a_regie_reads_prints_and_downloads_its_month(service: Service, tablet: Tablet) -> None:
    world = service.world
    now(service)
    tag = str(time.time_ns())[-6:]
    regie = world.shop(name=f"Régie de la piscine {tag}", kind="local_authority")
    alice = world.resident(balance=100_00)
    world.pay(alice, regie, 25_00)
    page = tablet()
    merchant_screen(service, page, regie.number)
    statement = page.locator("#regie-statement")
    expect(statement).to_contain_text(f"Relevé mensuel de la régie Régie de la piscine {tag}")
    expect(statement.get_by_role("row", name="Solde de clôture")).to_contain_text("25,00" + RTZ)
    expect(statement.get_by_role("row", name=re.compile(r"^Net "))).to_contain_text("25,00" + RTZ)
    expect(statement).to_contain_text("Mois en cours")
    expect(statement).to_contain_text("Aucune reconversion ce mois-ci.")
    sweep(page, "till régie month")
    month = page.get_by_label("Mois du relevé").input_value()
    name, content = downloaded(page, "Relevé du mois (CSV)")
    assert name == f"sou-{regie.number}-{month}.csv"
    assert ["Solde de clôture", "25,00"] in rows(content)
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Imprimer le relevé (ou l’enregistrer en PDF)").tap()
    assert page.evaluate("window.printed") is True
    expect(page.locator("body")).to_have_class("printing")
    expect(statement).to_have_class("printable")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(page.locator("body")).not_to_have_class("printing")
    page.get_by_role("button", name="English").tap()
    expect(statement.get_by_role("row", name="Closing balance")).to_contain_text("25,00" + RTZ)
    page.get_by_role("button", name="Français").tap()


def test_the_console_lists_regies_and_past_batches(bank_service: Service, tablet: Tablet) -> None:
    service = bank_service
    _reconversions(service.world)
    now(service)
    regie = service.world.shop(name="Régie des cantines", kind="local_authority")
    alice = service.world.resident(balance=50_00)
    service.world.pay(alice, regie, 8_00)
    association = service.open_account("association", "Association de la monnaie")
    page = tablet()
    page.goto(service.url + "/association")
    page.get_by_label("Code d’enrôlement").fill(service.enrolment_code(association, "treasurer"))
    page.get_by_role("button", name="Enrôler").tap()
    expect(page.locator("#pay-waiting tbody tr")).to_have_count(2)
    expect(page.locator("#pay-past-none")).to_be_visible()
    page.get_by_role("button", name="Approuver ces 2 reconversions en un lot (136,50\u00a0€)").tap()
    past = page.locator("#pay-past tbody tr")
    expect(past).to_have_count(1)
    expect(past.first).to_contain_text("à envoyer")
    expect(past.first).to_contain_text("136,50\u00a0€")
    batch = past.first.locator("th").inner_text()
    name, xml = downloaded(page, f"pain.001 du lot n° {batch}")
    assert name.endswith(".xml")
    assert (validate(xml).count, validate(xml).total) == (2, 136_50)
    expect(page.locator("#pay-past-result")).to_contain_text("téléchargé")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Marquer le lot envoyé et exécuté").tap()
    expect(past.first).to_contain_text("exécuté")
    # the régies: the local authority's month, as its own screen shows it
    page.get_by_role("link", name="Régies des collectivités").tap()
    choice = f"Régie des cantines (n° {regie.number})"
    page.get_by_label("Régie", exact=True).select_option(label=choice)
    page.get_by_role("button", name="Afficher le relevé").tap()
    statement = page.locator("#reg-statement")
    expect(statement.get_by_role("row", name="Solde de clôture")).to_contain_text("8,00\u00a0€")
    expect(statement.get_by_role("row", name="Paiements reçus 1")).to_be_visible()
    sweep(page, "console régies and past batches")
    page.get_by_role("button", name="English").tap()
    expect(page.get_by_role("heading", name="Past batches")).to_be_visible()
    expect(past.first).to_contain_text("executed")
    expect(statement.get_by_role("row", name="Opening balance")).to_be_visible()
    page.get_by_role("button", name="Français").tap()
    month = page.get_by_label("Mois du relevé").input_value()
    name, content = downloaded(page, "Relevé du mois (CSV)")
    assert name == f"sou-{regie.number}-{month}.csv"
    assert ["Solde de clôture", "8,00"] in rows(content)


def test_the_map_s_zoom_buttons_speak_the_page_s_language(service: Service, tablet: Tablet) -> None:
    tag = str(time.time_ns())[-6:]
    merchant(service, f"Fromagerie {tag}", f"fromagerie {tag}", (43_491_000, -1_474_000))
    page = tablet()

    def offline(route: Route) -> None:
        route.abort()

    page.route("https://tile.openstreetmap.org/**", offline)
    page.goto(service.url + "/annuaire")
    expect(page.get_by_role("button", name="Zoom avant")).to_have_attribute("title", "Zoom avant")
    expect(page.get_by_role("button", name="Zoom arrière")).to_be_visible()
    page.get_by_role("button", name="Zoom avant").tap()
    page.get_by_role("button", name="English").tap()
    expect(page.get_by_role("button", name="Zoom in")).to_have_attribute("title", "Zoom in")
    expect(page.get_by_role("button", name="Zoom out")).to_be_visible()
    page.get_by_role("button", name="Français").tap()
    expect(page.get_by_role("button", name="Zoom arrière")).to_have_attribute(
        "title", "Zoom arrière"
    )
