"""Exchange offices over HTTP (signed operations, the office's cash) and top-ups by transfer."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import cairosvg
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from association.rf import check_rf, rf_reference
from ledger.admin import enrol_device, issue_enrolment_code, open_account
from ledger.records import SignedRecord
from ledger.signing import SigningKey
from tests.api.conftest import ASSOCIATION
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World
from wallet_api.app import create_app

OPERATIONS = "/v1/office-operations"
RESERVE_DIGITAL, RESERVE_PAPER, PAPER = 11, 12, 2


def post(client: TestClient, record: SignedRecord) -> Any:
    return client.post(OPERATIONS, json=record.envelope())


def another_office(world: World) -> Holder:
    """A second exchange office, with its own agent's tablet."""
    key = SigningKey.generate()
    with world.ledger.unit_of_work() as uow:
        number = open_account(uow, kind="office", now=world.now)
        code = issue_enrolment_code(uow, account=number, role="agent", now=world.now)
        enrol_device(uow, code=code, public_key=key.public_bytes, now=world.now)
        uow.commit()
    return Holder(number, key, "agent")


def cash_conversion(world: World, to: Holder, cents: int, agent: Holder | None = None) -> Any:
    signer = agent or world.office
    return world.record(
        "conversion",
        signer.key,
        method="cash",
        office=signer.account,
        to=to.account,
        amount=cents,
    )


def paper_issue(world: World, cents: int) -> SignedRecord:
    return world.record("paper_issue", world.office.key, office=world.office.account, amount=cents)


def paper_exchange(world: World, to: Holder, cents: int) -> SignedRecord:
    return world.record(
        "paper_exchange", world.office.key, office=world.office.account, to=to.account, amount=cents
    )


@contextmanager
def nothing_written(world: World) -> Iterator[None]:
    before = (world.row_counts(), world.log_size())
    yield
    assert (world.row_counts(), world.log_size()) == before


# --- the four operations ----------------------------------------------------------------------


