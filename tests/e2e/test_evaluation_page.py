"""The pilot's evaluation page in a real browser: the pilot's criteria, charts drawn as SVG, a
table, a CSV file."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import Service
from tests.e2e.test_pages import enrol

NewPage = Callable[[], Page]
NBSP = "\u00a0"
CRITERIA = [
    "Résidents actifs",
    "Prestataires actifs",
    "Volume des paiements",
    "Part des paiements entre prestataires",
    "Taux de reconversion",
]


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
    expect(last_row.locator("th")).to_have_text(f"{this_month} (partiel)")
    # this month is not over: the charts end with the month before, the last complete one
    first_day = dt.date.fromisoformat(this_month + "-01")
    last_month = (first_day - dt.timedelta(days=1)).strftime("%Y-%m")
    expect(page.locator("#chart-volume rect title").last).to_contain_text(last_month)
    expect(page.locator("figcaption").first).to_have_text("Résidents et prestataires actifs")
    # the ledger was created at T0 and every payment is from this month: the month judged,
    # the last complete one, saw no activity, and its ratios have no denominator
    expect(page.locator("#criteria h2")).to_have_text("Critères du pilote")
    expect(page.locator("#pilot-end")).to_have_text(
        "Aucune date de fin n’est fixée pour le pilote (réglage SOU_PILOT_END)."
    )
    criteria = page.locator("#criteria-body tr")
    expect(criteria.locator("th")).to_have_text(CRITERIA)
    judged = ["Non atteint"] * 3 + ["Pas encore jugé"] * 2
    expect(criteria.locator("td.criterion-status")).to_have_text(judged)
    expect(criteria.first.locator("td")).to_have_text(
        ["au moins 100", last_month, "0", "Non atteint"]
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le tableau (CSV)").click()
    path = download.value.path()
    assert path.read_text("utf-8-sig").startswith("Mois;Résidents actifs;")
    page.get_by_role("button", name="English").click()
    expect(page.locator("figcaption").first).to_have_text("Active residents and merchants")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#criteria h2")).to_have_text("The pilot's criteria")
    expect(criteria.locator("td.criterion-status")).to_have_text(
        ["Not met"] * 3 + ["Not judged yet"] * 2
    )


def criterion(
    name: str, target: int, value: int | None, met: bool | None, *, at_least: bool = True
) -> dict[str, object]:
    """A criterion as GET /v1/reports/evaluation gives it, judged on May 2026."""
    return {
        "name": name,
        "target": target,
        "at_least": at_least,
        "month": "2026-05",
        "value": value,
        "met": met,
    }


def test_the_criteria_show_the_end_date_and_which_targets_are_met(
    service: Service, new_page: NewPage
) -> None:
    """The service's ledger has no complete month: its judgement is replaced on the way to
    the page by one of a pilot with an end date and a judged month."""
    unit = service.world.ledger.currency

    def judged(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["pilot"] = {
            "end": "2026-06-30",
            "days_left": 12,
            "criteria": [
                criterion("active_residents", 100, 120, True),
                criterion("volume", 5_000_00, 1234_56, False),
                criterion("merchant_share_bp", 1_000, None, None),
                criterion("reconversion_rate_bp", 5_000, 1_666, True, at_least=False),
            ],
        }
        route.fulfill(response=response, json=body)

    page = new_page()
    page.route("**/v1/reports/evaluation", judged)
    enrol(
        page,
        service.url + "/evaluation",
        service.enrolment_code(service.world.treasurer.number, "treasurer"),
    )
    expect(page.locator("#pilot-end")).to_have_text(
        "Fin du pilote : 30 juin 2026 (12 jours restants)."
    )
    rows = page.locator("#criteria-body tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator("th, td")).to_have_text(
        ["Résidents actifs", "au moins 100", "2026-05", "120", "Atteint"]
    )
    expect(rows.nth(1).locator("th, td")).to_have_text(
        [
            "Volume des paiements",
            f"au moins 5{NBSP}000,00{NBSP}{unit}",
            "2026-05",
            f"1{NBSP}234,56{NBSP}{unit}",
            "Non atteint",
        ]
    )
    expect(rows.nth(2).locator("th, td")).to_have_text(
        [
            "Part des paiements entre prestataires",
            f"au moins 10,00{NBSP}%",
            "2026-05",
            "–",
            "Pas encore jugé",
        ]
    )
    expect(rows.nth(3).locator("th, td")).to_have_text(
        ["Taux de reconversion", f"au plus 50,00{NBSP}%", "2026-05", f"16,66{NBSP}%", "Atteint"]
    )
    page.get_by_role("button", name="English").click()
    expect(page.locator("#pilot-end")).to_have_text(
        "The pilot ends on 30 June 2026 (12 days left)."
    )
    expect(rows.locator("td.criterion-status")).to_have_text(
        ["Met", "Not met", "Not judged yet", "Met"]
    )
    expect(rows.nth(3).locator("td").first).to_have_text(f"at most 50,00{NBSP}%")


def test_an_auditor_without_a_window_is_told_so(service: Service, new_page: NewPage) -> None:
    page = new_page()
    code = service.enrolment_code(service.world.treasurer.number, "auditor")
    enrol(page, service.url + "/evaluation", code)
    expect(page.locator("#message")).to_have_text(
        "Le trésorier n’a ouvert aucun accès à cet auditeur"
    )
    expect(page.locator("#report")).to_be_hidden()
