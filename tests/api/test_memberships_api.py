"""Membership over HTTP: the yearly fees, payments in euros and in the currency, receipts,
each member's status, reminders, and the setting that refuses conversions to lapsed members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.acts import acts
from ledger.admin import enrol_device, issue_enrolment_code, open_account
from ledger.signing import SigningKey
from merchants.profiles import merchant_profile
from tests.api.conftest import ASSOCIATION
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World

FEES = "/v1/memberships/fees"
PAYMENTS = "/v1/memberships/payments"
SETTINGS = "/v1/memberships/settings"


@contextmanager
def nothing_written(world: World) -> Iterator[None]:
    before = (world.row_counts(), world.log_size())
    yield
    assert (world.row_counts(), world.log_size()) == before


def named_resident(world: World, name: str, balance: int = 0) -> Holder:
    key = SigningKey.generate()
    with world.ledger.unit_of_work() as uow:
        number = open_account(uow, kind="resident", now=world.now, holder_name=name)
        code = issue_enrolment_code(uow, account=number, role="resident", now=world.now)
        enrol_device(uow, code=code, public_key=key.public_bytes, now=world.now)
        uow.commit()
    holder = Holder(number, key, "resident")
    if balance:
        world.convert(holder, balance)
    return holder


@pytest.fixture
def treasurer(world: World, client: TestClient) -> dict[str, str]:
    return sign_in(client, world.treasurer)


@pytest.fixture
def agent(world: World, client: TestClient) -> dict[str, str]:
    return sign_in(client, world.office)


def set_fees(client: TestClient, headers: dict[str, str], year: int = 2026, **fees: int) -> Any:
    response = client.put(FEES, json={"year": year, **fees}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def pay(client: TestClient, headers: dict[str, str], account: int, **fields: Any) -> Any:
    body = {"account": account, "year": 2026, "category": "resident", "method": "euros", **fields}
    return client.post(PAYMENTS, json=body, headers=headers)


def last_act(world: World) -> tuple[str, str, dict[str, object]]:
    with world.ledger.unit_of_work(write=False) as uow:
        newest = acts(uow, limit=1)[0]
    return newest.act, newest.subject, newest.detail


# --- fees ---------------------------------------------------------------------------------------


def test_the_treasurer_sets_the_years_fees_and_the_offices_read_them(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    fees = set_fees(client, treasurer, resident=12_00, merchant=50_00, reduced=6_00)
    assert fees == [
        {"year": 2026, "category": "merchant", "amount": 50_00},
        {"year": 2026, "category": "reduced", "amount": 6_00},
        {"year": 2026, "category": "resident", "amount": 12_00},
    ]
    assert last_act(world)[0] == "membership.fee"
    set_fees(client, treasurer, resident=15_00)  # a change of one category keeps the others
    read = client.get(FEES, params={"year": 2026}, headers=agent).json()
    assert {f["category"]: f["amount"] for f in read} == {
        "merchant": 50_00,
        "reduced": 6_00,
        "resident": 15_00,
    }
    assert client.get(FEES, params={"year": 2027}, headers=agent).json() == []


def test_a_fee_is_set_by_the_treasurer_alone_and_is_a_positive_amount(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    with nothing_written(world):
        refused = client.put(FEES, json={"year": 2026, "resident": 12_00}, headers=agent)
        assert (refused.status_code, problem(refused)) == (403, "not-authorized")
        for body in (
            {"year": 2026, "resident": 0},
            {"year": 2026, "resident": 12.5},
            {"year": 1999, "resident": 12_00},
            {"year": 2026, "student": 12_00},
        ):
            refused = client.put(FEES, json=body, headers=treasurer)
            assert (refused.status_code, problem(refused)) == (422, "invalid-request"), body
        refused = client.put(FEES, json={"year": 2026}, headers=treasurer)
        assert refused.status_code == 400


# --- payments in euros ------------------------------------------------------------------------


def test_a_fee_paid_in_euros_at_the_office_is_numbered_and_posts_nothing_to_the_ledger(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    alice = world.resident(balance=5_00)
    set_fees(client, treasurer, resident=12_00)
    size, balances = world.log_size(), world.row_counts()["balances"]
    first = pay(client, agent, alice.number)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["receipt"] == 1
    assert (body["account"], body["amount"], body["method"], body["entry"]) == (
        alice.account,
        12_00,
        "euros",
        None,
    )
    assert body["office"] == world.office.account
    assert body["at"] == "2026-03-14T10:15:00Z"
    assert body["by"].endswith("(agent)")
    assert body["receipt_url"] == "/v1/memberships/receipts/1/receipt.html"
    assert (world.log_size(), world.row_counts()["balances"]) == (size, balances)
    assert last_act(world) == (
        "membership.payment",
        alice.account,
        {"amount": 12_00, "method": "euros", "receipt": 1, "year": 2026},
    )
    bob = world.resident()
    second = pay(client, treasurer, bob.number, category="reduced")
    assert second.status_code == 422  # no reduced fee set yet
    set_fees(client, treasurer, reduced=6_00)
    second = pay(client, treasurer, bob.number, category="reduced")
    assert (second.json()["receipt"], second.json()["office"]) == (2, None)


def test_a_second_fee_for_the_same_year_an_unset_fee_and_a_wrong_category_are_refused(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    alice, shop = world.resident(), world.shop()
    set_fees(client, treasurer, resident=12_00, merchant=50_00)
    assert pay(client, agent, alice.number).status_code == 201
    resident = sign_in(client, alice)
    with nothing_written(world):
        again = pay(client, agent, alice.number, category="reduced")
        assert (again.status_code, problem(again)) == (409, "membership-already-paid")
        unset = pay(client, agent, alice.number, year=2027)
        assert (unset.status_code, problem(unset)) == (422, "membership-fee-not-set")
        wrong = pay(client, agent, shop.number)
        assert (wrong.status_code, problem(wrong)) == (422, "membership-category-mismatch")
        wrong = pay(client, agent, alice.number, category="merchant", year=2027)
        assert (wrong.status_code, problem(wrong)) == (422, "membership-category-mismatch")
        unknown = pay(client, agent, 9_999)
        assert (unknown.status_code, problem(unknown)) == (404, "unknown-account")
        with_entry = pay(client, agent, shop.number, category="merchant", entry=1)
        assert (with_entry.status_code, problem(with_entry)) == (400, "malformed")
        refused = pay(client, resident, alice.number, year=2027)
        assert (refused.status_code, problem(refused)) == (403, "not-authorized")
    assert pay(client, agent, shop.number, category="merchant").status_code == 201


# --- payments in the currency -----------------------------------------------------------------


def test_a_fee_paid_in_the_currency_names_the_members_transfer_to_the_association(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    alice = world.resident(balance=30_00)
    set_fees(client, treasurer, resident=12_00)
    set_fees(client, treasurer, year=2027, resident=12_00)
    entry = world.pay(alice, world.treasurer, 12_00).index
    size = world.log_size()
    made = pay(client, agent, alice.number, method="currency", entry=entry)
    assert made.status_code == 201, made.text
    assert (made.json()["method"], made.json()["entry"]) == ("currency", entry)
    assert world.log_size() == size  # the transfer was the payment: nothing more is posted
    with nothing_written(world):
        again = pay(client, treasurer, alice.number, year=2027, method="currency", entry=entry)
        assert (again.status_code, problem(again)) == (409, "membership-transfer-used")


def test_a_transfer_that_is_not_exactly_the_fee_from_the_member_to_the_association_is_refused(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    alice, bob, shop = world.resident(balance=50_00), world.resident(balance=50_00), world.shop()
    set_fees(client, treasurer, resident=12_00)
    too_little = world.pay(alice, world.treasurer, 11_00).index
    from_bob = world.pay(bob, world.treasurer, 12_00).index
    to_shop = world.pay(alice, shop, 12_00).index
    conversion = world.convert(alice, 12_00).index
    with nothing_written(world):
        for entry in (too_little, from_bob, to_shop, conversion, 10_000):
            refused = pay(client, agent, alice.number, method="currency", entry=entry)
            assert (refused.status_code, problem(refused)) == (
                422,
                "membership-transfer-invalid",
            ), entry
        # with no entry named, none of these is the fee paid to the association
        no_entry = pay(client, agent, alice.number, method="currency")
        assert (no_entry.status_code, problem(no_entry)) == (422, "membership-transfer-missing")


def test_without_an_entry_the_members_latest_unused_payment_of_the_fee_is_taken(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    alice = world.resident(balance=50_00)
    set_fees(client, treasurer, resident=12_00)
    set_fees(client, treasurer, year=2027, resident=12_00)
    first = world.pay(alice, world.treasurer, 12_00).index
    world.pay(alice, world.treasurer, 5_00)  # a gift, not the fee
    made = pay(client, agent, alice.number, method="currency")
    assert made.status_code == 201, made.text
    assert made.json()["entry"] == first
    with nothing_written(world):  # that payment is used: the next year's needs a new one
        again = pay(client, agent, alice.number, year=2027, method="currency")
        assert (again.status_code, problem(again)) == (422, "membership-transfer-missing")
    second = world.pay(alice, world.treasurer, 12_00).index
    made = pay(client, agent, alice.number, year=2027, method="currency")
    assert (made.status_code, made.json()["entry"]) == (201, second)


# --- status, lists and reminders --------------------------------------------------------------


def test_a_members_status_is_up_to_date_lapsed_or_never_and_they_may_read_their_own(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    alice, bob, carol = world.resident(), world.resident(), world.resident()
    set_fees(client, treasurer, year=2025, resident=10_00)
    set_fees(client, treasurer, resident=12_00)
    assert pay(client, agent, alice.number).status_code == 201
    assert pay(client, agent, bob.number, year=2025).status_code == 201

    def status(holder: Holder, headers: dict[str, str], **params: Any) -> Any:
        response = client.get(
            f"/v1/memberships/members/{holder.number}", params=params, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    assert (status(alice, agent)["status"], status(alice, agent)["last_paid"]) == (
        "up-to-date",
        2026,
    )
    assert status(bob, treasurer)["status"] == "lapsed"
    assert status(bob, treasurer, year=2025)["status"] == "up-to-date"
    assert status(carol, agent) == {
        "account": carol.account,
        "year": 2026,
        "status": "never",
        "last_paid": None,
        "payments": [],
    }
    own = status(bob, sign_in(client, bob))
    assert [p["year"] for p in own["payments"]] == [2025]
    other = client.get(f"/v1/memberships/members/{bob.number}", headers=sign_in(client, alice))
    assert (other.status_code, problem(other)) == (403, "not-authorized")

    def listed(status: str) -> set[str]:
        response = client.get("/v1/memberships/members", params={"status": status}, headers=agent)
        assert response.status_code == 200
        return {m["account"] for m in response.json()}

    assert listed("up-to-date") == {alice.account}
    assert listed("lapsed") == {bob.account}
    assert carol.account in listed("never")
    assert alice.account not in listed("never")


def test_reminders_list_the_lapsed_and_near_the_years_end_those_paid_for_this_year(
    world: World, client: TestClient, treasurer: dict[str, str]
) -> None:
    alice = named_resident(world, "Alice Durand")
    bob, carol = world.resident(), world.resident()
    set_fees(client, treasurer, year=2025, resident=10_00)
    set_fees(client, treasurer, resident=12_00)
    assert pay(client, treasurer, alice.number).status_code == 201
    assert pay(client, treasurer, bob.number, year=2025).status_code == 201

    def reminded(days: int) -> dict[str, Any]:
        headers = sign_in(client, world.treasurer)  # a token of the (test's) day
        response = client.get("/v1/memberships/reminders", params={"days": days}, headers=headers)
        assert response.status_code == 200
        return {m["account"]: m for m in response.json()}

    assert set(reminded(30)) == {bob.account}  # in March: the lapsed only
    assert reminded(30)[bob.account]["last_paid"] == 2025
    world.now = int(dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC).timestamp())
    near = reminded(30)
    assert set(near) == {alice.account, bob.account}
    assert (near[alice.account]["name"], near[alice.account]["last_paid"]) == ("Alice Durand", 2026)
    assert set(reminded(10)) == {bob.account}  # 21 days left: not yet within 10
    assert carol.account not in near


# --- the receipt --------------------------------------------------------------------------------


def test_the_receipt_is_a_printable_french_page_with_everything_escaped(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    alice = named_resident(world, "<b>Léa</b> Martin")
    set_fees(client, treasurer, resident=12_00)
    receipt = pay(client, agent, alice.number).json()["receipt_url"]
    page = client.get(receipt, headers=agent)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    text = page.text
    for shown in (
        "Reçu d’adhésion",
        ASSOCIATION.name,
        "Reçu n°</th><td>1<",
        f"compte n° {alice.number} — &lt;b&gt;Léa&lt;/b&gt; Martin",
        "2026",
        "résident",
        "12,00 €",
        "en euros",
        "14/03/2026",
        f"comptoir n° {world.office.number}",
    ):
        assert shown in text, shown
    assert "<b>" not in text
    own = client.get(receipt, headers=sign_in(client, alice))
    assert own.status_code == 200
    other = client.get(receipt, headers=sign_in(client, world.resident()))
    assert (other.status_code, problem(other)) == (403, "not-authorized")
    unknown = client.get("/v1/memberships/receipts/99/receipt.html", headers=treasurer)
    assert (unknown.status_code, problem(unknown)) == (404, "unknown-membership-receipt")


# --- the setting: conversions to lapsed members --------------------------------------------------


def cash_conversion(world: World, client: TestClient, to: Holder, cents: int) -> Any:
    record = world.record(
        "conversion",
        world.office.key,
        method="cash",
        office=world.office.account,
        to=to.account,
        amount=cents,
    )
    return client.post("/v1/office-operations", json=record.envelope())


def test_when_the_association_says_so_an_office_refuses_conversions_to_lapsed_residents(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    lapsed, never, paid = world.resident(), world.resident(), world.resident()
    shop = world.shop()
    set_fees(client, treasurer, year=2025, resident=10_00, merchant=40_00)
    set_fees(client, treasurer, resident=12_00)
    for holder, category in ((lapsed, "resident"), (shop, "merchant")):
        made = pay(client, agent, holder.number, year=2025, category=category)
        assert made.status_code == 201
    assert pay(client, agent, paid.number).status_code == 201

    assert client.get(SETTINGS, headers=treasurer).json() == {"refuse_conversions_to_lapsed": False}
    assert cash_conversion(world, client, lapsed, 5_00).status_code == 201  # off: accepted

    refused = client.put(SETTINGS, json={"refuse_conversions_to_lapsed": True}, headers=agent)
    assert (refused.status_code, problem(refused)) == (403, "not-authorized")
    on = client.put(SETTINGS, json={"refuse_conversions_to_lapsed": True}, headers=treasurer)
    assert on.json() == {"refuse_conversions_to_lapsed": True}
    assert last_act(world) == ("membership.setting", "refuse_conversions_to_lapsed", {"on": True})

    with nothing_written(world):
        refused = cash_conversion(world, client, lapsed, 5_00)
        assert (refused.status_code, problem(refused)) == (422, "membership-lapsed")
    assert world.balance(lapsed) == 5_00
    for holder in (never, paid, shop):  # never paid, up to date, a merchant: not refused
        assert cash_conversion(world, client, holder, 5_00).status_code == 201
    renewed = pay(client, agent, lapsed.number)
    assert renewed.status_code == 201
    assert cash_conversion(world, client, lapsed, 5_00).status_code == 201

    client.put(SETTINGS, json={"refuse_conversions_to_lapsed": False}, headers=treasurer)
    assert client.get(SETTINGS, headers=treasurer).json() == {"refuse_conversions_to_lapsed": False}


def test_a_shops_fee_paid_at_the_office_counts_for_its_reconversions(
    world: World, client: TestClient, treasurer: dict[str, str], agent: dict[str, str]
) -> None:
    shop = world.shop()
    set_fees(client, treasurer, resident=12_00, merchant=50_00)
    with world.ledger.unit_of_work(write=False) as uow:
        before = merchant_profile(uow, account=shop.number).membership_paid_until
    assert before is None or before < dt.date(2026, 12, 31)
    assert pay(client, agent, shop.number, category="merchant").status_code == 201
    with world.ledger.unit_of_work(write=False) as uow:
        profile = merchant_profile(uow, account=shop.number)
        done = [a.detail for a in acts(uow, subject=shop.account) if a.act == "merchant.membership"]
    assert profile.membership_paid(dt.date(2026, 12, 31))
    assert done[-1] == {"paid_until": "2026-12-31"}
