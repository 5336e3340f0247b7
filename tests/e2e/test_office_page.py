"""The exchange office's tablet in a real browser, and the wallet's top-up by bank transfer.

The tablet signs each operation with its own non-extractable WebCrypto key; the money is
checked on the ledger and through the API with the resident's own device, never only on
the screen. The wallet's EPC QR code is decoded back from what the page shows.
"""

from __future__ import annotations

import io
import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cairosvg
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from association.rf import rf_reference
from ledger.auth import auth_message
from ledger.signing import SigningKey, b64url_encode
from tests.e2e.conftest import Service
from tests.e2e.test_pages import enrol
from tests.servers import running_service

NewPage = Callable[[], Page]


def call(service: Service, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(service.url + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def balance_seen_by_the_owner(service: Service, number: int, key: SigningKey) -> int:
    """The account's balance as its own device reads it through the API."""
    challenge = call(service, "/v1/auth/challenge", {"kid": key.kid})["challenge"]
    sig = b64url_encode(key.sign(auth_message(service.world.ledger.host, challenge)))
    token = call(service, "/v1/auth/token", {"kid": key.kid, "challenge": challenge, "sig": sig})
    account = call(service, f"/v1/accounts/{number}", token=token["access_token"])
    balance: int = account["balance"]
    return balance


def office_tablet(service: Service, new_page: NewPage) -> tuple[Page, int]:
    """A new exchange office whose tablet has enrolled its agent key and shows its cash."""
    office = service.open_account("office", "Comptoir de la halle")
    page = new_page()
    page.goto(service.url + "/office")
    page.get_by_label("Code d’enrôlement").fill(service.enrolment_code(office, "agent"))
    page.get_by_role("button", name="Enrôler").click()
    expect(page.locator("#office-number")).to_have_text(str(office))
    expect(page.locator("#cash")).to_have_text("0,00\u00a0EUR")
    return page, office


def test_an_agent_tablet_credits_a_resident_for_euros_received_in_cash(
    service: Service, new_page: NewPage
) -> None:
    resident = service.open_account("resident", "Camille Martin")
    phone = service.enrol_key(resident, "resident")
    tablet, office = office_tablet(service, new_page)

    tablet.get_by_label("Numéro de compte de l’adhérent").first.fill(str(resident))
    tablet.get_by_label("Euros reçus (ex. 20,00)").first.fill("20,00")
    tablet.get_by_role("button", name="Créditer le compte").click()
    # verification of payee: the holder's name first, nothing signed until the second press
    expect(tablet.locator("#convert-to-name")).to_have_text(
        "Titulaire : Camille M. — vérifiez avec l’adhérent, puis validez."
    )
    assert service.balance(resident) == 0
    tablet.get_by_role("button", name="English").click()
    expect(tablet.locator("#convert-to-name")).to_contain_text("Holder: Camille M.")
    tablet.get_by_role("button", name="Français").click()
    tablet.get_by_role("button", name="Créditer le compte").click()
    expect(tablet.locator("#outcome")).to_contain_text(
        f"20,00\u00a0EUR crédités au compte n° {resident}"
    )
    expect(tablet.locator("#cash")).to_have_text("20,00\u00a0EUR")
    assert (service.balance(resident), service.balance(office)) == (20_00, 20_00)
    assert balance_seen_by_the_owner(service, resident, phone) == 20_00


def test_the_tablet_shows_the_ledgers_refusal_of_a_deposit_beyond_the_cash(
    service: Service, new_page: NewPage
) -> None:
    tablet, office = office_tablet(service, new_page)
    tablet.get_by_label("Euros reçus (ex. 20,00)").nth(1).fill("50")
    tablet.get_by_role("button", name="Enregistrer les billets remis").click()
    expect(tablet.locator("#cash")).to_have_text("50,00\u00a0EUR")
    size = service.world.log_size()

    tablet.get_by_label("Montant déposé (ex. 200,00)").fill("50,01")
    tablet.get_by_label("Compte de réserve").select_option("paper")
    tablet.get_by_role("button", name="Enregistrer le dépôt").click()
    expect(tablet.locator("#message")).to_have_text("Solde insuffisant : il manque 0,01\u00a0EUR.")
    assert "cents" not in tablet.locator("#message").inner_text()
    assert service.world.log_size() == size

    tablet.get_by_label("Montant déposé (ex. 200,00)").fill("50,00")
    tablet.get_by_role("button", name="Enregistrer le dépôt").click()
    expect(tablet.locator("#outcome")).to_contain_text("50,00\u00a0EUR déposés à la banque")
    expect(tablet.locator("#cash")).to_have_text("0,00\u00a0EUR")
    expect(tablet.locator("#message")).to_be_hidden()
    assert service.balance(office) == 0


def test_the_tablet_refuses_a_mistyped_amount_before_signing_anything(
    service: Service, new_page: NewPage
) -> None:
    tablet, office = office_tablet(service, new_page)
    posted: list[str] = []
    tablet.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    tablet.get_by_label("Numéro de compte de l’adhérent").first.fill("1001")
    tablet.get_by_label("Euros reçus (ex. 20,00)").first.fill("20,005")
    tablet.get_by_role("button", name="Créditer le compte").click()
    expect(tablet.locator("#message")).to_contain_text("Montant invalide")
    assert posted == []
    assert service.balance(office) == 0

    tablet.get_by_role("button", name="English").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Exchange office")
    expect(tablet.get_by_role("button", name="Record the deposit")).to_be_visible()
    assert tablet.title() == "Sou · Exchange office"


# --- the wallet's top-up by bank transfer -----------------------------------------------------

IBAN, BIC = "FR7630004000031234567890143", "BNPAFRPPXXX"


@pytest.fixture(scope="module")
def bank_url(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second worker of the same service, configured with the reserve's bank account."""
    key_file = tmp_path_factory.mktemp("bank") / "ledger.key"
    key_file.write_text(service.world.ledger.key.private_bytes.hex() + "\n", encoding="ascii")
    key_file.chmod(0o600)
    bank = {
        "SOU_ASSOCIATION_NAME": "Association Rétzi",
        "SOU_RESERVE_IBAN": IBAN,
        "SOU_RESERVE_BIC": BIC,
        "SOU_AUTH_PER_CLIENT": "10000",
    }
    with running_service(service.world, key_file, settings=bank) as base:
        yield base


def test_a_resident_sees_the_transfer_details_and_a_scannable_epc_code(
    service: Service, bank_url: str, new_page: NewPage, tmp_path: Path
) -> None:
    resident = service.open_account("resident", "Camille Martin")
    wallet = new_page()
    enrol(wallet, bank_url + "/", service.enrolment_code(resident, "resident"))
    expect(wallet.locator("#balance")).to_have_text("0,00\u00a0RTZ")

    wallet.get_by_text("Recharger par virement").click()
    reference = rf_reference(resident)
    grouped = " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    expect(wallet.locator("#topup-reference")).to_have_text(grouped)
    expect(wallet.locator("#topup-iban")).to_have_text("FR76 3000 4000 0312 3456 7890 143")
    expect(wallet.locator("#topup-beneficiary")).to_have_text("Association Rétzi")
    qr = wallet.locator("#topup-qr svg")
    expect(qr).to_be_visible()

    svg = qr.evaluate("(svg) => new XMLSerializer().serializeToString(svg)")
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=600)
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert barcode.text.split("\n")[:10] == [
        "BCD",
        "002",
        "1",
        "SCT",
        BIC,
        "Association Rétzi",
        IBAN,
        "",
        "",
        reference,
    ]


def test_without_the_bank_account_the_wallet_says_top_ups_are_not_configured(
    service: Service, new_page: NewPage
) -> None:
    resident = service.open_account("resident", "Léa Durand")
    wallet = new_page()
    enrol(wallet, service.url + "/", service.enrolment_code(resident, "resident"))
    expect(wallet.locator("#balance")).to_have_text("0,00\u00a0RTZ")
    wallet.get_by_text("Recharger par virement").click()
    message = wallet.locator("#message")
    expect(message).to_have_text(
        "Le compte bancaire de l’association n’est pas encore configuré : rechargez en espèces"
        " au bureau de change et prévenez l’association."
    )
    expect(wallet.locator("#topup-reference")).to_be_empty()
    wallet.get_by_role("button", name="English").click()
    expect(message).to_contain_text("top up in cash at the exchange office")
    assert "SOU_" not in message.inner_text()


def key_status(service: Service, kid: str) -> str:
    status: str = service.get_json(f"/v1/keys/{kid}")["status"]
    return status


def test_the_office_revokes_a_members_device_and_a_lost_phone_and_the_wallet_forgets_itself(
    service: Service, new_page: NewPage
) -> None:
    resident = service.open_account("resident", "Camille Martin", balance=12_00)
    old_tablet = service.enrol_key(resident, "resident")
    wallet = new_page()
    enrol(wallet, service.url + "/", service.enrolment_code(resident, "resident"))
    expect(wallet.locator("#balance")).to_have_text("12,00\u00a0RTZ")
    office_page, _ = office_tablet(service, new_page)

    office_page.get_by_label("Numéro de compte de l’adhérent").last.fill(str(resident))
    office_page.get_by_role("button", name="Afficher ses appareils").click()
    expect(office_page.locator("#devices-holder")).to_have_text(
        f"Compte n° {resident} — Camille M."
    )
    rows = office_page.locator("#device-list li")
    expect(rows).to_have_count(2)
    phone = rows.filter(has_text="porte-monnaie (web)")
    expect(phone).to_contain_text("actif")
    expect(phone).to_contain_text("dernière utilisation le")  # the wallet signed in
    tablet_row = rows.filter(has_text=old_tablet.kid)
    expect(tablet_row).to_contain_text("jamais utilisé")

    # one device revoked: a second press confirms
    tablet_row.get_by_role("button", name="Révoquer").click()
    assert key_status(service, old_tablet.kid) == "active"
    tablet_row.get_by_role("button", name="Confirmer : révoquer cet appareil").click()
    expect(office_page.locator("#devices-outcome")).to_have_text(
        f"Appareil {old_tablet.kid} révoqué : il ne peut plus rien signer."
    )
    expect(rows.filter(has_text=old_tablet.kid)).to_contain_text("révoqué")
    assert key_status(service, old_tablet.kid) == "revoked"

    office_page.get_by_role("button", name="English").click()
    expect(office_page.locator("#lost-phone")).to_have_text(
        "Lost phone: revoke all their devices and give a new code"
    )
    expect(rows.filter(has_text=old_tablet.kid)).to_contain_text("revoked")
    office_page.get_by_role("button", name="Français").click()

    # the lost phone: every device revoked, a new code on screen
    office_page.get_by_role("button", name="Téléphone perdu").click()
    office_page.get_by_role("button", name="Confirmer : révoquer tous les appareils").click()
    expect(office_page.locator("#devices-outcome")).to_have_text(
        "1 appareil(s) révoqué(s). Solde et historique conservés."
    )
    code = office_page.locator("#new-code-value")
    expect(code).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    expect(rows.filter(has_text="porte-monnaie (web)")).to_contain_text("révoqué")
    expect(office_page.locator("#device-list button")).to_have_count(0)

    # the new phone enrols with it: the same account, balance and history
    new_phone = new_page()
    enrol(new_phone, service.url + "/", code.inner_text())
    expect(new_phone.locator("#account-number")).to_have_text(str(resident))
    expect(new_phone.locator("#balance")).to_have_text("12,00\u00a0RTZ")
    expect(new_phone.locator("#history li")).to_have_count(1)
    expect(new_phone.locator("#history")).to_contain_text("12,00")

    # forgetting it: offline, nothing is forgotten and the page says so
    forget = new_phone.locator("#forget")
    new_kid = new_phone.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("sou", 1);
            open.onsuccess = () => {
                const get = open.result.transaction("devices").objectStore("devices").get("wallet");
                get.onsuccess = () => resolve(get.result.kid);
            };
        })"""
    )
    assert key_status(service, new_kid) == "active"
    new_phone.context.set_offline(True)
    forget.click()
    forget.click()
    expect(new_phone.locator("#message")).to_contain_text("Pas de connexion")
    expect(new_phone.locator("#balance")).to_be_visible()
    new_phone.context.set_offline(False)
    assert key_status(service, new_kid) == "active"
    # online: the key is revoked on the server, then forgotten here
    forget.click()
    expect(new_phone.get_by_label("Code d’enrôlement")).to_be_visible()
    assert key_status(service, new_kid) == "revoked"
    assert service.balance(resident) == 12_00
