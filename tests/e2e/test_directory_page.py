"""The public merchant directory (/annuaire) in Chromium: no token, a search by activity, a
list and a map whose markers show even without OpenStreetMap's tiles (tests run offline),
tiles asked for without a referrer, axe-clean in French and English."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, Route, expect

from merchants.profiles import Application, CardChange, apply_merchant, approve_merchant, edit_card
from tests.e2e.conftest import Service
from tests.e2e.test_pilot_pages import sweep

NewPage = Callable[[], Page]


def merchant(service: Service, name: str, activity: str, place: tuple[int, int] | None) -> int:
    now = int(time.time())
    application = Application(
        kind="business",
        legal_name=name,
        address="Place des Halles, 64100 Bayonne",
        activity=activity,
        iban="FR76 3000 6000 0112 3456 7890 189",
    )
    with service.world.ledger.unit_of_work() as uow:
        number = apply_merchant(uow, application=application, now=now)
        approve_merchant(uow, account=number, now=now)
        if place:
            change = CardChange(latitude_e6=place[0], longitude_e6=place[1])
            edit_card(uow, account=number, change=change)
        uow.commit()
    return number


def test_the_directory_searches_by_activity_and_shows_markers(
    service: Service, new_page: NewPage
) -> None:
    tag = str(time.time_ns())[-6:]
    baker = merchant(service, f"Boulangerie {tag}", f"boulangerie {tag}", (43_490_000, -1_475_000))
    merchant(service, f"Librairie {tag}", f"librairie {tag}", (43_492_000, -1_472_000))
    merchant(service, f"Fleuriste {tag}", f"fleuriste {tag}", None)
    page = new_page()
    referrers: list[str | None] = []

    def tiles(route: Route) -> None:  # offline: the tiles fail, the page goes on
        referrers.append(route.request.headers.get("referer"))
        route.abort()

    page.route("https://tile.openstreetmap.org/**", tiles)
    page.goto(service.url + "/annuaire")
    expect(page.get_by_role("link", name=f"Payer Boulangerie {tag}")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    assert page.locator(".leaflet-marker-icon").count() >= 2
    expect(page.get_by_text("© OpenStreetMap")).to_be_visible()
    sweep(page, "/annuaire")
    page.get_by_label("Activité (ex. boulangerie)").fill(f"BOULANGERIE {tag}")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#count")).to_have_text(f"1 commerçant(s) pour « BOULANGERIE {tag} »")
    expect(page.locator("#merchants li")).to_have_count(1)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.get_by_role("button", name=f"Boulangerie {tag}")).to_be_visible()  # the marker
    page.get_by_role("button", name="English").click()
    expect(page.locator("#count")).to_have_text(f"1 merchant(s) for “BOULANGERIE {tag}”")
    page.get_by_role("button", name="All merchants").click()
    expect(page.get_by_role("link", name=f"Pay Fleuriste {tag}")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    assert referrers and all(r is None for r in referrers)
    page.get_by_role("link", name=f"Payer Boulangerie {tag}").click()
    expect(page).to_have_url(f"{service.url}/M/{baker}")


def test_the_wallet_links_to_the_directory(service: Service, new_page: NewPage) -> None:
    page = new_page()
    page.goto(service.url + "/")
    page.get_by_role("link", name="Où payer : l’annuaire des commerçants").click()
    expect(page).to_have_url(service.url + "/annuaire")
    expect(page.get_by_role("heading", name="Annuaire des commerçants")).to_be_visible()
