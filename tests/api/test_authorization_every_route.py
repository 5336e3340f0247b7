"""Every route of the OpenAPI schema × every kind of caller, from one table.

Each operation is listed once with who may call it: `PUBLIC` (no token needed), `SIGNED`
(the body's signature is the authority, not the token: the answer is the same with or
without the caller's token, and `test_authorization_writes.py` shows who may sign what), or
the set of callers its bearer token must belong to. For a listed
caller the answer must not be 401 or 403 (it may be 404 or 422: authorised, but the thing
asked for is not there); for any other caller it must be exactly 401 (no token, or a revoked
key's) or 403 (a token of the wrong role or account). A route missing from the table fails
the completeness test, so a new route cannot ship without its row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World

CALLERS = (
    "anonymous",
    "resident",  # alice, whose account the resident routes name
    "other_resident",
    "merchant",  # the shop's own key; the merchant routes name the shop
    "cashier",  # a till of the shop
    "agent",  # the office's agent; the office routes name its office
    "treasurer",
    "auditor",  # with a window granted by the treasurer
    "revoked",  # a revoked key of alice's
)
PUBLIC = frozenset(CALLERS) - {"revoked"}  # a revoked key's token may be refused anywhere
SIGNED = frozenset({"signed"})
HOLDERS = frozenset({"resident", "other_resident", "merchant", "treasurer"})
TREASURER = frozenset({"treasurer"})
READERS = frozenset({"treasurer", "auditor"})

# operation → (who may call it, JSON body or None)
ROUTES: dict[str, tuple[frozenset[str], Any]] = {
    "GET /healthz": (PUBLIC, None),
    "GET /readyz": (PUBLIC, None),
    # gated by the client address (SOU_METRICS_ALLOW), not a token: see test_observability.py
    "GET /metrics": (PUBLIC, None),
    "GET /v1/ledger": (PUBLIC, None),
    "GET /v1/log/checkpoint": (PUBLIC, None),
    "GET /v1/log/inclusion?entry=0&size=1": (PUBLIC, None),
    "GET /v1/log/consistency?old=1&new=1": (PUBLIC, None),
    "GET /v1/log/leaf-hashes?start=0&end=1": (PUBLIC, None),
    "GET /v1/log/entries?start=0&end=1": (READERS, None),
    # the cosignature is its own authority: a configured witness's key signed it
    "POST /v1/log/cosignatures": (SIGNED, {"size": 1, "line": "x"}),
    "POST /v1/devices": (SIGNED, {"enrolment_code": "AAAA-BBBB-CCCC", "public_key": "00" * 32}),
    "POST /v1/transfers": (SIGNED, {}),
    "POST /v1/devices/{phone}/revoke": (frozenset({"resident"}), None),
    "POST /v1/auth/challenge": (SIGNED, {"kid": "0badc0de"}),
    "POST /v1/auth/token": (SIGNED, {"kid": "0badc0de", "challenge": "x", "sig": "x"}),
    "GET /v1/accounts/{alice}": (frozenset({"resident"}), None),
    "GET /v1/accounts/{alice}/transfers": (frozenset({"resident"}), None),
    "GET /v1/accounts/{alice}/entries": (frozenset({"resident"}), None),
    # any signed-in device, to see whom it pays (verification of payee)
    "GET /v1/accounts/{alice}/payee": (PUBLIC - {"anonymous"}, None),
    "POST /v1/payment-requests": (SIGNED, {"pr": "AEAAAB"}),
    "GET /v1/payment-requests/{payreq}": (PUBLIC, None),
    "GET /v1/payment-requests/{payreq}/qr.png": (PUBLIC, None),
    "GET /v1/merchants/{shop}/qr.png": (PUBLIC, None),
    "GET /v1/payment-requests/{payreq}/events": (PUBLIC, None),
    "GET /v1/merchants/{shop}/sticker.pdf": (PUBLIC, None),
    "GET /v1/keys/{phone}": (PUBLIC, None),
    "GET /v1/merchants/{shop}/days/today": (frozenset({"merchant", "cashier"}), None),
    "GET /v1/merchants/{shop}/days/today/record": (frozenset({"merchant"}), None),
    "POST /v1/merchants/{shop}/days/today/close": (SIGNED, {}),
    "GET /v1/merchants/{shop}/days/today/statement.csv": (frozenset({"merchant"}), None),
    "GET /v1/merchants/{shop}/days/today/statement.pdf": (frozenset({"merchant"}), None),
    "GET /v1/merchants/{shop}/takings.csv?first=2026-03-01&last=2026-03-14": (
        frozenset({"merchant"}),
        None,
    ),
    "GET /v1/merchants/{shop}/consolidated": (frozenset({"merchant"}), None),
    "GET /v1/merchants/{shop}/consolidated.csv?first=2026-03-01&last=2026-03-14": (
        frozenset({"merchant"}),
        None,
    ),
    # a local authority's month: aggregates, for its own key and the treasurer
    "GET /v1/merchants/{shop}/months/2026-03": (frozenset({"merchant", "treasurer"}), None),
    "GET /v1/merchants/{shop}/months/2026-03/statement.csv": (
        frozenset({"merchant", "treasurer"}),
        None,
    ),
    "POST /v1/reconversions/quote": (frozenset({"merchant"}), {"account": 0, "amount": 100_00}),
    "POST /v1/reconversions": (SIGNED, {}),
    "POST /v1/merchants": (
        TREASURER,
        {
            "kind": "business",
            "legal_name": "Primeur",
            "address": "Halles",
            "activity": "primeur",
            "iban": "FR7630006000011234567890189",
        },
    ),
    "GET /v1/merchants/{shop}/profile": (frozenset({"merchant", "treasurer"}), None),
    "POST /v1/merchants/{shop}/approve": (TREASURER, None),
    "POST /v1/merchants/{shop}/membership": (TREASURER, {"paid_until": "2026-12-31"}),
    "GET /v1/merchants?status=pending": (TREASURER, None),
    "POST /v1/merchants/{shop}/refuse": (TREASURER, {"reason": "Hors du territoire"}),
    "PATCH /v1/merchants/{shop}/card": (TREASURER, {"activity": "boulangerie"}),
    "GET /v1/merchants/{shop}/tills": (TREASURER, None),
    "POST /v1/merchants/{shop}/tills": (TREASURER, {"refund_limit": 20_00}),
    "GET /v1/directory": (PUBLIC, None),
    "PUT /v1/fee-rules/business": (TREASURER, {"rate": 250}),
    "GET /v1/fee-rules": (PUBLIC, None),
    # memberships: kept by the treasurer, recorded by the offices' agents; a member reads
    # their own status and receipts (a receipt of theirs only: an unknown one is refused)
    "GET /v1/memberships/fees": (frozenset({"agent", "treasurer"}), None),
    "PUT /v1/memberships/fees": (TREASURER, {"year": 2026, "resident": 1200}),
    "POST /v1/memberships/payments": (
        frozenset({"agent", "treasurer"}),
        {"account": 1, "year": 2026, "category": "resident", "method": "euros"},
    ),
    "GET /v1/memberships/members?status=lapsed": (frozenset({"agent", "treasurer"}), None),
    "GET /v1/memberships/members/{alice}": (
        frozenset({"resident", "agent", "treasurer"}),
        None,
    ),
    "GET /v1/memberships/receipts/1/receipt.html": (frozenset({"agent", "treasurer"}), None),
    "GET /v1/memberships/reminders?days=30": (frozenset({"agent", "treasurer"}), None),
    "GET /v1/memberships/settings": (TREASURER, None),
    "PUT /v1/memberships/settings": (TREASURER, {"refuse_conversions_to_lapsed": False}),
    "GET /v1/reconversions/waiting": (READERS, None),
    "POST /v1/payout-batches": (TREASURER, {"payouts": [{}]}),
    "GET /v1/payout-batches": (READERS, None),
    "GET /v1/payout-batches/1": (READERS, None),
    "GET /v1/payout-batches/1/sepa.xml": (READERS, None),
    "POST /v1/payout-batches/1/executed": (TREASURER, None),
    "POST /v1/office-operations": (SIGNED, {}),
    "GET /v1/offices/{office}": (frozenset({"agent", "treasurer"}), None),
    "POST /v1/offices/{office}/note-deliveries": (TREASURER, {"amount": 100, "note": "x"}),
    "GET /v1/accounts/{alice}/topup": (frozenset({"resident"}), None),
    "GET /v1/accounts/{alice}/topup.png": (frozenset({"resident"}), None),
    "GET /v1/bank-accounts": (READERS, None),
    "POST /v1/bank-accounts": (
        TREASURER,
        {"iban": "FR7630004000031234567890143", "reserve": "digital", "label": "Réserve"},
    ),
    "GET /v1/bank-statements": (READERS, None),
    "POST /v1/bank-statements": (TREASURER, None),
    "GET /v1/bank-statements/1": (READERS, None),
    "POST /v1/bank-statements/1/lines/1/resolve": (TREASURER, {"note": "frais"}),
    "POST /v1/bank-statements/1/lines/1/match": (TREASURER, {"batch": 1, "note": "x"}),
    "POST /v1/bank-statements/1/lines/1/conversion": (TREASURER, {}),
    "GET /v1/reserve/check": (READERS, None),
    "GET /v1/reserve/dashboard": (READERS, None),
    "GET /v1/transparency": (PUBLIC, None),
    "GET /v1/reserve-statements": (PUBLIC, None),
    "POST /v1/reserve-statements": (TREASURER, {}),
    "GET /v1/reserve-statements/1": (PUBLIC, None),
    "POST /v1/reserve-statements/1/cosign": (READERS, {"signature": "— x"}),
    "GET /v1/reserve-statements/1/proof": (HOLDERS, None),
    "GET /v1/audit/log": (READERS, None),
    "GET /v1/audit/fec": (READERS, None),
    "GET /v1/audit/beancount": (READERS, None),
    "GET /v1/audit/journal.csv": (READERS, None),
    "GET /v1/audit/visits": (TREASURER, None),
    "GET /v1/audit/acts": (READERS, None),
    "GET /v1/auditors": (TREASURER, None),
    "POST /v1/auditors/{phone}/grant": (TREASURER, {"days": 30}),
    "POST /v1/auditors/{phone}/close": (TREASURER, None),
    # a member's own data: the member and the treasurer (a resident's account here)
    "GET /v1/members/{alice}/export": (frozenset({"resident", "treasurer"}), None),
    "GET /v1/members/{alice}/export.html": (frozenset({"resident", "treasurer"}), None),
    "POST /v1/members/{alice}/erase": (TREASURER, None),
    "GET /v1/volunteers": (TREASURER, None),
    "POST /v1/volunteers": (TREASURER, {"role": "treasurer"}),
    "GET /v1/members?q=a": (frozenset({"agent", "treasurer"}), None),
    "GET /v1/members/{alice}": (frozenset({"agent", "treasurer"}), None),
    "PATCH /v1/members/{alice}": (frozenset({"agent", "treasurer"}), {}),
    "POST /v1/members/{alice}/close": (frozenset({"agent", "treasurer"}), None),
    "POST /v1/members/import/preview": (TREASURER, None),
    "POST /v1/members/import": (TREASURER, None),
    "POST /v1/memos/1/erase": (TREASURER, None),
    "GET /v1/reports/evaluation": (READERS, None),
    "GET /v1/reports/evaluation.csv": (READERS, None),
    # a member's devices: their own devices, an office agent at the counter, the treasurer
    "GET /v1/accounts/{alice}/devices": (frozenset({"resident", "agent", "treasurer"}), None),
    "POST /v1/accounts/{alice}/devices/{phone}/revoke": (frozenset({"agent", "treasurer"}), None),
    "POST /v1/accounts/{alice}/lost-phone": (frozenset({"agent", "treasurer"}), None),
    # an account opened at the office, its phone's QR code, a member recovered there
    "POST /v1/accounts": (
        frozenset({"agent", "treasurer"}),
        {"kind": "resident", "name": "Camille Martin", "consent": True},
    ),
    "GET /v1/enrolment-codes/{code}/qr.png": (frozenset({"agent", "treasurer"}), None),
    "POST /v1/accounts/{alice}/recover": (
        frozenset({"agent", "treasurer"}),
        {"identity_check": "passport"},
    ),
    # a resident's printed recovery code: issued by the office, cancelled by it or the member
    "POST /v1/accounts/{alice}/recovery-code": (frozenset({"agent", "treasurer"}), None),
    "GET /v1/accounts/{alice}/recovery-code": (
        frozenset({"resident", "agent", "treasurer"}),
        None,
    ),
    "POST /v1/accounts/{alice}/recovery-code/revoke": (
        frozenset({"resident", "agent", "treasurer"}),
        None,
    ),
    # coming from another platform: the treasurer's; an archive, its member's too
    "POST /v1/platform-imports/preview": (TREASURER, {"source": "generic", "files": {}}),
    "POST /v1/platform-imports": (TREASURER, {"source": "generic", "files": {}, "records": []}),
    "GET /v1/platform-imports": (TREASURER, None),
    "GET /v1/platform-imports/archive/{alice}": (frozenset({"resident", "treasurer"}), None),
}


MONTH = re.compile(r"\d{4}-\d{2}")  # a month in a path, YYYY-MM


def _template(operation: str) -> str:
    """`GET /v1/accounts/{alice}/topup.png?x=1` → `GET /v1/accounts/{}/topup.{}`."""
    method, path = operation.split(" ")
    path = re.sub(r"\{[a-z_]+\}", "{}", path.split("?")[0]).replace(".png", ".{}")
    parts = [
        "{}" if p.isdigit() or p in ("today", "business") or MONTH.fullmatch(p) else p
        for p in path.split("/")
    ]
    return f"{method} {'/'.join(parts)}"


def test_every_route_of_the_schema_has_its_row(client: TestClient) -> None:
    documented = {
        _template(f"{method.upper()} {path}")
        for path, operations in cast(FastAPI, client.app).openapi()["paths"].items()
        for method in operations
    }
    assert documented == {_template(op) for op in ROUTES}


@dataclass
class Cast:
    alice: Holder
    phone: Holder  # another device of alice's
    shop: Holder
    payreq: str


def headers_of(world: World, client: TestClient, cast: Cast, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "revoked":
        lost = world.new_device(cast.alice)
        headers = sign_in(client, lost)
        world.revoke(lost.key)
        return headers
    make: dict[str, Callable[[], Holder]] = {
        "resident": lambda: cast.alice,
        "other_resident": lambda: world.resident(),
        "merchant": lambda: cast.shop,
        "cashier": lambda: world.cashier(cast.shop),
        "agent": lambda: world.office,
        "treasurer": lambda: world.treasurer,
        "auditor": lambda: world.auditor(days=30),
    }
    return sign_in(client, make[caller]())


@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_is_let_in_or_refused_as_the_table_says(
    world: World, client: TestClient, caller: str
) -> None:
    alice = world.resident(balance=5_00)
    shop = world.shop()
    payreq = world.register_request(shop, 5_00, expires=world.now - 1)  # expired: SSE ends
    cast = Cast(alice, world.new_device(alice), shop, payreq)
    headers = headers_of(world, client, cast, caller)
    wrong = []
    for operation, (allowed, body) in ROUTES.items():
        method, path = operation.split(" ")
        path = path.format(
            alice=cast.alice.number,
            phone=cast.phone.key.kid,
            shop=cast.shop.number,
            payreq=cast.payreq,
            office=world.office.number,
            code="ABCD-EFGH-JKLM",
        )
        if isinstance(body, dict) and body.get("account") == 0:
            body = {**body, "account": cast.shop.number}
        if operation == "POST /v1/bank-statements":
            kwargs: dict[str, Any] = {"content": b"not a statement"}
        else:
            kwargs = {"json": body} if body is not None else {}
        status = client.request(method, path, headers=headers, **kwargs).status_code
        if allowed is SIGNED:  # the same answer with or without the caller's token
            ok = status == client.request(method, path, **kwargs).status_code
        elif caller in allowed:
            ok = status not in (401, 403)
        elif allowed is PUBLIC:  # a public route may still refuse a revoked key's token
            ok = status in (401, client.request(method, path, **kwargs).status_code)
        else:
            ok = status == (401 if caller in ("anonymous", "revoked") else 403)
        if not ok:
            wrong.append(f"{operation} → {status}")
    assert wrong == []
