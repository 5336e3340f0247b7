"""EPC069-12 QR codes for top-ups by bank transfer (association/epc_qr.py)."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from association.epc_qr import MAX_PAYLOAD_BYTES, TransferCode, epc_payload, epc_qr_png
from association.errors import InvalidPaymentCode
from association.rf import rf_reference

RESERVE = "FR76 1027 8360 5500 0204 8150 165"
NAME = "Association Le Sou du Pays de Retz – Fonds de réserve"


def decode_png(image: bytes) -> zxingcpp.Barcode:
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
    return barcode


def test_the_payload_follows_epc069_12_version_002() -> None:
    code = TransferCode(name=NAME, iban=RESERVE, amount=12_50, reference=rf_reference(1001))
    assert epc_payload(code).split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        NAME,
        "FR7610278360550002048150165",
        "EUR12.50",
        "",
        "RF401001",
    ]


def test_every_field_in_its_place_and_no_trailing_separator() -> None:
    code = TransferCode(
        name="Le Sou",
        iban=RESERVE,
        amount=1_234_567_89,
        remittance="Recharge adhérent 1001",
        bic="CMCIFR2A",
        purpose="CHAR",
        note="Merci !",
    )
    payload = epc_payload(code)
    assert payload == (
        "BCD\n002\n1\nSCT\nCMCIFR2A\nLe Sou\nFR7610278360550002048150165\nEUR1234567.89\nCHAR\n"
        "\nRecharge adhérent 1001\nMerci !"
    )
    assert not payload.endswith("\n")


def test_an_open_amount_leaves_the_amount_empty() -> None:
    payload = epc_payload(TransferCode(name="Le Sou", iban=RESERVE, reference="RF712348231"))
    assert payload.split("\n")[7] == ""


def test_the_png_decodes_back_to_the_payload_with_error_correction_m() -> None:
    code = TransferCode(name=NAME, iban=RESERVE, amount=50_00, reference=rf_reference(1042))
    barcode = decode_png(epc_qr_png(code))
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.ec_level == "M"
    assert barcode.bytes == epc_payload(code).encode("utf-8")
    assert barcode.text == epc_payload(code)


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x" * 71},
        {"name": "  "},
        {"name": "Le Sou\nBCD"},
        {"iban": "FR7610278360550002048150166"},
        {"amount": 0},
        {"amount": 100_000_000_000},
        {"amount": 12.5},
        {"reference": "RF19539007547034"},
        {"reference": "RF712348231", "remittance": "both"},
        {"remittance": "r" * 141},
        {"bic": "CMCI"},
        {"purpose": "charity"},
        {"note": "n" * 71},
    ],
)
def test_invalid_fields_are_refused(fields: dict[str, object]) -> None:
    values: dict[str, object] = {"name": "Le Sou", "iban": RESERVE, **fields}
    with pytest.raises(InvalidPaymentCode):
        TransferCode(**values)  # type: ignore[arg-type]


def test_a_payload_beyond_331_bytes_is_refused() -> None:
    code = TransferCode(
        name="É" * 70,
        iban=RESERVE,
        remittance="é" * 140,
        bic="CMCIFR2AXXX",
        note="ü" * 70,
    )
    with pytest.raises(InvalidPaymentCode, match=str(MAX_PAYLOAD_BYTES)):
        epc_payload(code)