def test_an_agent_records_a_cash_conversion_and_the_resident_holds_the_units(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    record = cash_conversion(world, alice, 25_00)
    response = post(client, record)
    assert response.status_code == 201
    body = response.json()
    assert body["record_id"] == record.id
    assert body["type"] == "conversion"
    assert (body["office"], body["to"], body["amount"], body["reserve"]) == (
        world.office.account,
        alice.account,
        25_00,
        None,
    )
    assert body["accepted"] == "2026-03-14T10:15:00Z"
    assert body["entry"] == world.log_size() - 1
    assert world.balance(alice) == 25_00
    assert world.balance(world.office) == 25_00


def test_paper_notes_handed_out_bring_cash_into_the_office(
    world: World, client: TestClient
) -> None:
    response = post(client, paper_issue(world, 100_00))
    assert response.status_code == 201
    assert response.json()["type"] == "paper_issue"
    assert world.balance(PAPER) == 100_00
    assert world.balance(world.office) == 100_00


def test_paper_notes_exchanged_become_digital_units_and_move_their_backing(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    world.post(paper_issue(world, 50_00))
    world.deposit(50_00, reserve="paper")
    response = post(client, paper_exchange(world, alice, 20_00))
    assert response.status_code == 201
    assert (response.json()["type"], response.json()["to"]) == ("paper_exchange", alice.account)
    assert world.balance(alice) == 20_00
    assert world.balance(PAPER) == 30_00
    assert (world.balance(RESERVE_PAPER), world.balance(RESERVE_DIGITAL)) == (30_00, 20_00)


def test_a_deposit_takes_the_office_cash_to_the_reserve_bank_account(
    world: World, client: TestClient
) -> None:
    world.resident(balance=80_00)
    office = world.office
    record = world.record(
        "deposit", office.key, office=office.account, reserve="digital", amount=60_00
    )
    response = post(client, record)
    assert response.status_code == 201
    assert (response.json()["type"], response.json()["reserve"]) == ("deposit", "digital")
    assert (world.balance(office), world.balance(RESERVE_DIGITAL)) == (20_00, 60_00)


# --- idempotency ------------------------------------------------------------------------------


def test_a_retry_gets_the_same_entry_and_a_reused_nonce_is_a_conflict(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    record = cash_conversion(world, alice, 10_00)
    first = post(client, record)
    with nothing_written(world):
        again = post(client, record)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = world.record(
        "conversion",
        world.office.key,
        method="cash",
        office=world.office.account,
        to=alice.account,
        amount=99_00,
        nonce=record.record["nonce"],
    )
    with nothing_written(world):
        conflict = post(client, other)
    assert (conflict.status_code, problem(conflict)) == (409, "duplicate-conflict")
    assert world.balance(alice) == 10_00


# --- refusals: a typed problem, and nothing written -------------------------------------------

Refusal = Callable[[World], SignedRecord]


def _resident_converts(world: World) -> SignedRecord:
    alice = world.resident()
    return world.record(
        "conversion",
        alice.key,
        method="cash",
        office=world.office.account,
        to=alice.account,
        amount=10_00,
    )


def _agent_of_another_office(world: World) -> SignedRecord:
    alice, other = world.resident(), another_office(world)
    return world.record(
        "conversion",
        other.key,
        method="cash",
        office=world.office.account,
        to=alice.account,
        amount=10_00,
    )


def _deposit_beyond_the_cash(world: World) -> SignedRecord:
    world.resident(balance=30_00)
    office = world.office
    return world.record(
        "deposit", office.key, office=office.account, reserve="digital", amount=30_01
    )


def _exchange_beyond_the_paper(world: World) -> SignedRecord:
    alice = world.resident()
    world.post(paper_issue(world, 20_00))
    world.deposit(20_00, reserve="paper")
    return paper_exchange(world, alice, 20_01)


def _bank_conversion(world: World) -> SignedRecord:
    alice = world.resident()
    return world.record(
        "conversion",
        world.treasurer.key,
        method="bank",
        office=None,
        to=alice.account,
        amount=10_00,
    )


def _transfer(world: World) -> SignedRecord:
    alice, bob = world.resident(balance=10_00), world.resident()
    return world.transfer(alice, bob, 5_00)


def _reconversion(world: World) -> SignedRecord:
    shop = world.shop(balance=10_00)
    return world.record("reconversion", shop.key, from_=shop.account, amount=10_00, fee=20)


REFUSALS: list[tuple[Refusal, int, str]] = [
    (_resident_converts, 403, "not-authorized"),
    (_agent_of_another_office, 403, "not-authorized"),
    (_deposit_beyond_the_cash, 422, "insufficient-funds"),
    (_exchange_beyond_the_paper, 422, "insufficient-funds"),
    (_bank_conversion, 422, "bank-conversion-not-at-office"),
    (_transfer, 422, "not-an-office-operation"),
    (_reconversion, 422, "not-an-office-operation"),
]


@pytest.mark.parametrize(
    ("make", "status", "kind"), REFUSALS, ids=[make.__name__.strip("_") for make, _, _ in REFUSALS]
)
def test_a_refused_office_operation_is_a_typed_problem_and_writes_nothing(
    world: World, client: TestClient, make: Refusal, status: int, kind: str
) -> None:
    record = make(world)
    with nothing_written(world):
        response = post(client, record)
    assert (response.status_code, problem(response)) == (status, kind)


def test_the_refused_amounts_name_the_account_short_of_money(
    world: World, client: TestClient
) -> None:
    response = post(client, _deposit_beyond_the_cash(world))
    assert response.json()["account"] == world.office.account
    assert "lacks 1 cents" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"alg": "Ed25519", "record": "conversion", "sig": "AA"},
        ["not", "an", "envelope"],
        {"alg": "Ed25519", "record": {"type": "conversion"}, "sig": "AA"},
    ],
)
def test_a_malformed_envelope_is_refused_before_anything_is_read(
    world: World, client: TestClient, body: object
) -> None:
    with nothing_written(world):
        response = client.post(OPERATIONS, json=body)
    assert (response.status_code, problem(response)) == (400, "malformed-record")


