"""Opening an account and recovering one at the office, on a touch tablet, and the member's
phone enrolling from the QR code the tablet shows (decoded back from a screenshot of it): no
code typed, the code gone from the address bar, the balance on screen; after a recovery and a
lost phone the old keys are refused, the account's balance and history kept. FR and EN, and
axe-core finds no serious or critical violation on the new screens."""

from __future__ import annotations

import io
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect
from sqlalchemy import select

from ledger.persistence.tables import KEYS
from tests.e2e.conftest import Service, Troubles
from tests.e2e.test_pilot_pages import violations
from tests.support import HOST

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def device(
    browser: Browser, contexts: list[BrowserContext], troubles: Troubles, *, phone: bool
) -> Page:
    """A touch device of its own (its own key store): a phone (390 px) or a tablet."""
    viewport: ViewportSize = (
        {"width": 390, "height": 844} if phone else {"width": 1024, "height": 1366}
    )
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport=viewport,
        is_mobile=phone,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    contexts.append(context)
    return troubles.watch(context.new_page())


def scanned(qr: Locator) -> str:
    """The address in the QR code as the screen shows it: what a phone's camera reads."""
    expect(qr).to_be_visible()
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    found = urlsplit(barcode.text)
    assert barcode.text.startswith("HTTPS://")  # upper case: the alphanumeric mode
    assert found.netloc == HOST.upper()
    return found.path


def no_violations(page: Page, screen: str) -> None:
    found = []
    for lang, button in (("fr", "English"), ("en", "Français")):
        expect(page.locator("html")).to_have_attribute("lang", lang)
        found += [f"{screen} {lang}: {v}" for v in violations(page)]
        page.get_by_role("button", name=button, exact=True).tap()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert found == []


def keys_of(service: Service, number: int) -> dict[str, str]:
    with service.world.engine.connect() as conn:
        rows = conn.execute(select(KEYS.c.kid, KEYS.c.status).where(KEYS.c.account == number))
        return {r.kid: r.status for r in rows}


