"""The till's business day in a real browser: today's takings, closing, the accountant's files.

The merchant's own device and a cashier's are separate browser contexts, each with its own
WebCrypto key enrolled with a one-time code. A resident (a key on the test's side) pays over
HTTP, like any phone. The closing is checked on the ledger itself, not only on the screen.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from ledger.records import SignedRecord, signed_bytes
from ledger.signing import b64url_decode, verify
from merchants.days import load_day
from merchants.profiles import Application, apply_merchant, approve_merchant
from tests.e2e.conftest import Service, Troubles
from tests.e2e.test_pages import enrol
from tests.support import Holder

NewPage = Callable[[], Page]
RTZ = "\u00a0RTZ"


def approved_shop(service: Service, name: str) -> int:
    """An approved merchant whose business day closes 12 hours from now, far from the test."""
    world = service.world
    world.now = int(time.time())
    wall = dt.datetime.now(ZoneInfo("Europe/Paris"))
    application = Application(
        kind="business",
        legal_name=name,
        address="12 rue de la Paix, 64100 Bayonne",
        activity="boulangerie",
        iban="FR76 3000 6000 0112 3456 7890 189",
        closing_minutes=(wall.hour * 60 + wall.minute + 12 * 60) % (24 * 60),
    )
    with world.ledger.unit_of_work() as uow:
        number = apply_merchant(uow, application=application, now=world.now)
        approve_merchant(uow, account=number, now=world.now)
        uow.commit()
    return number


def resident(service: Service, balance: int) -> Holder:
    service.world.now = int(time.time())
    return service.world.resident(balance)


def pay(service: Service, payer: Holder, shop: int, cents: int, payreq: str | None = None) -> None:
    """The resident's phone signs a transfer and posts it to the service, as the wallet does."""
    world = service.world
    world.now = int(time.time())
    record: SignedRecord = world.record(
        "transfer",
        payer.key,
        from_=payer.account,
        to=str(shop),
        amount=cents,
        payreq=payreq,
        ref=None,
        memo="",
        nonce=None,
    )
    request = urllib.request.Request(
        service.url + "/v1/transfers",
        data=json.dumps(record.envelope()).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def till(service: Service, new_page: NewPage, shop: int, role: str, *, name: str = "") -> Page:
    page = new_page()
    enrol(page, service.url + "/till", service.enrolment_code(shop, role), name=name)
    expect(page.get_by_label("Montant à encaisser")).to_be_visible()
    return page


def row(till: str, payments: str, received: str, refunded: str) -> str:
    """A till's row of the day's table, as its cells' text runs together."""
    return f"{till}{payments}{received}{RTZ}{refunded}{RTZ}"


def open_day(page: Page) -> None:
    page.get_by_role("button", name="Journée : recettes et clôture").click()
    expect(page.get_by_role("heading", name="Journée", exact=True)).to_be_visible()


def downloaded(page: Page, button: str) -> tuple[str, bytes]:
    """The file a button offers: its suggested name and its bytes."""
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_the_merchant_sees_the_day_closes_it_with_a_counted_total_and_downloads_it(
    service: Service, new_page: NewPage, troubles: Troubles
) -> None:
    shop = approved_shop(service, "Boulangerie du Port")
    merchant = till(service, new_page, shop, "merchant")
    open_day(merchant)
    expect(merchant.locator("#day-status")).to_have_text("Ouverte")
    expect(merchant.locator("#day-count")).to_have_text("0")
    expect(merchant.locator("#day-tills")).to_have_text("Aucun paiement.")

    cashier = till(service, new_page, shop, "cashier", name="Caisse 1")
    cashier.get_by_label("Montant à encaisser").fill("12,50")
    cashier.get_by_role("button", name="Afficher le QR code").click()
    expect(cashier.locator("#request-status")).to_have_text("En attente du paiement…")
    payreq = (cashier.locator("#qr").get_attribute("src") or "").split("/")[3]
    with cashier.expect_response(lambda r: r.url.endswith("/days/today")) as refreshed:
        pay(service, resident(service, 50_00), shop, 12_50, payreq=payreq)
        expect(cashier.locator("#request-status")).to_have_text("Payé")
    assert refreshed.value.json()["count"] == 1  # the day's figures follow the payment

    # The cashier sees today's takings, per till, but neither the closing nor the files.
    cashier.get_by_role("button", name="Nouvelle demande").click()
    open_day(cashier)
    expect(cashier.locator("#day-count")).to_have_text("1")
    expect(cashier.locator("#day-credits")).to_have_text("12,50" + RTZ)
    expect(cashier.locator("#day-tills tr")).to_have_text([row("Caisse 1", "1", "12,50", "0,00")])
    expect(cashier.locator("#day-hours tr")).to_have_count(1)
    expect(cashier.get_by_role("button", name="Clôturer la journée")).to_have_count(0)
    expect(cashier.get_by_role("button", name="Relevé de la journée (CSV)")).to_have_count(0)
    expect(cashier.get_by_label("Date de la journée")).to_be_hidden()

    # A second tab of the merchant's device, left open on the day before it closes.
    stale = troubles.watch(merchant.context.new_page())
    response = stale.goto(service.url + "/till")
    assert response is not None  # the downloads below run under the page's strict policy
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    open_day(stale)
    expect(stale.locator("#day-count")).to_have_text("1")
    merchant.bring_to_front()  # a tab in the background runs slowly

    merchant.get_by_role("button", name="Actualiser").click()
    expect(merchant.locator("#day-count")).to_have_text("1")
    expect(merchant.locator("#day-credits")).to_have_text("12,50" + RTZ)
    expect(merchant.locator("#day-refunds")).to_have_text("0,00" + RTZ)
    expect(merchant.locator("#day-net")).to_have_text("12,50" + RTZ)
    date = merchant.get_by_label("Date de la journée").input_value()

    name, csv = downloaded(merchant, "Relevé de la journée (CSV)")
    assert name == f"sou-{shop}-{date}.csv"
    assert b"12,50" in csv
    name, pdf = downloaded(merchant, "Relevé de la journée (PDF)")
    assert (name, pdf[:5]) == (f"sou-{shop}-{date}.pdf", b"%PDF-")
    name, period = downloaded(merchant, "Recettes de la période (CSV)")
    assert name == f"sou-{shop}-{date[:8]}01-{date}.csv"
    assert b"12,50" in period and b"Total" in period

    merchant.get_by_label("Total compté (facultatif, ex. 123,45)").fill("12,00")
    merchant.get_by_role("button", name="Clôturer la journée").click()
    expect(merchant.locator("#confirm-count")).to_have_text("1")
    expect(merchant.locator("#confirm-net")).to_have_text("12,50" + RTZ)
    expect(merchant.locator("#confirm-declared")).to_have_text("12,00" + RTZ)
    expect(merchant.locator("#confirm-difference")).to_have_text("-0,50" + RTZ)
    merchant.get_by_role("button", name="Signer et clôturer").click()
    expect(merchant.locator("#day-status")).to_contain_text("Clôturée (entrée n° ")
    expect(merchant.locator("#day-difference")).to_have_text("-0,50" + RTZ)
    expect(merchant.locator("#day-outcome")).to_contain_text("clôturée : entrée n°")
    expect(merchant.get_by_role("button", name="Clôturer la journée")).to_have_count(0)
    expect(merchant.locator("#message")).to_be_hidden()

    with service.world.ledger.unit_of_work() as uow:
        day = load_day(uow, account=shop, date=dt.date.fromisoformat(date))
    assert day.closed_entry is not None
    assert (day.statement.count, day.statement.net, day.statement.declared) == (1, 12_50, 12_00)

    # The stale tab tries to close the same day otherwise: the ledger refuses, the tab catches up.
    stale.bring_to_front()
    stale.get_by_label("Total compté (facultatif, ex. 123,45)").fill("13,00")
    stale.get_by_role("button", name="Clôturer la journée").click()
    expect(stale.locator("#confirm-difference")).to_have_text("+0,50" + RTZ)
    stale.get_by_role("button", name="Signer et clôturer").click()
    expect(stale.locator("#message")).to_contain_text("Cette journée est déjà clôturée.")
    expect(stale.locator("#day-status")).to_have_text(f"Clôturée (entrée n° {day.closed_entry})")
    expect(stale.get_by_role("button", name="Clôturer la journée")).to_have_count(0)


def test_a_payment_arriving_before_the_signature_sends_the_merchant_back_to_the_figures(
    service: Service, new_page: NewPage
) -> None:
    shop = approved_shop(service, "Épicerie des Halles")
    merchant = till(service, new_page, shop, "merchant")
    payer = resident(service, 20_00)
    open_day(merchant)
    merchant.get_by_role("button", name="Clôturer la journée").click()  # nothing declared
    expect(merchant.locator("#confirm-count")).to_have_text("0")
    expect(merchant.locator("#confirm-declared")).to_have_text("Non déclaré")
    expect(merchant.locator("#confirm-difference")).to_have_text("—")

    pay(service, payer, shop, 5_00)  # the printed sticker, while the merchant reads
    with merchant.expect_request(lambda r: r.method == "POST" and r.url.endswith("/close")) as sent:
        merchant.get_by_role("button", name="Signer et clôturer").click()
    # The browser's canonical JSON of a record with nulls is the ledger's (RFC 8785).
    envelope = sent.value.post_data_json
    assert envelope is not None
    record = envelope["record"]
    assert (record["first_entry"], record["last_entry"], record["declared"]) == (None,) * 3
    with service.world.ledger.unit_of_work() as uow:
        key = uow.store.keys([record["kid"]])[record["kid"]]
    verify(key.public_key, signed_bytes(record), b64url_decode(envelope["sig"]))
    expect(merchant.locator("#message")).to_contain_text("Un paiement est arrivé entre-temps")
    expect(merchant.locator("#day-count")).to_have_text("1")
    expect(merchant.locator("#day-tills tr")).to_have_text(
        [row("QR code imprimé", "1", "5,00", "0,00")]
    )
    expect(merchant.locator("#day-status")).to_have_text("Ouverte")

    merchant.get_by_label("Total compté (facultatif, ex. 123,45)").fill("5")
    merchant.get_by_role("button", name="Clôturer la journée").click()
    expect(merchant.locator("#confirm-count")).to_have_text("1")
    expect(merchant.locator("#confirm-difference")).to_have_text("0,00" + RTZ)
    merchant.get_by_role("button", name="Signer et clôturer").click()
    expect(merchant.locator("#day-status")).to_contain_text("Clôturée")
    expect(merchant.locator("#message")).to_be_hidden()

    merchant.get_by_role("button", name="English").click()
    expect(merchant.locator("#day-status")).to_contain_text("Closed (entry no. ")
    expect(merchant.get_by_role("button", name="Day statement (CSV)")).to_be_visible()
