"""A day of the pilot played by volunteers through the screens only (issue 20): the treasurer
gives the office agent's tablet its code on the console; the agent opens five residents'
accounts, each phone enrolling from the QR code on the tablet; converts cash; replaces a
lost phone; the treasurer approves a merchant and sets its kind's fee (its membership
required); the office collects memberships, the shop's own among them and one a resident
pays from the phone to the association's account; the residents pay the shop, which
reconverts; the treasurer imports the bank's statement (matches
and one line to explain), pays the reconversions as a batch (its pain.001 checked) and
publishes the reserve's statement, which the public transparency page shows.

Only the pilot's starting state (`make run`'s demo data, the first treasurer's enrolment code
as `sou admin enrolment-code` gives it, and a merchant's application waiting) and the bank's
statement file are made on the test's side; the merchant's reconversion is signed here as the
merchant's own device would (no screen asks for one yet). axe-core finds no serious or
critical violation on any screen reached. With SOU_SCREENSHOTS=1 the main screens are saved
in docs/screens/ (the README and OPERATIONS.md show them)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, FilePayload, Locator, Page, expect
from sqlalchemy import select

from association.bank_import import bank_accounts
from association.memberships import association_accounts
from association.reserve_check import expectations
from association.tables import BANK_STATEMENTS
from merchants.payouts import quote_reconversion, waiting_reconversions
from merchants.profiles import Application, apply_merchant
from merchants.sepa import validate
from sou.pilot.bank import BankLine, camt053
from tests.e2e.conftest import Pilot, Troubles
from tests.e2e.test_office_accounts_page import (
    CODE,
    challenge_status,
    contexts,
    device,
    keys_of,
    scanned,
)
from tests.e2e.test_pilot_pages import sweep

__all__ = ["contexts"]  # the fixture, imported for this module's test

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"
PARIS = ZoneInfo("Europe/Paris")
RESIDENTS = (
    ("Maite Etcheverry", "maite@example.org"),
    ("Julen Arrieta", "06 11 22 33 44"),
    ("Amaia Sallaberry", ""),
    ("Pierre Duhalde", "pierre@example.org"),
    ("Nora Belloc", "07 55 66 77 88"),
)
SHOP = "Librairie Elkar"
UNKNOWN = BankLine(dt.date.today(), 23_45, "VIR SEPA RECU /DE M ETXEBERRIA /MOTIF DON")


def shot(page: Page, name: str, target: Locator | None = None) -> None:
    """The screen as the volunteer sees it (`target` at the top), into docs/screens/, only with
    SOU_SCREENSHOTS=1 (so that a normal run leaves the tree as it was)."""
    if os.environ.get("SOU_SCREENSHOTS") != "1":
        return
    page.evaluate("() => document.activeElement?.blur()")  # no focus ring in the picture
    if target is not None:
        target.evaluate("e => e.scrollIntoView({block: 'start'})")
    picture = Image.open(io.BytesIO(page.screenshot(animations="disabled")))
    SCREENS.mkdir(parents=True, exist_ok=True)
    picture.convert("RGB").quantize(colors=128).save(SCREENS / f"{name}.png", optimize=True)


def tap_twice(button: Locator, shown: Locator) -> None:
    """The office's forms show the holder's name at the first press and record at the next."""
    button.tap()
    expect(shown).not_to_be_empty()
    button.tap()


def today() -> str:
    return dt.datetime.now(PARIS).date().isoformat()


def pending_application(pilot: Pilot) -> int:
    """A shop's application waiting for the treasurer, as the association's form takes it."""
    app = Application(
        kind="business",
        legal_name=SHOP,
        address="Rue Pannecau, 64100 Bayonne",
        activity="librairie",
        iban="FR76 3000 6000 0112 3456 7890 189",
    )
    with pilot.world.ledger.unit_of_work() as uow:
        number = apply_merchant(uow, application=app, now=int(time.time()))
        uow.commit()
    return number


def reconvert(pilot: Pilot, merchant: int, cents: int) -> None:
    """The merchant's device signs a reconversion of `cents` at the quoted fee and posts it, as
    POST /v1/reconversions takes it (no screen of the merchant's asks for one)."""
    world = pilot.world
    world.now = int(time.time())
    key = pilot.enrol_key(merchant, "merchant")
    with world.ledger.unit_of_work(write=False) as uow:
        fee = quote_reconversion(uow, account=merchant, gross=cents, now=world.now).fee
    record = world.record("reconversion", key, from_=str(merchant), amount=cents, fee=fee)
    request = urllib.request.Request(
        pilot.url + "/v1/reconversions",
        data=json.dumps(record.envelope()).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def bank_statement(pilot: Pilot) -> tuple[FilePayload, int]:
    """The bank's camt.053 of the digital reserve's account for today: the credits the ledger
    expects there (the offices' cash deposits in transit, today's among them) and one credit
    nobody explained; it takes over from the account's previous statement. Returns the file
    and how many of its lines the ledger expects."""
    with pilot.world.ledger.unit_of_work(write=False) as uow:
        (account,) = [a for a in bank_accounts(uow) if a.reserve == "digital"]
        expected = expectations(uow, account, set())
        previous = uow.connection.execute(
            select(BANK_STATEMENTS.c.closing_date, BANK_STATEMENTS.c.closing_balance)
            .where(BANK_STATEMENTS.c.iban == account.iban)
            .order_by(BANK_STATEMENTS.c.closing_date.desc(), BANK_STATEMENTS.c.id.desc())
            .limit(1)
        ).one()
        count = uow.connection.execute(
            select(BANK_STATEMENTS.c.id).where(BANK_STATEMENTS.c.iban == account.iban)
        ).all()
    day = dt.date.fromisoformat(today())
    lines = []
    for _, transit in expected:
        if transit.kind == "deposit":
            lines.append(BankLine(day, transit.amount, "VERSEMENT ESPECES COMPTOIR"))
        elif transit.kind == "conversion":
            lines.append(BankLine(day, transit.amount, "VIR SEPA RECU", transit.reference))
        # the pilot's last payout batch the bank debits tomorrow: still in transit
    unknown = BankLine(day, UNKNOWN.amount, UNKNOWN.label)
    data = camt053(
        iban=account.iban,
        number=len(count) + 1,
        opening_date=dt.date.fromisoformat(previous.closing_date),
        opening_balance=previous.closing_balance,
        closing_date=day,
        lines=[*lines, unknown],
        created=dt.datetime.now(dt.UTC),
    )
    return {"name": "releve.xml", "mimeType": "application/xml", "buffer": data}, len(lines)


@pytest.fixture
def tablets(browser: Browser, troubles: Troubles) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def tablet(browser: Browser, opened: list[BrowserContext], troubles: Troubles) -> Page:
    """A touch tablet (1024 px wide): the office's or the treasurer's."""
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1024, "height": 1366},
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    opened.append(context)
    return troubles.watch(context.new_page())


def test_a_day_of_the_pilot_without_a_shell(
    own_pilot: Pilot,
    browser: Browser,
    contexts: list[BrowserContext],
    tablets: list[BrowserContext],
    troubles: Troubles,
) -> None:
    pilot = own_pilot
    shop = pending_application(pilot)

    # --- 1. the treasurer gives the agent's tablet its code; the tablet enrols on /office
    console = tablet(browser, tablets, troubles)
    console.goto(pilot.url + "/association")
    console.get_by_label("Code d’enrôlement").fill(
        pilot.enrolment_code(pilot.treasurer, "treasurer")
    )
    console.get_by_role("button", name="Enrôler").tap()
    expect(console.locator("#figure-coverage")).to_have_text(re.compile(r"\d+,\d\d %"))
    sweep(console, "console")
    volunteers = console.locator("#volunteer-form")
    volunteers.get_by_label("Rôle").select_option("agent")
    volunteers.get_by_label("Comptoir").select_option(str(pilot.office))
    volunteers.get_by_role("button", name="Donner un code d’enrôlement").tap()
    given = console.locator("#volunteer-code")
    expect(given).to_contain_text("Code à usage unique")
    code = re.findall(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", given.inner_text())
    assert code and CODE.match(code[0])
    shot(console, "console-volunteers", console.locator("#volunteer-form"))

    office = tablet(browser, tablets, troubles)
    office.goto(pilot.url + "/office")
    office.get_by_label("Code d’enrôlement").fill(code[0])
    office.get_by_role("button", name="Enrôler").tap()
    expect(office.locator("#office-number")).to_have_text(str(pilot.office))
    expect(console.locator("#volunteer-list li").filter(has_text="actif").first).to_be_visible()

    # --- 2. five residents' accounts, each phone enrolled by the QR code on the tablet
    opening = office.locator("#open-form")
    residents: list[int] = []
    phones: list[Page] = []
    for name, contact in RESIDENTS:
        opening.get_by_label("Nom et prénom").fill(name)
        opening.get_by_label("Courriel ou téléphone (facultatif)").fill(contact)
        opening.get_by_label("L’adhérent a reçu la notice de confidentialité et l’accepte").check()
        opening.get_by_role("button", name="Ouvrir le compte").tap()
        outcome = office.locator("#opened-outcome")
        expect(outcome).to_contain_text(f"ouvert pour {name}")
        residents.append(int(re.findall(r"n° (\d+)", outcome.inner_text())[0]))
        if not phones:
            sweep(office, "office: account opened")
            shot(office, "office-account-opened", opening)
        path = scanned(office.locator("#opened-enrolment .enrolment-qr"))
        phone = device(browser, contexts, troubles, phone=True)
        phone.goto(pilot.url + path)
        expect(phone.locator("#balance")).to_have_text("0,00\u00a0RTZ")
        expect(phone.locator("#account-number")).to_have_text(str(residents[-1]))
        phones.append(phone)
    sweep(phones[0], "wallet")

    # cash at the counter for four of them: 20,00 + 15,00 + 12,30 + 12,00 €
    converting = office.locator("#convert-form")
    cash = {residents[0]: ("20,00", 20_00), residents[1]: ("15,00", 15_00)}
    cash[residents[2]] = ("12,30", 12_30)
    cash[residents[3]] = ("12,00", 12_00)  # Pierre's membership fee, paid from his phone
    for number, (typed, _) in cash.items():
        converting.get_by_label("Numéro de compte de l’adhérent").fill(str(number))
        converting.get_by_label("Euros reçus (ex. 20,00)").fill(typed)
        tap_twice(
            converting.get_by_role("button", name="Créditer le compte"),
            office.locator("#convert-to-name"),
        )
        expect(office.locator("#outcome")).to_contain_text(f"crédités au compte n° {number}")
    for phone, number in zip(phones[:4], residents, strict=False):
        phone.reload()
        expect(phone.locator("#balance")).to_have_text(f"{cash[number][0]}\u00a0RTZ")
    shot(phones[0], "wallet-balance")

    # --- 3. Maite's phone is lost: all her devices revoked, a new phone from the new QR code
    lost_number = residents[0]
    (old_kid,) = keys_of(pilot, lost_number)
    devices = office.locator("#devices-form")
    devices.get_by_label("Numéro de compte de l’adhérent").fill(str(lost_number))
    devices.get_by_role("button", name="Afficher ses appareils").tap()
    office.get_by_role("button", name="Téléphone perdu").tap()
    office.get_by_role("button", name="Confirmer : révoquer tous les appareils").tap()
    expect(office.locator("#new-code-value")).to_have_text(CODE)
    sweep(office, "office: lost phone")
    shot(office, "office-lost-phone", devices)
    new_path = scanned(office.locator("#new-code-qr"))
    assert keys_of(pilot, lost_number) == {old_kid: "revoked"}
    assert challenge_status(pilot, old_kid) == 401
    phones[0].reload()
    expect(phones[0].locator("#message")).to_contain_text("Cet appareil a été révoqué")
    pilot.world.now = int(time.time())
    new_phone = device(browser, contexts, troubles, phone=True)
    new_phone.goto(pilot.url + new_path)
    expect(new_phone.locator("#balance")).to_have_text("20,00\u00a0RTZ")  # kept
    expect(new_phone.locator("#history li")).to_have_count(1)
    phones[0] = new_phone

    # --- 4. the treasurer approves the waiting shop and sets its kind's reconversion fee: a
    # shop of the kind reconverts only with its own membership paid (step 5)
    console.reload()
    expect(console.locator("#figure-coverage")).to_be_visible()
    approve = console.get_by_role("button", name=f"Agréer {SHOP}")
    expect(approve).to_be_visible()
    shot(console, "console-merchants", console.locator("#mer-heading"))
    approve.tap()
    expect(console.locator("#mer-result")).to_contain_text(f"{SHOP} est agréé")
    expect(console.locator("#acts tr").nth(1)).to_contain_text("Commerçant agréé")
    sweep(console, "console: merchant approved")
    fees = console.locator("#fee-form")
    fees.get_by_label("Type de prestataire").select_option("business")
    fees.get_by_label("Taux (%, de 0 à 5, par ex. 2,5)").fill("2")
    fees.get_by_label("Commission minimale (€)").fill("0,50")
    fees.get_by_label("Adhésion à jour requise pour reconvertir").check()
    fees.get_by_role("button", name="Fixer la commission").tap()
    expect(console.locator("#fee-result")).to_contain_text("Commission des « entreprises »")

    # --- 5. memberships: the year's fees on the console; at the office, Julen's and the shop's
    # own paid in euros, Pierre's in the currency: he pays the fee from his phone to the
    # association's account (its number: the account of kind "association" the pilot opened)
    console.get_by_label("Cotisation résident (€)").fill("12,00")
    console.get_by_label("Cotisation commerçant (€)").fill("50,00")
    console.get_by_role("button", name="Enregistrer les cotisations de l’année").tap()
    expect(console.locator("#memberships-fees")).to_contain_text("résident 12,00 €")
    with pilot.world.ledger.unit_of_work(write=False) as uow:
        association = min(association_accounts(uow))
    phone = phones[3]
    phone.goto(pilot.url + "/")
    expect(phone.locator("#balance")).to_have_text("12,00\u00a0RTZ")
    phone.get_by_label("Numéro de compte du bénéficiaire").fill(str(association))
    phone.locator("#to-form").get_by_role("button", name="Continuer").tap()
    expect(phone.locator("#payee-number")).to_contain_text(str(association))
    phone.get_by_label("Montant (ex. 12,50)").fill("12,00")
    phone.get_by_role("button", name="Confirmer le paiement").tap()
    expect(phone.locator("#receipt-check")).to_have_text("Reçu vérifié")
    expect(phone.locator("#done-summary")).to_contain_text("12,00\u00a0RTZ payés à")
    membership = office.locator("#membership-form")
    for number, category, method, euros in (
        (residents[1], "resident", "euros", "12,00"),
        (shop, "merchant", "euros", "50,00"),
        (residents[3], "resident", "currency", "12,00"),  # no entry number typed
    ):
        membership.get_by_label("Numéro de compte du membre").fill(str(number))
        membership.get_by_role("button", name="Voir son adhésion").tap()
        expect(office.locator("#membership-status")).to_contain_text(f"Compte n° {number}")
        membership.get_by_label("Catégorie").select_option(category)
        membership.get_by_label("Payée").select_option(method)
        membership.get_by_role("button", name="Enregistrer la cotisation de l’année").tap()
        expect(office.locator("#membership-outcome")).to_contain_text(
            f"Cotisation de {euros} € enregistrée"
        )
        expect(office.locator("#membership-status")).to_contain_text("adhésion à jour")
    sweep(office, "office: membership")
    shot(office, "office-membership", office.locator("#office-memberships"))
    with office.context.expect_page() as opened:
        office.get_by_role("button", name="Ouvrir le reçu pour l’imprimer").tap()
    receipt = opened.value
    expect(receipt.get_by_role("heading", level=1)).to_have_text("Reçu d’adhésion")
    expect(receipt.locator("body")).to_contain_text("12,00 €")
    expect(receipt.locator("body")).to_contain_text(RESIDENTS[3][0])
    expect(receipt.locator("body")).to_contain_text("en monnaie locale (écriture n°")
    receipt.close()

    # --- 6. residents pay the shop at its sticker; it reconverts (its membership paid); the
    # office banks its cash
    paid = 0
    for phone, typed, cents in ((phones[0], "10,00", 10_00), (phones[1], "8,40", 8_40)):
        phone.goto(f"{pilot.url}/M/{shop}")  # the printed sticker's code
        expect(phone.locator("#payee-name")).to_have_text(SHOP)
        if not paid:
            sweep(phone, "wallet pay")
        phone.get_by_label("Montant (ex. 12,50)").fill(typed)
        phone.get_by_role("button", name="Confirmer le paiement").tap()
        expect(phone.locator("#receipt-check")).to_have_text("Reçu vérifié")
        expect(phone.locator("#done-summary")).to_contain_text(f"{typed}\u00a0RTZ payés à {SHOP}")
        paid += cents
        if paid == cents:
            shot(phone, "wallet-paid")
    phones[2].goto(f"{pilot.url}/M/{shop}")
    phones[2].get_by_label("Montant (ex. 12,50)").fill("6,60")
    phones[2].get_by_role("button", name="Confirmer le paiement").tap()
    expect(phones[2].locator("#receipt-check")).to_have_text("Reçu vérifié")
    paid += 6_60
    assert pilot.balance(shop) == paid == 25_00
    reconvert(pilot, shop, paid)
    depositing = office.locator("#deposit-form")
    depositing.get_by_label("Montant déposé (ex. 200,00)").fill("59,30")
    depositing.get_by_label("Compte de réserve").select_option("digital")
    depositing.get_by_role("button", name="Enregistrer le dépôt").tap()
    expect(office.locator("#outcome")).to_contain_text("59,30 EUR déposés à la banque")

    # --- 7. the bank's statement: its lines matched but the one nobody explained
    statement, expected = bank_statement(pilot)
    console.reload()
    expect(console.locator("#figure-coverage")).to_be_visible()
    console.get_by_label("Relevé de la banque (camt.053, CFONB 120 ou CSV)").set_input_files(
        statement
    )
    console.get_by_role("button", name="Importer le relevé").tap()
    expect(console.locator("#bank-import-outcome")).to_contain_text(
        f"{expected + 1} ligne(s), {expected} rapprochée(s), 1 à rapprocher"
    )
    line = console.locator("#lines form", has_text=UNKNOWN.label)
    expect(line).to_contain_text("23,45 €")
    sweep(console, "console: statement imported")
    shot(console, "console-bank-statement", console.locator("#bank-import-form"))
    line.get_by_label("Note").fill("Don de M. Etxeberria, reçu envoyé")
    line.get_by_role("button", name="Enregistrer").tap()
    expect(line).to_have_count(0)

    # --- 8. the reconversions paid as one batch: its pain.001, then marked sent
    with pilot.world.ledger.unit_of_work(write=False) as uow:
        waiting = waiting_reconversions(uow)
    assert shop in [w.account for w in waiting]
    total = sum(w.net for w in waiting)
    expect(console.locator("#pay-waiting tbody tr")).to_have_count(len(waiting))
    create = console.locator("#pay-create")
    expect(create).to_contain_text(f"Approuver ces {len(waiting)} reconversions en un lot")
    create.tap()
    summary = console.locator("#pay-batch-summary")
    expect(summary).to_contain_text("approuvé, à envoyer à la banque")
    sweep(console, "console: payout batch")
    shot(console, "console-payouts", console.locator("#pay-heading"))
    with console.expect_download() as download:
        console.get_by_role("button", name="Télécharger le fichier de virements (pain.001)").tap()
    xml = Path(download.value.path()).read_bytes()
    checked = validate(xml)
    assert (checked.count, checked.total) == (len(waiting), total)
    tree = ElementTree.fromstring(xml)
    assert tree.findtext(f".//{PAIN}GrpHdr/{PAIN}CtrlSum") == f"{total // 100}.{total % 100:02d}"
    assert SHOP in xml.decode()
    console.on("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="Marquer le lot envoyé et exécuté").tap()
    expect(summary).to_contain_text("exécuté.")

    # --- 9. the reserve's signed statement, published and shown on the public page
    console.get_by_label("Date de l’état").fill(today())
    console.get_by_role("button", name="Publier l’état signé de la réserve").tap()
    expect(console.locator("#statement-summary")).to_contain_text(f"État du {today()} : OK")
    expect(console.locator("#statement-note")).not_to_be_empty()
    sweep(console, "console: statement published")
    shot(
        console,
        "console-reserve-statement",
        console.get_by_role("heading", name="Dernier état de la réserve"),
    )
    public = device(browser, contexts, troubles, phone=True)
    public.goto(pilot.url + "/transparence")
    expect(
        public.get_by_role("link", name=f"Dernier état signé de la réserve : {today()}, OK")
    ).to_be_visible()
    sweep(public, "transparence")
    shot(public, "transparence")
