"""The production recipe's front, for real: Caddy (`deploy/Caddyfile.local`, `tls internal`)
serves Sou over HTTPS on a name that is not localhost, and Chromium, with that name mapped to
127.0.0.1, enrols a wallet and a till through it and pays; the till sees the payment arrive
over Server-Sent Events passed through the proxy."""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright, expect

from tests.e2e.conftest import CHROMIUM, Service, Troubles
from tests.e2e.test_pages import NewPage, enrol, qr_text
from tests.servers import free_port
from tests.support import HOST

ROOT = Path(__file__).resolve().parents[2]
CADDY = shutil.which("caddy")


def _answers(port: int) -> bool:
    """Whether Caddy answers HTTPS for the ledger's name (its certificate issued) with Sou."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the local authority's root is not installed here
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=1) as raw,
            context.wrap_socket(raw, server_hostname=HOST) as tls,
        ):
            request = f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
            tls.sendall(request.encode())
            return tls.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@pytest.fixture
def caddy(service: Service, tmp_path: Path) -> Iterator[str]:
    """Caddy in front of the service; the HTTPS base URL, on the ledger's own name."""
    assert CADDY, "caddy is not installed (Debian package `caddy`; .ci/run installs it)"
    https_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "SOU_DOMAIN": HOST,
        "SOU_UPSTREAM": service.url.removeprefix("http://"),
        "SOU_HTTPS_PORT": str(https_port),
        "SOU_HTTP_PORT": str(http_port),
        "SOU_CADDY_ADMIN": "off",
        "HOME": str(tmp_path),  # Caddy's local certificate authority and state live here
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    config = ROOT / "deploy" / "Caddyfile.local"
    log = (tmp_path / "caddy.log").open("wb")
    command = [CADDY, "run", "--config", str(config), "--adapter", "caddyfile"]
    proxy = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if _answers(https_port):
                break
            assert proxy.poll() is None, (tmp_path / "caddy.log").read_text()[-2000:]
            time.sleep(0.1)
        else:
            raise RuntimeError("caddy did not start")
        yield f"https://{HOST}:{https_port}"
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)
        log.close()


@pytest.fixture
def https_page(playwright: Playwright, troubles: Troubles) -> Iterator[NewPage]:
    """Pages of a Chromium that resolves the ledger's name to this machine and accepts Caddy's
    local certificate authority (the phones of a trial install its root certificate)."""
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
    )
    contexts = []

    def open_page() -> Page:
        context = chromium.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", ignore_https_errors=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return troubles.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()
    chromium.close()


def test_a_wallet_pays_a_till_through_caddy_over_https(
    service: Service, caddy: str, https_page: NewPage
) -> None:
    shop = service.open_account("merchant", "Librairie Hemen")
    resident = service.open_account("resident", "Maialen Etxe", balance=30_00)

    till = https_page()
    enrol(till, caddy + "/till", service.enrolment_code(shop, "cashier"))
    assert till.evaluate("() => [location.protocol, location.hostname, isSecureContext]") == [
        "https:",
        HOST,
        True,
    ]
    expect(till.locator("#merchant-name")).to_have_text("Librairie Hemen")

    wallet = https_page()
    enrol(wallet, caddy + "/", service.enrolment_code(resident, "resident"))
    expect(wallet.locator("#balance")).to_have_text("30,00\u00a0RTZ")

    till.get_by_label("Montant à encaisser").fill("8,40")
    till.get_by_role("button", name="Afficher le QR code").click()
    expect(till.locator("#request-status")).to_have_text("En attente du paiement…")
    url = qr_text(service, till)
    wallet.goto(caddy + "/R/" + url.split("/R/")[1])
    expect(wallet.locator("#pay-fixed")).to_have_text("8,40\u00a0RTZ")
    wallet.get_by_role("button", name="Confirmer le paiement").click()
    expect(wallet.locator("#receipt-check")).to_have_text("Reçu vérifié")
    # the till learns it from its event stream, through the proxy, not by reloading
    expect(till.locator("#request-status")).to_have_text("Payé", timeout=5_000)
    expect(till.locator("#till-receipt")).to_have_text("Reçu vérifié")
    assert (service.balance(resident), service.balance(shop)) == (21_60, 8_40)

    ledger = wallet.evaluate("() => fetch('/v1/ledger').then((r) => r.json())")
    assert ledger["host"] == HOST and re.fullmatch(r"[0-9a-f]{64}", ledger["ledger_key"])
