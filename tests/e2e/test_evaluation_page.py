"""The pilot's evaluation page in a real browser: charts drawn as SVG, a table, a CSV file."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Service
from tests.e2e.test_pages import enrol

NewPage = Callable[[], Page]


def test_the_treasurer_sees_the_months_as_charts_and_downloads_the_csv(
    service: Service, new_page: NewPage
) -> None:
    world = service.world
    world.now = int(time.time())
    payer, shop = world.resident(balance=30_00), world.shop(name="Épicerie du Port")
    world.pay(payer, shop, 12_50)
    page = new_page()
    enrol(
        page,
        service.url + "/evaluation",
        service.enrolment_code(world.treasurer.number, "treasurer"),
    )
    this_month = dt.datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    last_row = page.locator("#figures-body tr").last
    expect(last_row.locator("td").first).to_have_text(this_month)
    expect(page.locator("#chart-volume rect title").last).to_contain_text(this_month)
    expect(page.locator("figcaption").first).to_have_text("Résidents et prestataires actifs")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le tableau (CSV)").click()
    path = download.value.path()
    assert path.read_text("utf-8-sig").startswith("Mois;Résidents actifs;")
    page.get_by_role("button", name="English").click()
    expect(page.locator("figcaption").first).to_have_text("Active residents and merchants")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_an_auditor_without_a_window_is_told_so(service: Service, new_page: NewPage) -> None:
    page = new_page()
    code = service.enrolment_code(service.world.treasurer.number, "auditor")
    enrol(page, service.url + "/evaluation", code)
    expect(page.locator("#message")).to_have_text(
        "Le trésorier n’a ouvert aucun accès à cet auditeur"
    )
    expect(page.locator("#report")).to_be_hidden()
