"""Every read route × every kind of caller: the expected status, asserted in one table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World


@dataclass
class Cast:
    alice: Holder  # the resident whose account is read
    alice_phone: Holder  # another device of hers, the one revoked in the revoke route
    shop: Holder


CALLERS = (
    "anonymous",
    "owner",
    "other_resident",
    "merchant",
    "cashier",
    "agent",
    "treasurer",
    "revoked_owner",
)
ROUTES = {
    # route: expected status per caller, in the order of CALLERS. Public routes ignore tokens;
    # a route that reads one refuses a revoked key's token even where no token is needed.
    "GET /v1/ledger": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /v1/log/checkpoint": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /v1/accounts/{alice}": (401, 200, 403, 403, 403, 403, 403, 401),
    "GET /v1/accounts/{alice}/transfers": (401, 200, 403, 403, 403, 403, 403, 401),
    "GET /v1/accounts/{shop}": (200, 200, 200, 200, 200, 200, 200, 401),
    "POST /v1/devices/{alice_phone}/revoke": (401, 200, 403, 403, 403, 403, 403, 401),
}


def headers_of(world: World, client: TestClient, cast: Cast, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "owner":
        return sign_in(client, cast.alice)
    if caller == "revoked_owner":
        lost = world.new_device(cast.alice)
        headers = sign_in(client, lost)
        world.revoke(lost.key)
        return headers
    holder = {
        "other_resident": lambda: world.resident(),
        "merchant": lambda: cast.shop,
        "cashier": lambda: world.cashier(cast.shop),
        "agent": lambda: world.office,
        "treasurer": lambda: world.treasurer,
    }[caller]()
    return sign_in(client, holder)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_gets_the_expected_status_on_each_route(
    world: World, client: TestClient, route: str, caller: str
) -> None:
    alice = world.resident(balance=5_00)
    cast = Cast(alice, world.new_device(alice), world.merchant())
    headers = headers_of(world, client, cast, caller)
    method, path = route.split(" ")
    path = path.format(
        alice=cast.alice.number, shop=cast.shop.number, alice_phone=cast.alice_phone.key.kid
    )
    response = client.request(method, path, headers=headers)
    assert response.status_code == ROUTES[route][CALLERS.index(caller)], response.text
