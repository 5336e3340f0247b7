"""The association's console in a real browser: the treasurer reads the reserve and publishes."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from association.reserve_statement import verify_statement
from tests.e2e.conftest import Service
from tests.e2e.test_pages import enrol

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
    page.get_by_role("button", name="English").click()
    expect(page.locator("#statement-summary")).to_contain_text("Statement of 2031-01-31: OK")
