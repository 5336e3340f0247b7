"""The reserve over HTTP: public transparency, the dashboard, statements, cosignatures, proofs."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from association.auditors import grant
from association.liabilities import LiabilityProof, verify_proof
from association.reserve_statement import add_cosignature, verify_statement
from ledger.admin import enrol_device, issue_enrolment_code
from ledger.checkpoint import verifier_key
from ledger.signing import SigningKey
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import HOST, Holder, World


def auditor(world: World, *, days: int | None = 30) -> Holder:
    """An auditor's key, with a window of `days` granted by the treasurer (None: no grant)."""
    key = SigningKey.generate()
    with world.ledger.unit_of_work() as uow:
        code = issue_enrolment_code(
            uow, account=world.treasurer.number, role="auditor", now=world.now
        )
        enrol_device(uow, code=code, public_key=key.public_bytes, now=world.now)
        if days is not None:
            grant(uow, kid=key.kid, days=days, now=world.now)
        uow.commit()
    return Holder(world.treasurer.number, key, "auditor")


def published(client: TestClient, world: World, date: str = "2026-03-31") -> dict[str, object]:
    response = client.post(
        "/v1/reserve-statements", json={"date": date}, headers=sign_in(client, world.treasurer)
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_public_sees_totals_only_and_the_latest_statement(
    world: World, client: TestClient
) -> None:
    alice, shop = world.resident(balance=30_00), world.merchant(balance=12_00)
    world.pay(alice, shop, 5_00)
    before = client.get("/v1/transparency").json()
    assert before["latest_statement"] is None
    made = published(client, world)
    seen = client.get("/v1/transparency").json()
    assert (seen["circulation"], seen["backing"], seen["coverage_bp"]) == (42_00, 42_00, 10_000)
    assert seen["holders"] == {"association": 1, "merchant": 1, "resident": 1}
    assert seen["latest_statement"]["status"] == "OK"
    assert seen["latest_note"] == made["note"]
    assert str(alice.number) not in json.dumps(seen)  # no account, no balance of anyone


def test_statements_are_listed_and_served_as_signed_notes(world: World, client: TestClient) -> None:
    world.resident(balance=10_00)
    made = published(client, world)
    listed = client.get("/v1/reserve-statements").json()
    assert [(s["id"], s["date"], s["status"]) for s in listed] == [(made["id"], "2026-03-31", "OK")]
    note = client.get(f"/v1/reserve-statements/{made['id']}")
    assert note.headers["content-type"].startswith("text/plain")
    assert verify_statement(note.text, [world.ledger.verifier_key]).liabilities == 10_00
    assert problem(client.get("/v1/reserve-statements/99")) == "unknown-reserve-statement"


def test_a_second_publication_the_same_day_is_refused(world: World, client: TestClient) -> None:
    published(client, world)
    again = client.post(
        "/v1/reserve-statements",
        json={"date": "2026-03-31"},
        headers=sign_in(client, world.treasurer),
    )
    assert problem(again) == "reserve-statement-exists"
    assert len(client.get("/v1/reserve-statements").json()) == 1


def test_only_the_treasurer_publishes(world: World, client: TestClient) -> None:
    alice = world.resident(balance=1_00)
    refused = client.post("/v1/reserve-statements", json={}, headers=sign_in(client, alice))
    assert (refused.status_code, problem(refused)) == (403, "not-authorized")


def test_the_dashboard_is_for_the_treasurer_and_auditors_only(
    world: World, client: TestClient
) -> None:
    alice = world.resident(balance=20_00)
    for reader in (world.treasurer, auditor(world)):
        d = client.get("/v1/reserve/dashboard", headers=sign_in(client, reader)).json()
        assert (d["circulation"], d["backing"], d["balanced"]) == (20_00, 20_00, True)
        assert d["compliance"]["outstanding"] == {
            "amount": 20_00,
            "threshold": 1_000_000_00,
            "usage_bp": 0,
            "level": "ok",
        }
        assert d["offices"][0]["cash"] == 20_00
    assert client.get("/v1/reserve/dashboard").status_code == 401
    ungranted = sign_in(client, auditor(world, days=None))
    assert client.get("/v1/reserve/dashboard", headers=ungranted).status_code == 403
    resident = client.get("/v1/reserve/dashboard", headers=sign_in(client, alice))
    assert (resident.status_code, problem(resident)) == (403, "not-authorized")


def _cosignature(client: TestClient, number: object, holder: Holder) -> str:
    note = client.get(f"/v1/reserve-statements/{number}").text
    name = f"{HOST}/{holder.role}"
    return add_cosignature(note, name=name, private_key=holder.key.private_key)[len(note) :]


def test_treasurer_and_auditor_cosign_and_a_resident_may_not(
    world: World, client: TestClient
) -> None:
    alice = world.resident(balance=10_00)
    made = published(client, world)
    path = f"/v1/reserve-statements/{made['id']}/cosign"
    keys, lines = [world.ledger.verifier_key], []
    for holder in (world.treasurer, auditor(world)):
        line = _cosignature(client, made["id"], holder)
        lines.append(line)
        response = client.post(path, json={"signature": line}, headers=sign_in(client, holder))
        assert response.status_code == 200, response.text
        keys.append(verifier_key(f"{HOST}/{holder.role}", holder.key.public_bytes))
    assert verify_statement(client.get(f"/v1/reserve-statements/{made['id']}").text, keys)
    line = _cosignature(client, made["id"], alice)
    resident = client.post(path, json={"signature": line}, headers=sign_in(client, alice))
    assert (resident.status_code, problem(resident)) == (403, "not-authorized")
    repeated = client.post(
        path, json={"signature": lines[0]}, headers=sign_in(client, world.treasurer)
    )
    assert problem(repeated) == "invalid-reserve-statement"


def test_a_holder_gets_the_proof_of_their_own_balance_and_no_one_else_s(
    world: World, client: TestClient
) -> None:
    alice, bob = world.resident(balance=25_00), world.resident(balance=7_00)
    made = published(client, world)
    path = f"/v1/reserve-statements/{made['id']}/proof"
    body = client.get(path, headers=sign_in(client, alice)).json()
    assert (body["account"], body["balance"], body["ledger_key"]) == (
        alice.account,
        25_00,
        world.ledger.key.public_bytes.hex(),
    )
    statement = verify_statement(body["note"], [world.ledger.verifier_key])
    proof = LiabilityProof.from_json(json.dumps(body["proof"]))
    verify_proof(statement.liabilities_root, statement.liabilities, alice.account, 25_00, proof)
    other = client.get(f"{path}?account={bob.number}", headers=sign_in(client, alice))
    assert (other.status_code, problem(other)) == (403, "not-authorized")
    assert client.get(path).status_code == 401
