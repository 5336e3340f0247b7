"""`/v1/platform-imports…`: the treasurer previews an export, signs its opening balances and
imports it whole; broken files and a second import are refused with a typed problem and
nothing written; an account's archive is its member's and the treasurer's."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from tests.api.problems import problem
from tests.api.test_accounts_api import sign_in
from tests.integration.test_platform_import import GENERIC, HISTORY, cyclos_files
from tests.support import World


def _body(files: dict[str, bytes], source: str = "cyclos") -> dict[str, Any]:
    return {
        "source": source,
        "files": {name: base64.b64encode(data).decode() for name, data in files.items()},
    }


def _import(
    world: World, client: TestClient, files: dict[str, bytes], source: str = "cyclos"
) -> Any:
    headers = sign_in(client, world.treasurer)
    plan = client.post("/v1/platform-imports/preview", json=_body(files, source), headers=headers)
    assert plan.status_code == 200, plan.text
    planned = plan.json()
    records = [
        world.record("conversion", world.treasurer.key, memo=planned["memo"], **fields).envelope()
        for fields in planned["records"]
    ]
    return client.post(
        "/v1/platform-imports",
        json={**_body(files, source), "records": records},
        headers=headers,
    )


def test_an_export_is_previewed_then_imported_whole(world: World, client: TestClient) -> None:
    files = cyclos_files(30, 90, seed=11)
    headers = sign_in(client, world.treasurer)
    before = world.row_counts()
    plan = client.post("/v1/platform-imports/preview", json=_body(files), headers=headers)
    assert plan.status_code == 200, plan.text
    assert world.row_counts() == before  # a preview writes nothing
    planned = plan.json()
    assert len(planned["accounts"]) == 30
    assert planned["reconciliation"]["difference"] == 0
    assert planned["reconciliation"]["debit_account"] == -planned["reconciliation"]["total"]
    done = _import(world, client, files)
    assert done.status_code == 201, done.text
    out = done.json()
    assert out["accounts"] == [a["number"] for a in planned["accounts"]]
    assert out["reconciliation"]["difference"] == 0
    first = planned["accounts"][0]
    assert world.balance(int(first["number"])) == first["balance"]
    listed = client.get("/v1/platform-imports", headers=headers).json()["imports"]
    assert [i["sha256"] for i in listed] == [planned["sha256"]]
    archive = client.get(
        f"/v1/platform-imports/archive/{first['number']}?limit=5", headers=headers
    ).json()
    assert archive["total"] >= 1 and len(archive["lines"]) <= 5
    # the same files again: refused, nothing written
    before = world.row_counts()
    again = client.post("/v1/platform-imports/preview", json=_body(files), headers=headers)
    assert again.status_code == 409 and problem(again) == "import-already-done"
    assert world.row_counts() == before


def test_broken_files_are_refused_with_a_typed_problem(world: World, client: TestClient) -> None:
    headers = sign_in(client, world.treasurer)
    files = cyclos_files(20, 60, seed=4)
    cases = [
        (
            {**files, "accounts": files["accounts"].replace(b"Solde", b"Avoir")},
            400,
            "malformed-import-file",
        ),
        (
            {**files, "accounts": files["accounts"].replace(b"membre00002;", b"personne;", 1)},
            422,
            "import-unknown-owner",
        ),
        (
            {
                **files,
                "accounts": files["accounts"].replace(b"d\xc3\xa9bit;1;-", b"d\xc3\xa9bit;1;-9"),
            },
            422,
            "import-unbalanced",
        ),
        (
            {**files, "users": files["users"] + files["users"].splitlines()[3] + b"\n"},
            422,
            "import-duplicate-login",
        ),
    ]
    before = world.row_counts()
    for broken, status, code in cases:
        extras: tuple[tuple[str, dict[str, Any]], ...] = (
            ("/v1/platform-imports/preview", {}),
            ("/v1/platform-imports", {"records": []}),
        )
        for path, extra in extras:
            answer = client.post(path, json={**_body(broken), **extra}, headers=headers)
            assert (answer.status_code, problem(answer)) == (status, code), answer.text
    answer = client.post(
        "/v1/platform-imports/preview",
        json={"source": "cyclos", "files": {"users": "%%%", "accounts": ""}},
        headers=headers,
    )
    assert (answer.status_code, problem(answer)) == (400, "malformed-import-file")
    # the files may be long strings, nothing else: the body's usual limits hold elsewhere
    long = {**_body(files), "records": [{"memo": "x" * 5000}]}
    answer = client.post("/v1/platform-imports", json=long, headers=headers)
    assert (answer.status_code, problem(answer)) == (400, "malformed-json")
    assert world.row_counts() == before


def test_records_not_matching_the_plan_are_refused(world: World, client: TestClient) -> None:
    headers = sign_in(client, world.treasurer)
    body = _body({"accounts": GENERIC.encode(), "history": HISTORY.encode()}, "generic")
    planned = client.post("/v1/platform-imports/preview", json=body, headers=headers).json()
    fields = {**planned["records"][0], "amount": planned["records"][0]["amount"] * 2}
    records = [world.record("conversion", world.treasurer.key, **fields).envelope()]
    before = world.row_counts()
    answer = client.post("/v1/platform-imports", json={**body, "records": records}, headers=headers)
    assert (answer.status_code, problem(answer)) == (422, "import-records-mismatch")
    assert world.row_counts() == before


def test_an_archive_is_read_by_its_member_and_the_treasurer_only(
    world: World, client: TestClient
) -> None:
    files = {"accounts": GENERIC.encode(), "history": HISTORY.encode()}
    done = _import(world, client, files, "generic")
    assert done.status_code == 201, done.text
    a1, b2 = (int(n) for n in done.json()["accounts"][:2])
    member = world.device(a1, "resident")
    own = client.get(f"/v1/platform-imports/archive/{a1}", headers=sign_in(client, member))
    assert own.status_code == 200
    assert [line["amount"] for line in own.json()["lines"]] == [-750, 2000]
    other = client.get(f"/v1/platform-imports/archive/{b2}", headers=sign_in(client, member))
    assert (other.status_code, problem(other)) == (403, "not-authorized")
    assert client.get(f"/v1/platform-imports/archive/{a1}").status_code == 401
    # never in the public log: the archive's texts appear in no public answer
    log = client.get("/v1/log/leaf-hashes?start=0&end=1")
    assert "Pain" not in log.text


def test_an_export_of_hundreds_of_members_goes_through_http_and_a_huge_one_is_refused(
    world: World, client: TestClient
) -> None:
    files = cyclos_files(600, 2000, seed=5)
    body = _body(files)
    assert len(str(body)) > 4 * 64 * 1024  # far beyond the other routes' limit
    done = _import(world, client, files)
    assert done.status_code == 201, done.text
    assert len(done.json()["accounts"]) == 600
    assert done.json()["reconciliation"]["difference"] == 0
    headers = sign_in(client, world.treasurer)
    before = world.row_counts()
    huge = {"source": "cyclos", "files": {"users": "A" * (16 * 1024 * 1024)}}
    refused = client.post("/v1/platform-imports/preview", json=huge, headers=headers)
    assert (refused.status_code, problem(refused)) == (413, "too-large")
    assert world.row_counts() == before
    # elsewhere the limit stays 64 KiB
    other = client.post("/v1/members/import/preview", content=b"x" * (65 * 1024), headers=headers)
    assert (other.status_code, problem(other)) == (413, "too-large")
