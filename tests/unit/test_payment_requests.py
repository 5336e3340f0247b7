"""Payment requests, their signatures and the QR-code URLs (FORMATS.md §6, §10)."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidSignature, PaymentRequestError
from ledger.signing import SigningKey
from merchants.payment_requests import (
    PaymentRequest,
    check_expiry,
    parse_request,
    parse_request_url,
    parse_static_url,
    request_url,
    sign_request,
    signing_message,
    static_merchant_url,
    verify_request,
)
from tests.vectors import load_vectors


def _vectors() -> dict[str, Any]:
    return load_vectors()


VECTORS = _vectors()
HOST = VECTORS["host"]
PR_VECTOR = VECTORS["payment_request"]
FIELDS = PR_VECTOR["fields"]
TILL = SigningKey.from_private_bytes(bytes.fromhex(VECTORS["keys"]["merchant_till"]["private_hex"]))


def _vector_request() -> PaymentRequest:
    return sign_request(
        host=HOST,
        merchant=FIELDS["merchant"],
        amount=FIELDS["amount"],
        expires=FIELDS["expires"],
        nonce=bytes.fromhex(FIELDS["nonce_hex"]),
        ref=FIELDS["ref"],
        key=TILL,
    )


def _b32(data: bytes) -> str:
    return base64.b32encode(data).rstrip(b"=").decode("ascii")


# --- the vector ---------------------------------------------------------------------------


def test_the_vector_payment_request_is_reproduced_byte_for_byte() -> None:
    pr = _vector_request()
    assert pr.kid == FIELDS["kid"]
    assert pr.to_bytes().hex() == PR_VECTOR["pr_hex"]
    assert request_url(HOST, pr) == PR_VECTOR["url"]
    assert pr.payreq == PR_VECTOR["payreq"] == VECTORS["transfer"]["record"]["payreq"]


def test_the_vector_payment_request_parses_back_and_verifies() -> None:
    pr = parse_request(bytes.fromhex(PR_VECTOR["pr_hex"]))
    assert pr == _vector_request()
    assert (pr.merchant, pr.amount, pr.expires, pr.ref) == (1042, 1250, 1773483900, "T1-0042")
    assert parse_request_url(PR_VECTOR["url"], host=HOST) == pr
    verify_request(pr, host=HOST, public_key=TILL.public_bytes)


def test_the_vector_url_fits_a_version_8_m_qr_code_in_alphanumeric_mode() -> None:
    url = PR_VECTOR["url"]
    assert len(url) <= 221  # alphanumeric capacity of version 8 at level M
    assert set(url) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_the_signature_covers_the_lower_case_host() -> None:
    pr = _vector_request()
    message = signing_message("PAY.Example.ORG", pr.unsigned_bytes())
    assert message == b"SOU-PR1\npay.example.org\n" + pr.unsigned_bytes()
    verify_request(pr, host="PAY.EXAMPLE.ORG", public_key=TILL.public_bytes)


def test_the_static_merchant_url_is_reproduced_and_parsed_back() -> None:
    assert static_merchant_url(HOST, 1042) == VECTORS["static_merchant_url"]
    assert parse_static_url(VECTORS["static_merchant_url"], host=HOST) == 1042
    assert parse_static_url("https://pay.example.org/M/1042", host=HOST) == 1042


def test_urls_in_lower_case_are_accepted() -> None:
    pr = _vector_request()
    assert parse_request_url(PR_VECTOR["url"].lower(), host=HOST) == pr
    lower_host = "https://pay.example.org/R/" + PR_VECTOR["url"].split("/R/")[1]
    assert parse_request_url(lower_host, host=HOST.upper()) == pr


# --- verification -------------------------------------------------------------------------


def test_a_request_signed_for_another_host_does_not_verify() -> None:
    with pytest.raises(InvalidSignature):
        verify_request(_vector_request(), host="pay.other.org", public_key=TILL.public_bytes)


def test_a_request_verified_with_another_key_is_rejected() -> None:
    other = SigningKey.from_private_bytes(bytes.fromhex(VECTORS["keys"]["ledger"]["private_hex"]))
    with pytest.raises(InvalidSignature, match="another key"):
        verify_request(_vector_request(), host=HOST, public_key=other.public_bytes)


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 1251},
        {"merchant": 1043},
        {"expires": 1773483901},
        {"nonce": bytes(8)},
        {"ref": "T1-0043"},
    ],
)
def test_a_tampered_request_does_not_verify(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidSignature):
        verify_request(
            replace(_vector_request(), **change), host=HOST, public_key=TILL.public_bytes
        )


def test_an_unsigned_request_does_not_verify() -> None:
    with pytest.raises(InvalidSignature, match="not signed"):
        verify_request(replace(_vector_request(), sig=b""), host=HOST, public_key=TILL.public_bytes)


# --- strict parsing -----------------------------------------------------------------------


def test_parse_rejects_another_version() -> None:
    data = bytearray.fromhex(PR_VECTOR["pr_hex"])
    data[0] = 2
    with pytest.raises(PaymentRequestError, match="version"):
        parse_request(bytes(data))


@pytest.mark.parametrize("cut", [0, 1, 25, 26, 33, 96])
def test_parse_rejects_a_truncated_request(cut: int) -> None:
    with pytest.raises(PaymentRequestError):
        parse_request(bytes.fromhex(PR_VECTOR["pr_hex"])[:cut])


def test_parse_rejects_trailing_bytes() -> None:
    with pytest.raises(PaymentRequestError, match="expected 97"):
        parse_request(bytes.fromhex(PR_VECTOR["pr_hex"]) + b"\x00")


def test_parse_rejects_a_reference_longer_than_twelve_bytes() -> None:
    header = bytes.fromhex(PR_VECTOR["pr_hex"])[:25]
    with pytest.raises(PaymentRequestError, match="reference length 13"):
        parse_request(header + bytes([13]) + b"A" * 13 + bytes(64))


@pytest.mark.parametrize("byte", [0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xE9])
def test_parse_rejects_a_non_printable_reference(byte: int) -> None:
    data = bytearray.fromhex(PR_VECTOR["pr_hex"])
    data[26] = byte
    with pytest.raises(PaymentRequestError, match="printable"):
        parse_request(bytes(data))


@pytest.mark.parametrize("amount", [0, 2**31, 2**32 - 1])
def test_parse_rejects_an_amount_out_of_range(amount: int) -> None:
    data = bytearray.fromhex(PR_VECTOR["pr_hex"])
    data[5:9] = amount.to_bytes(4, "big")
    with pytest.raises(PaymentRequestError, match="amount"):
        parse_request(bytes(data))


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 0},
        {"amount": 2**31},
        {"amount": 12.5},
        {"merchant": -1},
        {"merchant": 2**32},
        {"expires": True},
        {"nonce": bytes(7)},
        {"kid": "21FE31DF"},
        {"kid": "21fe31"},
        {"ref": "T" * 13},
        {"ref": "café"},
        {"ref": "a\nb"},
        {"sig": bytes(63)},
    ],
)
def test_a_payment_request_cannot_be_built_with_invalid_fields(change: dict[str, Any]) -> None:
    with pytest.raises(PaymentRequestError):
        replace(_vector_request(), **change)


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://PAY.OTHER.ORG/R/",
        "HTTP://PAY.EXAMPLE.ORG/R/",
        "HTTPS://PAY.EXAMPLE.ORG.EVIL.COM/R/",
        "HTTPS://PAY.EXAMPLE.ORG:8443/R/",
        "HTTPS://USER@PAY.EXAMPLE.ORG/R/",
        "HTTPS://PAY.EXAMPLE.ORG/M/",
        "HTTPS://PAY.EXAMPLE.ORG//R/",
    ],
)
def test_a_request_url_for_another_host_or_path_is_rejected(url: str) -> None:
    encoded = PR_VECTOR["url"].split("/R/")[1]
    with pytest.raises(PaymentRequestError):
        parse_request_url(url + encoded, host=HOST)


@pytest.mark.parametrize("suffix", ["=", "====", "?x=1", "#frag", "/", "1", " "])
def test_a_request_url_with_padding_or_trailing_text_is_rejected(suffix: str) -> None:
    with pytest.raises(PaymentRequestError):
        parse_request_url(PR_VECTOR["url"] + suffix, host=HOST)


def test_a_request_url_with_non_canonical_base32_is_rejected() -> None:
    url = PR_VECTOR["url"]
    # The last character carries spare bits; setting one gives the same bytes non-canonically.
    assert url.endswith("A")
    with pytest.raises(PaymentRequestError, match="canonical"):
        parse_request_url(url[:-1] + "B", host=HOST)


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://PAY.OTHER.ORG/M/1042",
        "HTTPS://PAY.EXAMPLE.ORG/R/1042",
        "HTTPS://PAY.EXAMPLE.ORG/M/",
        "HTTPS://PAY.EXAMPLE.ORG/M/01042",
        "HTTPS://PAY.EXAMPLE.ORG/M/-1",
        "HTTPS://PAY.EXAMPLE.ORG/M/1042/",
        "HTTPS://PAY.EXAMPLE.ORG/M/1042?a=b",
        "HTTPS://PAY.EXAMPLE.ORG/M/４２",
        "HTTPS://PAY.EXAMPLE.ORG/M/99999999999",
    ],
)
def test_a_static_url_for_another_host_or_a_bad_number_is_rejected(url: str) -> None:
    with pytest.raises(PaymentRequestError):
        parse_static_url(url, host=HOST)


# --- expiry -------------------------------------------------------------------------------


def test_a_request_is_usable_until_its_expiry_and_at_most_ten_minutes_ahead() -> None:
    pr = _vector_request()
    check_expiry(pr, now=pr.expires)
    check_expiry(pr, now=pr.expires - 600)
    with pytest.raises(PaymentRequestError, match="expired"):
        check_expiry(pr, now=pr.expires + 1)
    with pytest.raises(PaymentRequestError, match="ahead"):
        check_expiry(pr, now=pr.expires - 601)
    check_expiry(pr, now=pr.expires - 900, max_ahead=900)


# --- round trips --------------------------------------------------------------------------

requests = st.builds(
    PaymentRequest,
    merchant=st.integers(0, 2**32 - 1),
    amount=st.integers(1, 2**31 - 1),
    expires=st.integers(0, 2**32 - 1),
    nonce=st.binary(min_size=8, max_size=8),
    kid=st.binary(min_size=4, max_size=4).map(bytes.hex),
    ref=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
    sig=st.binary(min_size=64, max_size=64),
)
hosts = st.sampled_from(["pay.example.org", "PAY.EXAMPLE.ORG", "localhost:8000", "sou.mlc.fr"])


@settings(database=None)
@given(requests, hosts)
def test_payment_requests_round_trip_through_bytes_and_urls(pr: PaymentRequest, host: str) -> None:
    data = pr.to_bytes()
    assert len(data) == 26 + len(pr.ref) + 64
    assert parse_request(data) == pr
    url = request_url(host, pr)
    assert url == url.upper() and url.startswith(f"HTTPS://{host.upper()}/R/")
    assert url.split("/R/")[1] == _b32(data)
    assert parse_request_url(url, host=host) == pr
    assert parse_request_url(url.lower(), host=host) == pr


@settings(database=None, max_examples=25)
@given(requests, hosts)
def test_a_signed_request_verifies_after_a_url_round_trip(pr: PaymentRequest, host: str) -> None:
    signed = sign_request(
        host=host,
        merchant=pr.merchant,
        amount=pr.amount,
        expires=pr.expires,
        nonce=pr.nonce,
        ref=pr.ref,
        key=TILL,
    )
    parsed = parse_request_url(request_url(host, signed), host=host)
    verify_request(parsed, host=host, public_key=TILL.public_bytes)
    assert parsed.payreq == signed.payreq


@settings(database=None)
@given(st.integers(0, 2**32 - 1), hosts)
def test_static_urls_round_trip(account: int, host: str) -> None:
    assert parse_static_url(static_merchant_url(host, account), host=host) == account
