"""Every page on the pilot's twelve months, as `make run` serves them, on a phone (390 px) and
a wide screen (1920 px), in French and in English: axe-core finds no serious or critical
accessibility violation on any screen a person reaches, and the evaluation page uses the
width it is given (its tables whole, its charts legible, partial months set apart)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from importlib.resources import files

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Pilot, Troubles

WIDTHS = (390, 1920)
# axe-core as packaged (pinned) by axe-playwright-python: its script, not its wrapper
AXE = (files("axe_playwright_python") / "axe.min.js").read_text("utf-8")
BLOCKING = {"serious", "critical"}

Screen = Callable[[Page], None]


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def page(request: pytest.FixtureRequest, browser: Browser, troubles: Troubles) -> Iterator[Page]:
    width = request.param
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": width, "height": 900},
        is_mobile=width < 600,
        has_touch=width < 600,
    )
    context.set_default_timeout(15_000)
    yield troubles.watch(context.new_page())
    context.close()


def violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)  # through the debugging protocol: the page's CSP is not bypassed
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([node["target"] for node in v["nodes"][:3]])
        for v in found
        if v["impact"] in BLOCKING
    ]


def sweep(page: Page, screen: str) -> None:
    """axe on this screen in French, then in English (the page's own language button), then
    back in French; a failure names the screen, the width and the language."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    found = []
    for lang, button in (("fr", "English"), ("en", "Français")):
        expect(page.locator("html")).to_have_attribute("lang", lang)
        found += [f"{screen} {width}px {lang}: {v}" for v in violations(page)]
        page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert found == []


def enrol(
    page: Page, pilot: Pilot, path: str, account: int, role: str, *, till: bool = False
) -> None:
    page.goto(pilot.url + path)
    expect(page.get_by_role("button", name="Enrôler")).to_be_visible()
    sweep(page, f"{path} enrolment")
    page.get_by_label("Code d’enrôlement").fill(pilot.enrolment_code(account, role))
    if till:
        page.get_by_label("Nom de cette caisse").fill("Caisse du marché")
    page.get_by_role("button", name="Enrôler").click()


def test_the_wallet_screens(page: Page, pilot: Pilot) -> None:
    enrol(page, pilot, "/", pilot.resident, "resident")
    history = page.locator("#history li")
    expect(history.first).to_be_visible()
    assert history.count() >= 20  # twelve months of a resident's payments
    # every line names the shop or the office, never an account number
    expect(history.filter(has_text=re.compile(r"n°\s*\d"))).to_have_count(0)
    expect(history.filter(has_text="Payé à ").first).to_be_visible()
    expect(history.filter(has_text="Recharge en espèces — Comptoir").first).to_be_visible()
    sweep(page, "wallet home")
    page.get_by_role("button", name="English", exact=True).click()
    expect(history.filter(has_text="Paid to ").first).to_be_visible()
    expect(history.filter(has_text=re.compile(r"(no\.|n°)\s*\d"))).to_have_count(0)
    page.get_by_role("button", name="Français", exact=True).click()
    page.goto(f"{pilot.url}/M/{pilot.merchant}")  # the merchant's printed sticker
    expect(page.locator("#pay-amount")).to_be_visible()
    sweep(page, "wallet pay")


def test_the_till_screens(page: Page, pilot: Pilot) -> None:
    enrol(page, pilot, "/till", pilot.merchant, "cashier", till=True)
    expect(page.get_by_label("Montant à encaisser (ex. 12,50)")).to_be_visible()
    sweep(page, "till home")
    page.get_by_label("Montant à encaisser (ex. 12,50)").fill("12,50")
    page.get_by_role("button", name="Afficher le QR code").click()
    expect(page.locator("#qr")).to_be_visible()
    sweep(page, "till request")
    page.get_by_role("button", name="Nouvelle demande").click()
    page.get_by_role("button", name="Journée : recettes et clôture").click()
    expect(page.locator("#day h2")).to_be_visible()
    sweep(page, "till day")


def test_the_office_screen(page: Page, pilot: Pilot) -> None:
    enrol(page, pilot, "/office", pilot.office, "agent")
    expect(page.locator("#convert-form")).to_be_visible()
    sweep(page, "office")


def test_the_association_console(page: Page, pilot: Pilot) -> None:
    enrol(page, pilot, "/association", pilot.treasurer, "treasurer")
    expect(page.locator("#history tr").nth(12)).to_be_attached()  # twelve month-ends
    sweep(page, "association console")


def test_the_api_documentation(page: Page, pilot: Pilot) -> None:
    page.goto(pilot.url + "/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-post .opblock-summary-control").first.click()  # one operation open
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert violations(page) == []


def test_the_evaluation_page_uses_the_width_it_is_given(page: Page, pilot: Pilot) -> None:
    enrol(page, pilot, "/evaluation", pilot.treasurer, "treasurer")
    rows = page.locator("#figures-body tr")
    expect(rows.nth(11)).to_be_attached()
    sweep(page, "evaluation")
    width = page.viewport_size["width"] if page.viewport_size else 0
    # the ledger began on a day after the 1st and this month is not over: both are marked
    # in the table and left out of the charts, whose every bar is a complete month
    months = rows.count()
    marked = page.locator("#figures-body tr.partial th")
    expect(marked).to_have_count(2)
    expect(marked.last).to_contain_text("(partiel)")
    expect(page.locator("#partial-note")).to_contain_text("absents des graphiques")
    expect(page.locator("#chart-volume rect title")).to_have_count(months - 2)
    region = page.get_by_role("region", name="Les chiffres")
    fits = region.evaluate("r => r.scrollWidth <= r.clientWidth")
    if width == 1920:
        assert fits  # the whole table, no scrolling
        main = page.locator("main").evaluate("m => m.getBoundingClientRect().width")
        assert main > 1000  # not a phone's column in the middle of a wide screen
    else:
        assert not fits  # a phone scrolls the table, in a region a keyboard can reach
        expect(region).to_have_attribute("tabindex", "0")
    label = page.locator("#chart-volume text").last  # the latest month, always named
    assert label.evaluate("t => t.getBoundingClientRect().height") >= 14
    page.get_by_role("button", name="English", exact=True).click()
    expect(marked.last).to_contain_text("(partial)")
    expect(page.locator("#partial-note")).to_contain_text("left out of the charts")
