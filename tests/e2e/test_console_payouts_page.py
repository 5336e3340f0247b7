"""The console's payouts, fee rules and auditors in a real browser, on a tablet, by touch: the
treasurer approves the waiting reconversions as one batch, downloads its pain.001 (which
parses and pays the batch's total), marks it executed, sets a fee rule and opens and closes
an auditor's window; axe-core finds no serious or critical violation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Browser, Page, expect

from ledger.signing import create_key_file
from merchants.payouts import request_reconversion, set_fee_rule
from merchants.reconversion import FeeRule, MerchantKind
from merchants.sepa import validate
from tests.databases import Templates
from tests.e2e.conftest import PILOT_SETTINGS, Service, Troubles
from tests.e2e.test_pilot_pages import sweep
from tests.servers import running_service
from tests.support import World

PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"


@pytest.fixture
def bank_service(templates: Templates, tmp_path: Path) -> Iterator[Service]:
    """A service of the test's own, with the association's reserve bank account set (the
    debtor of its SEPA files)."""
    key_file = tmp_path / "ledger.key"
    with templates.database("sqlite", tmp_path) as url:
        world = World(url, ledger_key=create_key_file(key_file))
        world.now = int(time.time())
        try:
            with running_service(world, key_file, settings=PILOT_SETTINGS) as base:
                yield Service(base, world)
        finally:
            world.close()


@pytest.fixture
def tablet(browser: Browser, troubles: Troubles) -> Iterator[Page]:
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 820, "height": 1180},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    yield troubles.watch(context.new_page())
    context.close()


def _reconversions(world: World) -> None:
    """Two shops reconvert 100,00 € and 40,00 € at 2,5 %: 97,50 € + 39,00 € to pay."""
    world.now = int(time.time())
    with world.ledger.unit_of_work() as uow:
        rule = FeeRule(MerchantKind.BUSINESS, 250, 1)
        set_fee_rule(uow, rule=rule, membership_required=False, now=world.now)
        uow.commit()
    for cents, fee in ((100_00, 2_50), (40_00, 1_00)):
        shop = world.shop(name=f"Épicerie {cents}", balance=cents)
        world.deposit(cents)
        record = world.record("reconversion", shop.key, from_=shop.account, amount=cents, fee=fee)
        with world.ledger.unit_of_work() as uow:  # as POST /v1/reconversions does
            request_reconversion(uow, record=record, now=world.now)
            uow.commit()


def test_the_treasurer_pays_a_batch_sets_a_fee_and_opens_an_auditor_s_access(
    bank_service: Service, tablet: Page
) -> None:
    service, page = bank_service, tablet
    _reconversions(service.world)
    association = service.open_account("association", "Association de la monnaie")
    auditor = service.enrol_key(association, "auditor")
    page.goto(service.url + "/association")
    page.get_by_label("Code d’enrôlement").fill(service.enrolment_code(association, "treasurer"))
    page.get_by_role("button", name="Enrôler").tap()
    waiting = page.locator("#pay-waiting tbody tr")
    expect(waiting).to_have_count(2)
    expect(waiting.first).to_contain_text("97,50\u00a0€")
    sweep(page, "console payouts")
    create = page.get_by_role(
        "button", name="Approuver ces 2 reconversions en un lot (136,50\u00a0€)"
    )
    create.tap()
    summary = page.locator("#pay-batch-summary")
    expect(summary).to_contain_text("136,50\u00a0€, approuvé, à envoyer à la banque")
    expect(page.locator("#pay-none")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le fichier de virements (pain.001)").tap()
    xml = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.endswith(".xml")
    checked = validate(xml)
    assert (checked.count, checked.total) == (2, 136_50)
    tree = ElementTree.fromstring(xml)
    assert tree.findtext(f".//{PAIN}GrpHdr/{PAIN}CtrlSum") == "136.50"
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Marquer le lot envoyé et exécuté").tap()
    expect(summary).to_contain_text("136,50\u00a0€, exécuté.")
    expect(page.get_by_role("button", name="Marquer le lot envoyé et exécuté")).to_be_hidden()
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Virements exécutés")
    # a fee rule, typed as the treasurer writes it
    page.get_by_label("Type de prestataire").select_option(label="CAE")
    page.get_by_label("Taux (%, de 0 à 5, par ex. 2,5)").fill("1,5")
    page.get_by_label("Commission minimale (€)").fill("0,50")
    page.get_by_role("button", name="Fixer la commission").tap()
    expect(page.locator("#fee-result")).to_have_text(
        "Commission des « CAE » fixée à 1,50\u00a0%, minimum 0,50\u00a0€."
    )
    expect(page.locator("#fee-rules tbody tr", has_text="CAE")).to_contain_text("0,50\u00a0€")
    page.get_by_label("Taux (%, de 0 à 5, par ex. 2,5)").fill("7")
    page.get_by_role("button", name="Fixer la commission").tap()
    expect(page.locator("#message")).to_contain_text("Taux invalide")
    # the auditor's window, opened then closed
    page.get_by_label(f"Durée de l’accès pour la clé {auditor.kid} (jours)").fill("10")
    page.get_by_role("button", name=f"Ouvrir l’accès de {auditor.kid}").tap()
    expect(page.locator("#aud-list")).to_contain_text("accès ouvert jusqu’au")
    page.get_by_role("button", name=f"Fermer l’accès de {auditor.kid}").tap()
    expect(page.locator("#aud-list")).to_contain_text("accès fermé")
    expect(page.locator("#acts tr").nth(1)).to_contain_text("Accès d’un auditeur fermé")
    page.get_by_role("button", name="English").tap()
    expect(summary).to_contain_text("136,50\u00a0€, executed.")
    expect(page.locator("#fee-rules")).to_contain_text("businesses")
    expect(page.get_by_role("button", name=f"Open the access of {auditor.kid}")).to_be_visible()
    page.get_by_role("button", name="Français").tap()
    sweep(page, "console payouts, after")
