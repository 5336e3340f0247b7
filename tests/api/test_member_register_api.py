"""The members' register at the office and the console (issue 20, part 4): find members by
name, contact or number, correct them, close an empty account, and import a spreadsheet,
previewed line by line and taken whole or not at all."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook

from ledger.acts import acts
from ledger.holders import set_holder
from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.support import Holder, World


def _named(world: World, name: str, contact: str | None = None, balance: int = 0) -> Holder:
    holder = world.resident(balance=balance)
    with world.ledger.unit_of_work() as uow:
        set_holder(uow, number=holder.number, name=name, contact=contact)
        uow.commit()
    return holder


def _find(client: TestClient, headers: dict[str, str], query: str) -> Any:
    response = client.get(f"/v1/members?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_members_are_found_by_name_without_case_or_accents_by_contact_and_by_number(
    world: World, client: TestClient
) -> None:
    elodie = _named(world, "Élodie Martin", "elodie@example.org", balance=12_50)
    _named(world, "Karim Benali", "06 12 34 56 78")
    agent = sign_in(client, world.office)
    found = _find(client, agent, "q=ELODIE")
    assert found == {
        "total": 1,
        "members": [
            {
                "number": elodie.account,
                "kind": "resident",
                "status": "open",
                "balance": 12_50,
                "name": "Élodie Martin",
                "contact": "elodie@example.org",
            }
        ],
    }
    assert [m["name"] for m in _find(client, agent, "q=06%2012")["members"]] == ["Karim Benali"]
    assert _find(client, agent, f"q={elodie.number}")["members"][0]["name"] == "Élodie Martin"
    # the office and the association's own accounts are not members
    everyone = _find(client, agent, "limit=200")
    assert {m["kind"] for m in everyone["members"]} == {"resident"}
    assert world.office.account not in {m["number"] for m in everyone["members"]}
    # filters and pages
    assert _find(client, agent, "kind=merchant")["total"] == 0
    page = _find(client, agent, "limit=1&offset=1")
    assert page["total"] == 2 and len(page["members"]) == 1


def test_a_correction_names_the_fields_changed_not_their_values(
    world: World, client: TestClient
) -> None:
    alice = _named(world, "Alice Durand", "alice@example.org")
    headers = sign_in(client, world.office)
    response = client.patch(
        f"/v1/members/{alice.number}", json={"name": "  Alice   Durand-Roy ", "contact": ""}
    )
    assert response.status_code == 401
    response = client.patch(
        f"/v1/members/{alice.number}",
        json={"name": "  Alice   Durand-Roy ", "contact": ""},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Alice Durand-Roy"
    assert response.json()["contact"] is None
    with world.ledger.unit_of_work(write=False) as uow:
        trail = [a for a in acts(uow, subject=alice.account) if a.act == "member.edit"]
    assert [a.detail for a in trail] == [{"fields": ["name", "contact"]}]
    assert "Durand" not in str(trail[0].detail)


def test_a_bad_correction_is_refused_and_changes_nothing(world: World, client: TestClient) -> None:
    alice = _named(world, "Alice Durand", "alice@example.org")
    headers = sign_in(client, world.treasurer)
    before = world.row_counts()
    for body in ({"name": " "}, {"name": "x" * 141}, {"contact": "not a contact"}):
        response = client.patch(f"/v1/members/{alice.number}", json=body, headers=headers)
        assert response.status_code == 400, body
        assert problem(response) == "invalid-member-details"
    assert world.row_counts() == before
    other = client.patch(
        f"/v1/members/{alice.number}", json={"name": "X"}, headers=sign_in(client, alice)
    )
    assert other.status_code == 403
    shop = client.get(
        f"/v1/members/{world.office.number}", headers=sign_in(client, world.treasurer)
    )
    assert shop.status_code == 404 and problem(shop) == "unknown-account"


def test_an_account_closes_only_empty_and_its_devices_are_revoked(
    world: World, client: TestClient
) -> None:
    alice = _named(world, "Alice Durand", balance=3_00)
    phone = world.new_device(alice)
    headers = sign_in(client, world.office)
    before = world.row_counts()
    refused = client.post(f"/v1/members/{alice.number}/close", headers=headers)
    assert refused.status_code == 422
    assert problem(refused) == "account-not-empty"
    assert world.row_counts() == before
    # the member gives the balance to the association from their phone (its card is public,
    # as a shop's: the wallet shows whom it pays), then it closes
    card = client.get(f"/v1/accounts/{world.treasurer.number}").json()
    assert (card["kind"], card["balance"]) == ("association", None)
    world.pay(phone, world.treasurer, 3_00)
    closed = client.post(f"/v1/members/{alice.number}/close", headers=headers)
    assert closed.status_code == 200, closed.text
    assert closed.json() == {"number": alice.account, "status": "closed", "devices_revoked": 2}
    assert client.get("/v1/ledger").status_code == 200
    with world.ledger.unit_of_work(write=False) as uow:
        assert {k.status for k in uow.reads.keys(account=alice.number)} == {"revoked"}
        assert "member.close" in {a.act for a in acts(uow, subject=alice.account)}
    again = client.post(f"/v1/members/{alice.number}/close", headers=headers)
    assert again.status_code == 422 and problem(again) == "account-not-open"
    # and now the treasurer may erase it
    erased = client.post(
        f"/v1/members/{alice.number}/erase", headers=sign_in(client, world.treasurer)
    )
    assert erased.status_code == 200 and erased.json()["holder"] is True


CSV = (
    "Prénom;Nom;Courriel;Téléphone;Consentement;Ville\n"
    "Élodie;Martin;elodie@example.org;;oui;Rétz\n"
    "Karim;Benali;;06 12 34 56 78;X;Rétz\n"
    ";;;;;\n"
    "Jeanne;Roux;jeanne@example.org;;OUI;\n"
)


def _post(client: TestClient, path: str, data: bytes, headers: dict[str, str]) -> Any:
    return client.post(path, content=data, headers=headers)


def test_a_spreadsheet_is_previewed_then_imported_whole(world: World, client: TestClient) -> None:
    headers = sign_in(client, world.treasurer)
    data = CSV.encode("iso8859-15")  # as an older Excel saves it
    before = world.row_counts()
    seen = _post(client, "/v1/members/import/preview", data, headers)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert world.row_counts() == before  # a preview writes nothing
    assert body["errors"] == 0
    assert body["ignored_columns"] == ["Ville"]
    assert [(x["line"], x["name"], x["contact"]) for x in body["lines"]] == [
        (2, "Élodie Martin", "elodie@example.org"),
        (3, "Karim Benali", "06 12 34 56 78"),
        (5, "Jeanne Roux", "jeanne@example.org"),
    ]
    done = _post(client, "/v1/members/import", data, headers)
    assert done.status_code == 201, done.text
    numbers = done.json()["accounts"]
    assert len(numbers) == 3
    found = _find(client, headers, "q=benali")["members"]
    assert [(m["number"], m["contact"]) for m in found] == [(numbers[1], "06 12 34 56 78")]
    with world.ledger.unit_of_work(write=False) as uow:
        kinds = {a.act for a in acts(uow, subject=numbers[0])}
        assert {"account.open", "account.consent"} <= kinds
    # the same file again: every line is already a member, and nothing is written
    before = world.row_counts()
    again = _post(client, "/v1/members/import", data, headers)
    assert again.status_code == 422 and problem(again) == "member-import-refused"
    assert world.row_counts() == before
    lines = _post(client, "/v1/members/import/preview", data, headers).json()["lines"]
    assert {tuple(x["errors"]) for x in lines} == {("already-member",)}


def test_a_workbook_is_read_like_a_csv(world: World, client: TestClient) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Email", "Consent"])
    sheet.append(["Ada Lovelace", "ada@example.org", "yes"])
    sheet.append(["Ada Lovelace", "ada@example.org", "yes"])
    sheet.append(["", "nobody", ""])
    file = io.BytesIO()
    book.save(file)
    headers = sign_in(client, world.treasurer)
    body = _post(client, "/v1/members/import/preview", file.getvalue(), headers).json()
    assert [(x["line"], x["errors"]) for x in body["lines"]] == [
        (2, []),
        (3, ["duplicate-in-file"]),
        (4, ["name-missing", "contact-invalid", "consent-missing"]),
    ]
    assert body["errors"] == 2
    before = world.row_counts()
    refused = _post(client, "/v1/members/import", file.getvalue(), headers)
    assert refused.status_code == 422 and problem(refused) == "member-import-refused"
    assert world.row_counts() == before


def test_broken_member_files_are_refused_with_a_reason(world: World, client: TestClient) -> None:
    headers = sign_in(client, world.treasurer)
    for data in (
        b"",
        b"Ville;Code\nRetz;44\n",  # no name column
        b"Nom;Email\nAda;ada@example.org\n",  # no consent column
        b"PK\x03\x04not really a workbook",
        b"Nom;Consentement\n" + b"A;oui\n" * 20_000,  # over 64 KiB
    ):
        response = _post(client, "/v1/members/import/preview", data, headers)
        assert response.status_code in (400, 413), (data[:30], response.text)
        if response.status_code == 400:
            assert problem(response) == "malformed-member-file"
    header_only = _post(client, "/v1/members/import", b"Nom;Consentement\n", headers)
    assert problem(header_only) == "malformed-member-file"
    agent = _post(client, "/v1/members/import/preview", CSV.encode(), sign_in(client, world.office))
    assert agent.status_code == 403