def challenge_status(service: Service, kid: str) -> int:
    request = urllib.request.Request(
        service.url + "/v1/auth/challenge",
        data=f'{{"kid": "{kid}"}}'.encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def enrolled_from(page: Page, service: Service, path: str, balance: str) -> None:
    page.goto(service.url + path)
    expect(page.locator("#balance")).to_have_text(balance)
    assert urlsplit(page.url).path == "/"  # the code is not kept in the address bar


def test_an_account_opened_on_the_tablet_enrols_the_phone_from_the_qr_code(
    service: Service, browser: Browser, contexts: list[BrowserContext], troubles: Troubles
) -> None:
    office = service.open_account("office", "Comptoir du marché")
    tablet = device(browser, contexts, troubles, phone=False)
    tablet.goto(service.url + "/office")
    tablet.get_by_label("Code d’enrôlement").fill(service.enrolment_code(office, "agent"))
    tablet.get_by_role("button", name="Enrôler").tap()
    expect(tablet.locator("#office-number")).to_have_text(str(office))

    # without the member's consent nothing is opened
    tablet.get_by_label("Nom et prénom").fill("Léa Dupont")
    tablet.get_by_label("Courriel ou téléphone (facultatif)").fill("lea@example.org")
    tablet.get_by_role("button", name="Ouvrir le compte").tap()
    expect(tablet.locator("#message")).to_contain_text("aucun compte n’est ouvert sans lui")
    tablet.get_by_label("L’adhérent a reçu la notice de confidentialité et l’accepte").tap()
    tablet.get_by_role("button", name="Ouvrir le compte").tap()
    outcome = tablet.locator("#opened-outcome")
    expect(outcome).to_contain_text("ouvert pour Léa Dupont")
    number = int(re.findall(r"n° (\d+)", outcome.inner_text())[0])
    code = tablet.locator("#opened-enrolment .enrolment-code").inner_text()
    assert CODE.match(code)
    expect(tablet.locator("#opened-enrolment .enrolment-expires")).to_have_text(
        re.compile(r"^Valable une seule fois, jusqu’à \d\d:\d\d\.$")
    )
    no_violations(tablet, "office: account opened")
    tablet.get_by_role("button", name="English").tap()
    expect(outcome).to_have_text(f"Account no. {number} opened for Léa Dupont.")
    expect(
        tablet.get_by_role("heading", name="Recover an account (every device lost)")
    ).to_be_visible()
    tablet.get_by_role("button", name="Français").tap()

    # the phone scans the QR code: enrolled without typing, on the new account
    path = scanned(tablet.locator("#opened-enrolment .enrolment-qr"))
    assert path == f"/E/{code}"
    phone = device(browser, contexts, troubles, phone=True)
    enrolled_from(phone, service, path, "0,00\u00a0RTZ")
    (first_kid,) = keys_of(service, number)
    # the code was used once: a second phone opening the same address enrols nothing
    other = device(browser, contexts, troubles, phone=True)
    other.goto(service.url + path)
    expect(other.locator("#message")).to_contain_text("déjà utilisé ou expiré")
    assert len(keys_of(service, number)) == 1

    # 15,00 in cash at the counter, then the member loses every device: recovered at the office
    tablet.get_by_label("Numéro de compte de l’adhérent").first.fill(str(number))
    tablet.get_by_label("Euros reçus (ex. 20,00)").first.fill("15,00")
    tablet.get_by_role("button", name="Créditer le compte").tap()
    expect(tablet.locator("#convert-to-name")).to_contain_text("Léa D.")
    tablet.get_by_role("button", name="Créditer le compte").tap()
    expect(tablet.locator("#outcome")).to_contain_text(f"crédités au compte n° {number}")
    tablet.get_by_label("Numéro du compte à récupérer").fill(str(number))
    tablet.get_by_label("Pièce d’identité vue").select_option("passport")
    tablet.get_by_label("Remarque (facultatif, jamais le numéro de la pièce)").fill(
        "photo conforme"
    )
    recover = tablet.get_by_role("button", name="Identité vérifiée")
    recover.tap()
    expect(tablet.locator("#recover-account-name")).to_contain_text("Titulaire : Léa D.")
    assert keys_of(service, number) == {first_kid: "active"}  # nothing done before confirming
    recover.tap()
    expect(tablet.locator("#recovered-outcome")).to_have_text(
        f"Compte n° {number} : 1 appareil(s) révoqué(s). Solde et historique conservés."
    )
    no_violations(tablet, "office: account recovered")
    assert keys_of(service, number) == {first_kid: "revoked"}
    assert challenge_status(service, first_kid) == 401
    phone.reload()
    expect(phone.locator("#message")).to_contain_text("Cet appareil a été révoqué")

    new_phone = device(browser, contexts, troubles, phone=True)
    enrolled_from(
        new_phone,
        service,
        scanned(tablet.locator("#recovered-enrolment .enrolment-qr")),
        "15,00\u00a0RTZ",
    )
    expect(new_phone.locator("#history li")).to_have_count(1)
    (second_kid,) = [k for k, s in keys_of(service, number).items() if s == "active"]

    # the lost phone's flow: its new code shown as a QR code too, the old key refused
    tablet.get_by_label("Numéro de compte de l’adhérent").nth(2).fill(str(number))
    tablet.get_by_role("button", name="Afficher ses appareils").tap()
    lost = tablet.get_by_role("button", name="Téléphone perdu")
    lost.tap()
    tablet.get_by_role("button", name="Confirmer : révoquer tous les appareils").tap()
    value = tablet.locator("#new-code-value")
    expect(value).to_have_text(CODE)
    lost_path = scanned(tablet.locator("#new-code-qr"))
    assert lost_path == f"/E/{value.inner_text()}"
    no_violations(tablet, "office: lost phone")
    assert challenge_status(service, second_kid) == 401
    service.world.now = int(time.time())
    third = device(browser, contexts, troubles, phone=True)
    enrolled_from(third, service, lost_path, "15,00\u00a0RTZ")
    third.get_by_role("button", name="English").tap()
    expect(third.locator("#history li")).to_have_count(1)


RECOVERY = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){4}$")


