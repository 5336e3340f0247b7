from __future__ import annotations

import io
import json
import threading
import time

import cairosvg
import pypdfium2 as pdfium
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from merchants.payment_requests import request_url, static_merchant_url
from merchants.qr import qr_version
from tests.api.test_merchants_api import b32, till_request
from tests.support import HOST, World
from tests.vectors import load_vectors


def decode(image: bytes, media_type: str) -> zxingcpp.Barcode:
    if media_type == "image/svg+xml":
        image = cairosvg.svg2png(bytestring=image, output_width=600)
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
    return barcode


@pytest.mark.parametrize(("suffix", "media_type"), [("png", "image/png"), ("svg", "image/svg+xml")])
def test_a_payment_request_qr_decodes_to_its_url(
    world: World, client: TestClient, suffix: str, media_type: str
) -> None:
    shop = world.merchant()
    pr = till_request(world, shop, shop, 12_50)
    client.post("/v1/payment-requests", json={"pr": b32(pr)})
    response = client.get(f"/v1/payment-requests/{pr.payreq}/qr.{suffix}")
    assert response.headers["content-type"].startswith(media_type)
    barcode = decode(response.content, media_type)
    assert barcode.text == request_url(HOST, pr)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.ec_level == "M"


@pytest.mark.parametrize(("suffix", "media_type"), [("png", "image/png"), ("svg", "image/svg+xml")])
def test_a_merchant_sticker_decodes_to_its_static_url(
    world: World, client: TestClient, suffix: str, media_type: str
) -> None:
    shop = world.merchant()
    response = client.get(f"/v1/merchants/{shop.number}/qr.{suffix}")
    assert decode(response.content, media_type).text == static_merchant_url(HOST, shop.number)


def test_only_merchants_have_stickers(world: World, client: TestClient) -> None:
    alice = world.resident()
    assert client.get(f"/v1/merchants/{alice.number}/qr.png").status_code == 404


def test_the_longest_request_url_fits_a_version_8_code() -> None:
    url = load_vectors()["payment_request"]["url"]
    longest = url + "A" * 20  # a 12-character reference adds 12 bytes: 20 base32 characters
    assert qr_version(url) <= 8
    assert qr_version(longest) <= 8


def test_a_till_sees_its_request_turn_paid_through_server_sent_events(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=20_00), world.merchant()
    pr = till_request(world, shop, shop, 7_00)
    client.post("/v1/payment-requests", json={"pr": b32(pr)})
    payer = threading.Timer(0.5, lambda: world.pay(alice, shop, 7_00, payreq=pr.payreq))
    events = []
    started = time.monotonic()
    payer.start()
    with client.stream("GET", f"/v1/payment-requests/{pr.payreq}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
    payer.join()
    assert [e["status"] for e in events] == ["open", "paid"]
    assert events[-1]["receipt"]["record"]["payreq"] == pr.payreq
    assert time.monotonic() - started < 5


def test_a_merchant_prints_a_pdf_sticker_whose_code_decodes(
    world: World, client: TestClient
) -> None:
    shop = world.merchant()
    response = client.get(f"/v1/merchants/{shop.number}/sticker.pdf")
    assert response.headers["content-type"] == "application/pdf"
    document = pdfium.PdfDocument(response.content)
    page = document[0].render(scale=1).to_pil()
    (barcode,) = zxingcpp.read_barcodes(page)
    assert barcode.text == static_merchant_url(HOST, shop.number)
    document.close()