# --- the office's figures ---------------------------------------------------------------------


def test_an_office_agent_and_the_treasurer_read_the_office_cash(
    world: World, client: TestClient
) -> None:
    alice = world.resident(balance=40_00)
    world.post(paper_issue(world, 30_00))
    world.deposit(30_00, reserve="paper")
    world.post(paper_exchange(world, alice, 10_00))
    world.deposit(15_00)
    expected = {
        "number": world.office.account,
        "name": "office:1:cash",
        "status": "open",
        "currency": "EUR",
        "cash": 25_00,
        "converted": 40_00,
        "paper_issued": 30_00,
        "paper_exchanged": 10_00,
        "deposited": 45_00,
    }
    for reader in (world.office, world.treasurer):
        response = client.get(f"/v1/offices/{world.office.number}", headers=sign_in(client, reader))
        assert response.status_code == 200
        assert response.json() == expected


def test_an_offices_cash_is_not_for_other_offices_residents_or_strangers(
    world: World, client: TestClient
) -> None:
    alice, other = world.resident(), another_office(world)
    path = f"/v1/offices/{world.office.number}"
    assert problem(client.get(path)) == "unauthenticated"
    for reader in (other, alice):
        response = client.get(path, headers=sign_in(client, reader))
        assert (response.status_code, problem(response)) == (403, "not-authorized")
    treasurer = sign_in(client, world.treasurer)
    response = client.get(f"/v1/offices/{alice.number}", headers=treasurer)
    assert (response.status_code, problem(response)) == (404, "unknown-account")


# --- top-ups by bank transfer -----------------------------------------------------------------


def decode(image: bytes, media_type: str) -> zxingcpp.Barcode:
    if media_type == "image/svg+xml":
        image = cairosvg.svg2png(bytestring=image, output_width=600)
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
    return barcode


def test_a_member_reads_the_transfer_details_with_their_own_reference(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    response = client.get(f"/v1/accounts/{alice.number}/topup", headers=sign_in(client, alice))
    assert response.status_code == 200
    body = response.json()
    reference = rf_reference(alice.number)
    assert check_rf(body["reference"]) == reference
    assert body["reference"] == " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    assert (body["beneficiary"], body["iban"], body["bic"]) == (
        ASSOCIATION.name,
        ASSOCIATION.iban,
        ASSOCIATION.bic,
    )
    assert (body["account"], body["amount"], body["currency"]) == (alice.account, None, "EUR")
    assert body["epc_payload"].split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        ASSOCIATION.bic,
        ASSOCIATION.name,
        ASSOCIATION.iban,
        "",
        "",
        reference,
        "",
        f"Recharge RTZ compte {alice.number}",
    ]


