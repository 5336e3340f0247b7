"""The public transparency page in a real browser, on a phone, in French and English: the
figures, the four charts with their numbers read out, the table, no personal data, and
axe-core finds no serious or critical violation."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from association.publication import publish
from association.reserve_statement import verify_statement
from tests.e2e.conftest import Pilot, Service, Troubles
from tests.e2e.test_pilot_pages import page as pilot_page
from tests.e2e.test_pilot_pages import sweep

NewPage = Callable[[], Page]


def test_the_public_sees_circulation_coverage_and_twelve_months_on_a_phone(
    own_service: Service, browser: Browser, troubles: Troubles
) -> None:
    world = own_service.world
    world.now = int(time.time())
    alice = world.resident(balance=80_00)
    shop = world.shop(name="Boulangerie Etchegaray", balance=20_00)
    for cents in (1_00, 2_00, 3_00, 4_00, 5_50, 6_00):  # 21,50 € in six payments
        world.pay(alice, shop, cents)
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = troubles.watch(context.new_page())
        page.goto(own_service.url + "/transparence")
        expect(page.locator("h1")).to_have_text("Transparence de la monnaie")
        expect(page.locator("#figure-circulation")).to_have_text("100,00\u00a0€")
        expect(page.locator("#figure-backing")).to_have_text("100,00\u00a0€")
        expect(page.locator("#figure-coverage")).to_have_text("100,00\u00a0%")
        expect(page.locator("#figure-residents")).to_have_text("1")
        expect(page.locator("#figure-approved")).to_have_text("1")
        expect(page.locator("#statement")).to_have_text(
            "Aucun état de la réserve n’est encore publié."
        )
        rows = page.locator("#months tbody tr")
        expect(rows).to_have_count(12)
        current = rows.last
        expect(current).to_contain_text("(en cours)")
        expect(current.locator("td").nth(3)).to_have_text("6")
        expect(current.locator("td").nth(4)).to_have_text("21,50\u00a0€")
        expect(rows.first.locator("td").nth(4)).to_have_text("non publié")  # no payment
        for chart in ("reserve", "coverage", "payments", "total"):
            svg = page.locator(f"#chart-{chart}")
            expect(svg).to_have_attribute("role", "img")
            expect(svg.locator("rect, circle").first).to_be_attached()
        # a screen reader hears the numbers, not only the picture
        expect(page.locator("#chart-total")).to_have_attribute(
            "aria-label", re.compile(r"Montant des paiements par mois.*21,50\u00a0€")
        )
        expect(page.locator("#chart-payments")).to_have_attribute("aria-label", re.compile(r" 6$"))
        assert "Etchegaray" not in page.content()
        assert str(alice.number) not in page.locator("main").inner_text()
        # the page fits the phone: nothing wider than the screen but the table's own scroll
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        sweep(page, "transparence")
        page.get_by_role("button", name="English").click()
        expect(page.locator("h1")).to_have_text("The currency’s transparency")
        expect(page.locator("#months tbody tr").last).to_contain_text("(so far)")
        expect(page.locator("#chart-total")).to_have_attribute(
            "aria-label", re.compile(r"Payments’ total per month.*21,50\u00a0€")
        )
        expect(page.locator("#privacy")).to_contain_text("fewer than 5 payments")
    finally:
        context.close()


def test_the_wallet_links_the_page_and_it_links_the_signed_statement(
    own_service: Service, new_page: NewPage
) -> None:
    service = own_service
    with service.world.ledger.unit_of_work() as uow:
        publish(uow, on=dt.date(2031, 12, 31), now=int(time.time()))
        uow.commit()
    page = new_page()
    page.goto(service.url + "/")
    page.get_by_role("link", name="Transparence de la monnaie : circulation et couverture").click()
    expect(page).to_have_url(service.url + "/transparence")
    link = page.get_by_role("link", name="Dernier état signé de la réserve : 2031-12-31, OK")
    href = link.get_attribute("href") or ""
    assert re.fullmatch(r"/v1/reserve-statements/\d+", href)
    status, note, kind = service.get(href)
    assert (status, kind.split(";")[0]) == (200, "text/plain")
    assert verify_statement(note.decode(), [service.world.ledger.verifier_key]).status == "OK"
    page.get_by_role("link", name="Tous les états signés de la réserve").click()
    expect(page).to_have_url(service.url + "/v1/reserve-statements")


page = pilot_page  # the phone and the wide screen, as the other pilot screens are checked


def test_the_pilot_s_twelve_months_on_a_phone_and_a_wide_screen(page: Page, pilot: Pilot) -> None:
    page.goto(pilot.url + "/transparence")
    rows = page.locator("#months tbody tr")
    expect(rows).to_have_count(12)
    expect(rows.nth(10).locator("td").nth(4)).to_have_text(re.compile(r"\d+,\d\d\u00a0€"))
    for chart in ("reserve", "coverage", "payments", "total"):
        expect(page.locator(f"#chart-{chart} rect, #chart-{chart} circle")).not_to_have_count(0)
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    sweep(page, "transparence")
