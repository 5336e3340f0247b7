"""The association's volunteers (issue 20, part 8): the treasurer gives a new office agent or
treasurer a one-time code, their own device enrols with it, and each key is listed with its
place and last sign-in and revoked on its own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.signing import SigningKey
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World


def test_a_new_agent_enrols_their_own_tablet_and_is_listed_then_revoked(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    given = client.post(
        "/v1/volunteers", json={"role": "agent", "office": world.office.number}, headers=treasurer
    )
    assert given.status_code == 201, given.text
    code = given.json()
    assert (code["role"], code["account"]) == ("agent", world.office.account)
    tablet = SigningKey.generate()
    enrolled = client.post(
        "/v1/devices",
        json={
            "enrolment_code": code["enrolment_code"],
            "public_key": tablet.public_bytes.hex(),
            "label": "tablette de Maïa",
        },
    )
    assert enrolled.status_code == 201, enrolled.text
    agent = Holder(world.office.number, tablet, "agent")
    sign_in(client, agent)  # the new agent signs in: their last use is now known
    listed = client.get("/v1/volunteers", headers=treasurer).json()
    mine = next(v for v in listed if v["kid"] == tablet.kid)
    assert mine["role"] == "agent" and mine["label"] == "tablette de Maïa"
    assert mine["account"] == world.office.account and mine["last_used"] is not None
    assert {v["role"] for v in listed} == {"agent", "treasurer"}
    revoked = client.post(
        f"/v1/accounts/{world.office.number}/devices/{tablet.kid}/revoke", headers=treasurer
    )
    assert revoked.status_code == 200
    listed = client.get("/v1/volunteers", headers=treasurer).json()
    assert next(v for v in listed if v["kid"] == tablet.kid)["status"] == "revoked"


def test_a_code_for_a_place_that_is_not_an_office_is_refused(
    world: World, client: TestClient
) -> None:
    treasurer = sign_in(client, world.treasurer)
    alice = world.resident()
    before = world.row_counts()
    for body in (
        {"role": "agent", "office": alice.number},
        {"role": "agent"},
        {"role": "treasurer", "office": world.office.number},
    ):
        refused = client.post("/v1/volunteers", json=body, headers=treasurer)
        assert refused.status_code == 422, body
    assert world.row_counts() == before
    bad_role = client.post("/v1/volunteers", json={"role": "auditor"}, headers=treasurer)
    assert bad_role.status_code == 422 and problem(bad_role) == "invalid-request"
    second = client.post("/v1/volunteers", json={"role": "treasurer"}, headers=treasurer).json()
    assert second["account"] == world.treasurer.account
    agent = client.post(
        "/v1/volunteers", json={"role": "treasurer"}, headers=sign_in(client, world.office)
    )
    assert agent.status_code == 403