@pytest.mark.parametrize(("suffix", "media_type"), [("png", "image/png"), ("svg", "image/svg+xml")])
def test_the_top_up_qr_code_decodes_to_the_epc_payload(
    world: World, client: TestClient, suffix: str, media_type: str
) -> None:
    alice = world.resident()
    headers = sign_in(client, alice)
    details = client.get(f"/v1/accounts/{alice.number}/topup?amount=2550", headers=headers).json()
    assert details["amount"] == 25_50
    assert "\nEUR25.50\n" in details["epc_payload"]
    response = client.get(
        f"/v1/accounts/{alice.number}/topup.{suffix}?amount=2550", headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    barcode = decode(response.content, media_type)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.ec_level == "M"
    assert barcode.text == details["epc_payload"]
    assert check_rf(barcode.text.split("\n")[9]) == rf_reference(alice.number)


@pytest.mark.parametrize("path", ["topup", "topup.png", "topup.svg"])
def test_only_the_members_own_device_gets_the_top_up_details(
    world: World, client: TestClient, path: str
) -> None:
    alice, bob = world.resident(), world.resident()
    url = f"/v1/accounts/{alice.number}/{path}"
    response = client.get(url)
    assert (response.status_code, problem(response)) == (401, "unauthenticated")
    for stranger in (bob, world.treasurer):
        response = client.get(url, headers=sign_in(client, stranger))
        assert (response.status_code, problem(response)) == (403, "not-authorized")


def test_an_amount_outside_whole_positive_cents_is_an_invalid_request(
    world: World, client: TestClient
) -> None:
    alice = world.resident()
    headers = sign_in(client, alice)
    for amount in ("0", "12.50", "2147483648"):
        response = client.get(f"/v1/accounts/{alice.number}/topup?amount={amount}", headers=headers)
        assert (response.status_code, problem(response)) == (422, "invalid-request")


def test_an_office_account_has_no_top_up(world: World, client: TestClient) -> None:
    office = world.office
    url = f"/v1/accounts/{office.number}/topup"
    response = client.get(url, headers=sign_in(client, office))
    assert (response.status_code, problem(response)) == (422, "invalid-transfer")


def test_without_the_associations_bank_account_the_top_up_says_so(world: World) -> None:
    alice = world.resident()
    with TestClient(create_app(world.ledger, debtor=None)) as client:
        headers = sign_in(client, alice)
        for path in ("topup", "topup.png"):
            response = client.get(f"/v1/accounts/{alice.number}/{path}", headers=headers)
            assert (response.status_code, problem(response)) == (
                422,
                "bank-account-not-configured",
            )
            assert "not configured" in response.json()["detail"]


def test_the_treasurer_records_notes_delivered_and_the_dashboard_shows_the_stock(
    world: World, client: TestClient
) -> None:
    alice = world.resident(balance=40_00)
    treasurer = sign_in(client, world.treasurer)
    path = f"/v1/offices/{world.office.number}/note-deliveries"
    delivered = client.post(path, json={"amount": 100_00, "note": "Lot A"}, headers=treasurer)
    assert delivered.status_code == 201, delivered.text
    assert delivered.json() == {
        "office": world.office.account,
        "amount": 100_00,
        "notes_delivered": 100_00,
    }
    world.post(paper_issue(world, 30_00))
    world.deposit(30_00, reserve="paper")
    world.post(paper_exchange(world, alice, 10_00))
    dashboard = client.get("/v1/reserve/dashboard", headers=treasurer).json()
    (office,) = dashboard["offices"]
    assert (office["notes_delivered"], office["paper_stock"]) == (100_00, 100_00 - 30_00 + 10_00)
    assert dashboard["paper_stock_known"] is True
    agent = sign_in(client, world.office)
    before = world.row_counts()
    for body, status, kind in (
        ({"amount": 0, "note": "x"}, 400, "malformed"),
        ({"amount": 1.5, "note": "x"}, 422, "invalid-request"),
        ({"amount": 100, "note": ""}, 422, "invalid-request"),
        ({"amount": 100, "note": "x", "office": 1}, 422, "invalid-request"),
    ):
        refused = client.post(path, json=body, headers=treasurer)
        assert (refused.status_code, problem(refused)) == (status, kind), body
    not_an_office = f"/v1/offices/{alice.number}/note-deliveries"
    refused = client.post(not_an_office, json={"amount": 100, "note": "x"}, headers=treasurer)
    assert (refused.status_code, problem(refused)) == (404, "unknown-account")
    by_agent = client.post(path, json={"amount": 100, "note": "x"}, headers=agent)
    assert (by_agent.status_code, problem(by_agent)) == (403, "not-authorized")
    assert world.row_counts() == before
