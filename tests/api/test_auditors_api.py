"""The treasurer opens and closes an auditor's read-only window over HTTP, each an act."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.records import format_time
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import World

DAY = 86_400


def _acts(client: TestClient, headers: dict[str, str]) -> list[tuple[str, str]]:
    return [(a["act"], a["subject"]) for a in client.get("/v1/audit/acts", headers=headers).json()]


def test_the_treasurer_opens_and_closes_an_auditor_s_window(
    world: World, client: TestClient
) -> None:
    auditor = world.auditor()  # enrolled, no window yet
    treasurer = sign_in(client, world.treasurer)
    listed = client.get("/v1/auditors", headers=treasurer).json()
    assert listed == [
        {
            "kid": auditor.key.kid,
            "label": None,
            "status": "active",
            "granted": None,
            "expires": None,
            "open": False,
        }
    ]
    reading = sign_in(client, auditor)
    assert client.get("/v1/reserve/dashboard", headers=reading).status_code == 403
    opened = client.post(
        f"/v1/auditors/{auditor.key.kid}/grant", json={"days": 30}, headers=treasurer
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["open"] is True
    assert opened.json()["expires"] == format_time(world.now + 30 * DAY)
    assert client.get("/v1/reserve/dashboard", headers=reading).status_code == 200
    closed = client.post(f"/v1/auditors/{auditor.key.kid}/close", headers=treasurer)
    assert (closed.status_code, closed.json()["open"], closed.json()["granted"]) == (
        200,
        False,
        None,
    )
    refused = client.get("/v1/reserve/dashboard", headers=reading)
    assert (refused.status_code, problem(refused)) == (403, "audit-access-not-granted")
    again = client.post(f"/v1/auditors/{auditor.key.kid}/close", headers=treasurer)
    assert again.status_code == 200
    kid = auditor.key.kid
    assert _acts(client, treasurer)[:2] == [("auditor.close", kid), ("auditor.grant", kid)]
    assert [a for a, _ in _acts(client, treasurer)].count("auditor.close") == 1  # once


def test_a_refused_grant_leaves_no_trace(world: World, client: TestClient) -> None:
    alice, auditor = world.resident(), world.auditor()
    treasurer = sign_in(client, world.treasurer)
    before = _acts(client, treasurer)
    not_auditor = client.post(
        f"/v1/auditors/{alice.key.kid}/grant", json={"days": 3}, headers=treasurer
    )
    assert (not_auditor.status_code, problem(not_auditor)) == (422, "not-an-auditor-key")
    too_long = client.post(
        f"/v1/auditors/{auditor.key.kid}/grant", json={"days": 400}, headers=treasurer
    )
    assert too_long.status_code == 422
    unknown = client.post("/v1/auditors/0badc0de/close", headers=treasurer)
    assert problem(unknown) == "unknown-key"
    by_auditor = client.post(
        f"/v1/auditors/{auditor.key.kid}/grant", json={"days": 3}, headers=sign_in(client, auditor)
    )
    assert (by_auditor.status_code, problem(by_auditor)) == (403, "not-authorized")
    assert _acts(client, treasurer) == before
    assert client.get("/v1/auditors", headers=treasurer).json()[0]["granted"] is None
