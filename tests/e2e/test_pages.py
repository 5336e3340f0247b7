"""The wallet and the till in a real browser: enrol, pay a till's request, pay a sticker.

Each device is a separate browser context with its own non-extractable WebCrypto key. The
money is checked on the ledger itself, never only on the screen.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import cairosvg
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, Request, Route, expect

from ledger import queries
from ledger.records import parse_envelope
from merchants.payment_requests import sign_request
from tests.e2e.conftest import Service

NewPage = Callable[[], Page]


def enrol(page: Page, url: str, code: str, *, name: str = "") -> None:
    page.goto(url)
    page.get_by_label("Code d’enrôlement").fill(code)
    if name:  # a till's name, shown in the day's figures
        page.get_by_label("Nom de cette caisse").fill(name)
    page.get_by_role("button", name="Enrôler").click()


def resident_wallet(service: Service, new_page: NewPage, *, balance: int) -> tuple[Page, int]:
    """A resident with `balance` cents whose phone has enrolled and shows its balance."""
    number = service.open_account("resident", "Camille Martin", balance=balance)
    page = new_page()
    enrol(page, service.url + "/", service.enrolment_code(number, "resident"))
    expect(page.locator("#balance")).to_have_text(re.compile(r"\d+,\d\d\u00a0RTZ"))
    return page, number


def qr_text(service: Service, page: Page) -> str:
    src = page.locator("#qr").get_attribute("src")
    assert src is not None
    status, svg, media_type = service.get(src)
    assert (status, media_type) == (200, "image/svg+xml")
    png = cairosvg.svg2png(bytestring=svg, output_width=600)
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return barcode.text


def transfers_posted(page: Page) -> list[Request]:
    posted: list[Request] = []
    page.on(
        "request",
        lambda r: posted.append(r) if r.method == "POST" and "/v1/transfers" in r.url else None,
    )
    return posted


def test_a_resident_pays_a_till_request_and_both_pages_verify_the_receipt(
    service: Service, new_page: NewPage
) -> None:
    shop = service.open_account("merchant", "Boulangerie Martin")
    wallet, resident = resident_wallet(service, new_page, balance=50_00)
    expect(wallet.locator("#balance")).to_have_text("50,00\u00a0RTZ")
    expect(wallet.locator("html")).to_have_attribute("lang", "fr")

    till = new_page()
    enrol(till, service.url + "/till", service.enrolment_code(shop, "cashier"))
    expect(till.locator("#merchant-name")).to_have_text("Boulangerie Martin")
    till.get_by_label("Montant à encaisser").fill("12,50")
    till.get_by_role("button", name="Afficher le QR code").click()
    expect(till.locator("#request-status")).to_have_text("En attente du paiement…")

    url = qr_text(service, till)
    assert url.startswith("HTTPS://PAY.EXAMPLE.ORG/R/")
    assert till.locator("#request-link").get_attribute("href") == "/R/" + url.split("/R/")[1]
    wallet.goto(service.url + "/R/" + url.split("/R/")[1])
    expect(wallet.locator("#payee-name")).to_have_text("Boulangerie Martin")
    expect(wallet.locator("#pay-fixed")).to_have_text("12,50\u00a0RTZ")
    expect(wallet.get_by_label("Montant (ex. 12,50)")).to_be_hidden()

    wallet.get_by_role("button", name="Confirmer le paiement").click()
    clicked = time.monotonic()
    expect(wallet.locator("#receipt-check")).to_have_text("Reçu vérifié")
    expect(till.locator("#request-status")).to_have_text("Payé", timeout=2_500)
    assert time.monotonic() - clicked < 2.5
    expect(till.locator("#till-receipt")).to_have_text("Reçu vérifié")

    assert (service.balance(resident), service.balance(shop)) == (37_50, 12_50)
    payreq = till.evaluate("() => document.querySelector('#qr').src.split('/')[5]")
    status = service.get_json(f"/v1/payment-requests/{payreq}")
    assert status["status"] == "paid"
    assert status["receipt"]["record"]["amount"] == 12_50
    assert status["receipt"]["record"]["from"] == str(resident)

    # the same request scanned again: said at once, not after "Confirmer"
    wallet.goto(service.url + "/R/" + url.split("/R/")[1])
    expect(wallet.locator("#message")).to_contain_text("déjà payée")
    expect(wallet.locator("#pay")).to_be_hidden()
    wallet.goto(service.url + "/")
    expect(wallet.locator("#balance")).to_have_text("37,50\u00a0RTZ")
    history = wallet.locator("#history li")
    expect(history.first).to_contain_text("Payé à Boulangerie Martin")
    expect(history.nth(1)).to_contain_text("Recharge en espèces — ")  # at the office
    wallet.get_by_role("button", name="English").click()
    expect(history.first).to_contain_text("Paid to Boulangerie Martin")
    expect(history.nth(1)).to_contain_text("Cash top-up — ")
    wallet.get_by_role("button", name="Français").click()


def test_a_printed_merchant_code_takes_a_typed_french_amount(
    service: Service, new_page: NewPage
) -> None:
    shop = service.open_account("merchant", "Épicerie du Port")
    wallet, resident = resident_wallet(service, new_page, balance=20_00)
    posted = transfers_posted(wallet)
    wallet.goto(f"{service.url}/m/{shop}")  # a camera app may hand over either case
    expect(wallet.locator("#payee-name")).to_have_text("Épicerie du Port")

    amount = wallet.get_by_label("Montant (ex. 12,50)")
    amount.fill("7,555")
    wallet.get_by_role("button", name="Confirmer le paiement").click()
    expect(wallet.locator("#message")).to_contain_text("Montant invalide")
    assert posted == []

    amount.fill("7,5")
    wallet.get_by_label("Message (facultatif)").fill("Pain, fromage")
    wallet.get_by_role("button", name="Confirmer le paiement").click()
    expect(wallet.locator("#receipt-check")).to_have_text("Reçu vérifié")
    expect(wallet.locator("#done-summary")).to_contain_text("7,50\u00a0RTZ payés à Épicerie")
    assert len(posted) == 1
    assert (service.balance(resident), service.balance(shop)) == (12_50, 7_50)
    envelope = posted[0].post_data_json  # the memo travels beside the record, which commits to it
    assert isinstance(envelope, dict) and envelope["memo"]["text"] == "Pain, fromage"
    memo = parse_envelope(envelope).memo
    assert memo is not None and envelope["record"]["memo"] == memo.commitment
    assert "Pain" not in json.dumps(envelope["record"])
    with service.world.ledger.unit_of_work(write=False) as uow:
        assert queries.history(uow, number=resident)[0].memo == "Pain, fromage"


def test_a_payment_beyond_the_balance_shows_the_ledgers_refusal_and_moves_nothing(
    service: Service, new_page: NewPage
) -> None:
    shop = service.open_account("merchant", "Boulangerie Martin")
    wallet, resident = resident_wallet(service, new_page, balance=5_00)
    wallet.goto(f"{service.url}/M/{shop}")
    expect(wallet.locator("#payee-name")).to_have_text("Boulangerie Martin")
    size = service.world.log_size()

    wallet.get_by_label("Montant (ex. 12,50)").fill("12,50")
    wallet.get_by_role("button", name="Confirmer le paiement").click()
    message = wallet.locator("#message")
    # in the person's words and figures; the server's detail ("lacks 750 cents") is for scripts
    expect(message).to_have_text("Solde insuffisant : il manque 7,50\u00a0RTZ.")
    wallet.get_by_role("button", name="English").click()
    expect(message).to_have_text("Insufficient balance: 7,50\u00a0RTZ short.")
    wallet.get_by_role("button", name="Français").click()
    expect(wallet.locator("#pay")).to_be_visible()
    assert (service.balance(resident), service.balance(shop)) == (5_00, 0)
    assert service.world.log_size() == size


def test_a_request_with_a_forged_signature_is_refused_before_any_payment(
    service: Service, new_page: NewPage
) -> None:
    world = service.world
    shop_number = service.open_account("merchant", "Boulangerie Martin")
    till_key = service.enrol_key(shop_number, "cashier")
    wallet, _ = resident_wallet(service, new_page, balance=50_00)
    posted = transfers_posted(wallet)
    genuine = sign_request(
        host=world.ledger.host,
        merchant=shop_number,
        amount=12_50,
        expires=int(time.time()) + 300,
        nonce=os.urandom(8),
        ref="T1-0042",
        key=till_key,
    ).to_bytes()
    forged_sig = genuine[:-1] + bytes([genuine[-1] ^ 1])
    forged_amount = genuine[:5] + (99_00).to_bytes(4, "big") + genuine[9:]

    def b32(data: bytes) -> str:
        return base64.b32encode(data).decode().rstrip("=")

    for forged in (forged_sig, forged_amount):
        wallet.goto(f"{service.url}/R/{b32(forged)}")
        expect(wallet.locator("#message")).to_contain_text("signature ne vient pas")
        expect(wallet.locator("#pay")).to_be_hidden()
    assert posted == []

    wallet.goto(f"{service.url}/r/{b32(genuine).lower()}")  # genuine, but never registered
    expect(wallet.locator("#message")).to_contain_text("inconnue du registre")
    expect(wallet.locator("#pay")).to_be_hidden()
    registered = urllib.request.Request(
        service.url + "/v1/payment-requests",
        data=json.dumps({"pr": b32(genuine)}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(registered, timeout=10).close()  # as the till does
    wallet.goto(f"{service.url}/r/{b32(genuine).lower()}")  # the control: the genuine request
    expect(wallet.locator("#pay-fixed")).to_have_text("12,50\u00a0RTZ")
    expect(wallet.locator("#pay-ref")).to_have_text("Référence : T1-0042")
    expect(wallet.locator("#message")).to_be_hidden()


def test_the_pages_speak_french_first_and_remember_english(
    service: Service, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(service.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Enrôler")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Enrol", exact=True)).to_be_visible()
    page.goto(service.url + "/till")
    expect(page.get_by_role("heading", name="Till")).to_be_visible()
    expect(page.get_by_label("Enrolment code")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_label("Code d’enrôlement")).to_be_visible()


def test_the_wallet_is_an_installable_app_under_a_strict_policy(service: Service) -> None:
    status, body, media_type = service.get("/manifest.webmanifest")
    assert (status, media_type) == (200, "application/manifest+json")
    manifest = json.loads(body)
    assert (manifest["start_url"], manifest["display"], manifest["lang"]) == (
        "/",
        "standalone",
        "fr",
    )
    for icon in manifest["icons"]:
        assert service.get(icon["src"])[0] == 200
    with urllib.request.urlopen(service.url + "/R/ABC") as page:
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        html = page.read().decode()
    assert "<script>" not in html and "style=" not in html


def test_a_payment_refused_as_retryable_is_sent_again_as_is_and_posted_once(
    service: Service, new_page: NewPage
) -> None:
    shop = service.open_account("merchant", "Épicerie du Port")
    wallet, resident = resident_wallet(service, new_page, balance=20_00)
    bodies: list[str] = []

    def outage_once(route: Route) -> None:
        bodies.append(route.request.post_data or "")
        if len(bodies) == 1:  # the database was failing over: a retryable problem
            problem = {
                "type": "urn:sou:problem:database-unavailable",
                "title": "The database did not answer",
                "status": 503,
                "detail": "the payment batch was not posted; send the same record again",
            }
            route.fulfill(
                status=503,
                content_type="application/problem+json",
                headers={"retry-after": "1"},
                body=json.dumps(problem),
            )
        else:
            route.continue_()

    wallet.route("**/v1/transfers", outage_once)
    wallet.goto(f"{service.url}/M/{shop}")
    wallet.get_by_label("Montant (ex. 12,50)").fill("4,00")
    wallet.get_by_role("button", name="Confirmer le paiement").click()
    expect(wallet.locator("#message")).to_contain_text("momentanément indisponible")
    retry = wallet.get_by_role("button", name="Réessayer le même paiement")
    expect(retry).to_be_visible()
    retry.click()
    expect(wallet.locator("#receipt-check")).to_have_text("Reçu vérifié")
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # the same signed record, same nonce
    assert (service.balance(resident), service.balance(shop)) == (16_00, 4_00)


def test_a_revoked_wallet_says_to_ask_the_office_for_a_new_code(
    service: Service, new_page: NewPage
) -> None:
    from sqlalchemy import select

    from ledger.admin import revoke_key
    from ledger.persistence.tables import KEYS

    wallet, resident = resident_wallet(service, new_page, balance=3_00)
    world = service.world
    world.now = int(time.time())
    with world.ledger.unit_of_work() as uow:
        (kid,) = uow.connection.execute(select(KEYS.c.kid).where(KEYS.c.account == resident)).one()
        revoke_key(uow, kid=kid, now=world.now)
        uow.commit()
    wallet.evaluate("() => sessionStorage.clear()")  # no reading token kept from before
    wallet.reload()
    message = wallet.locator("#message")
    expect(message).to_have_text(
        "Cet appareil a été révoqué : demandez un nouveau code d’enrôlement au bureau de change."
    )
    wallet.get_by_role("button", name="English").click()
    expect(message).to_have_text(
        "This device was revoked: ask the exchange office for a new enrolment code."
    )


def test_paying_a_resident_by_number_shows_their_name_before_confirming(
    service: Service, new_page: NewPage
) -> None:
    wallet, payer = resident_wallet(service, new_page, balance=10_00)
    payee = service.open_account("resident", "Maialen Etxeberria")
    number = wallet.get_by_label("Numéro de compte du bénéficiaire")
    number.fill("999999")
    wallet.get_by_role("button", name="Continuer").click()
    expect(wallet.locator("#message")).to_have_text("Aucun compte ne porte le numéro 999999.")
    expect(wallet.locator("#pay")).to_be_hidden()

    number.fill(str(payee))
    wallet.get_by_role("button", name="Continuer").click()
    expect(wallet.locator("#payee-name")).to_have_text("Maialen E.")  # before any money moves
    expect(wallet.locator("#payee-number")).to_have_text(f"n° {payee}")
    assert service.balance(payee) == 0
    wallet.get_by_role("button", name="English").click()
    expect(wallet.locator("#payee-number")).to_have_text(f"no. {payee}")
    wallet.get_by_role("button", name="Français").click()
    wallet.get_by_label("Montant (ex. 12,50)").fill("3")
    wallet.get_by_role("button", name="Confirmer le paiement").click()
    expect(wallet.locator("#done-summary")).to_contain_text("3,00\u00a0RTZ payés à Maialen E.")
    assert (service.balance(payer), service.balance(payee)) == (7_00, 3_00)


def test_a_resident_downloads_everything_held_about_them(
    service: Service, new_page: NewPage
) -> None:
    page, number = resident_wallet(service, new_page, balance=7_00)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger mes données").click()
    assert download.value.suggested_filename == f"sou-{number}.html"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Camille Martin" in text and "<h2>Mouvements</h2>" in text
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Download my data")).to_be_visible()