def test_a_printed_recovery_code_enrols_a_borrowed_phone_without_the_office(
    service: Service, browser: Browser, contexts: list[BrowserContext], troubles: Troubles
) -> None:
    office = service.open_account("office", "Comptoir du marché")
    tablet = device(browser, contexts, troubles, phone=False)
    tablet.goto(service.url + "/office")
    tablet.get_by_label("Code d’enrôlement").fill(service.enrolment_code(office, "agent"))
    tablet.get_by_role("button", name="Enrôler").tap()
    expect(tablet.locator("#office-number")).to_have_text(str(office))
    tablet.get_by_label("Nom et prénom").fill("Noé Petit")
    tablet.get_by_label("L’adhérent a reçu la notice de confidentialité et l’accepte").tap()
    tablet.get_by_role("button", name="Ouvrir le compte").tap()
    outcome = tablet.locator("#opened-outcome")
    expect(outcome).to_contain_text("ouvert pour Noé Petit")
    number = int(re.findall(r"n° (\d+)", outcome.inner_text())[0])
    # the printed code is on the sheet, with what it is for and a button to print it alone
    sheet = tablet.locator("#opened-recovery .recovery-sheet")
    expect(sheet.get_by_role("heading")).to_have_text(f"Code de secours du compte n° {number}")
    first_code = sheet.locator(".recovery-code").inner_text()
    assert RECOVERY.match(first_code)
    tablet.evaluate("window.print = () => { window.printed = document.body.className }")
    tablet.get_by_role("button", name="Imprimer le code de secours").tap()
    assert tablet.evaluate("window.printed") == "printing"  # only the sheet is printed
    no_violations(tablet, "office: recovery code")
    phone = device(browser, contexts, troubles, phone=True)
    enrolled_from(
        phone, service, scanned(tablet.locator("#opened-enrolment .enrolment-qr")), "0,00\u00a0RTZ"
    )
    (first_kid,) = keys_of(service, number)

    # the member comes back: the agent sees when the code was given, and prints a new one
    tablet.get_by_label("Numéro de compte de l’adhérent").nth(2).fill(str(number))
    tablet.get_by_role("button", name="Afficher ses appareils").tap()
    expect(tablet.locator("#recovery-status")).to_contain_text("Code de secours remis le")
    tablet.get_by_role("button", name="Imprimer un nouveau code de secours").tap()
    code = tablet.locator("#devices-recovery .recovery-code")
    expect(code).to_have_text(RECOVERY)
    recovery = code.inner_text()
    assert recovery != first_code

    # the phone is lost; on a borrowed phone, the member types the new code (the old one is void)
    borrowed = device(browser, contexts, troubles, phone=True)
    borrowed.goto(service.url + "/")
    expect(borrowed.locator("#enrol")).to_contain_text("code de secours imprimé")
    borrowed.get_by_label("Code d’enrôlement").fill(first_code)
    borrowed.get_by_role("button", name="Enrôler").tap()
    expect(borrowed.locator("#message")).to_contain_text("déjà utilisé ou expiré")
    assert keys_of(service, number) == {first_kid: "active"}
    borrowed.get_by_label("Code d’enrôlement").fill(recovery.lower())
    borrowed.get_by_role("button", name="Enrôler").tap()
    expect(borrowed.locator("#balance")).to_have_text("0,00\u00a0RTZ")
    expect(borrowed.locator("#recovered-notice")).to_have_text(
        "Compte récupéré avec votre code de secours : 1 ancien(s) appareil(s) révoqué(s). "
        "Ce code ne servira plus ; demandez-en un nouveau au comptoir."
    )
    no_violations(borrowed, "wallet: recovered by its code")
    assert keys_of(service, number)[first_kid] == "revoked"
    assert challenge_status(service, first_kid) == 401
    borrowed.reload()
    expect(borrowed.locator("#balance")).to_have_text("0,00\u00a0RTZ")
    expect(borrowed.locator("#recovered-notice")).to_be_hidden()  # said once

    # the agent cancels the code a member lost the paper of
    tablet.get_by_role("button", name="Afficher ses appareils").tap()
    expect(tablet.locator("#recovery-status")).to_have_text("Aucun code de secours valable.")
    tablet.get_by_role("button", name="Imprimer un nouveau code de secours").tap()
    expect(tablet.locator("#devices-recovery .recovery-code")).to_have_text(RECOVERY)
    tablet.get_by_role("button", name="Annuler son code de secours").tap()
    expect(tablet.locator("#recovery-status")).to_have_text(
        "Code de secours annulé : il ne sert plus à rien."
    )
    expect(tablet.locator("#devices-recovery")).to_be_empty()
