"""The AGPL's section 13: every page and `GET /v1/ledger` point to the running version's source,
which the service serves itself unless `SOU_SOURCE_URL` names another place."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import ledger
from ledger.config import Settings
from tests.support import World
from wallet_api.app import create_app

PAGES = ["/", "/M/1002", "/till", "/office", "/association", "/evaluation", "/docs"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def elsewhere(world: World) -> Iterator[TestClient]:
    url = "https://git.example.org/rtz/sou/-/tree/v1.4?a=1&b=2"
    with TestClient(create_app(world.ledger, source_url=url)) as client:
        yield client


def test_the_ledger_names_where_its_source_is(client: TestClient) -> None:
    assert client.get("/v1/ledger").json()["source_url"] == "/source.tar.gz"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_links_to_the_source_in_its_footer(client: TestClient, page: str) -> None:
    body = client.get(page).text
    footer = body[body.index("<footer") : body.index("</footer>")]
    assert '<a href="/source.tar.gz"' in footer
    assert "{{" not in body


@pytest.mark.parametrize("page", PAGES)
def test_a_configured_source_url_is_linked_escaped(elsewhere: TestClient, page: str) -> None:
    body = elsewhere.get(page).text
    assert 'href="https://git.example.org/rtz/sou/-/tree/v1.4?a=1&amp;b=2"' in body


def test_a_configured_source_url_is_published_by_the_ledger(elsewhere: TestClient) -> None:
    url = elsewhere.get("/v1/ledger").json()["source_url"]
    assert url == "https://git.example.org/rtz/sou/-/tree/v1.4?a=1&b=2"


def test_the_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).source_url == "/source.tar.gz"
    configured = Settings.from_env({"SOU_SOURCE_URL": "https://forge.example/sou"})
    assert configured.source_url == "https://forge.example/sou"


def test_the_source_served_is_the_code_that_runs_with_its_licence(client: TestClient) -> None:
    response = client.get("/source.tar.gz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
        names = set(archive.getnames())
        licence = archive.extractfile("sou-source/LICENSE")
        assert licence is not None and b"GNU AFFERO GENERAL PUBLIC LICENSE" in licence.read()
        for package in ("ledger", "merchants", "association", "wallet_api", "sou"):
            assert f"sou-source/{package}/__init__.py" in names
        log = archive.extractfile("sou-source/ledger/log.py")
        assert log is not None
        assert log.read() == (Path(ledger.__file__).parent / "log.py").read_bytes()
        assert not any("__pycache__" in name for name in names)


def test_the_project_carries_the_full_agpl_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007")
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert 'license = "AGPL-3.0-or-later"' in (ROOT / "pyproject.toml").read_text()
