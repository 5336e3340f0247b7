from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import BACKENDS, POSTGRES_URL, Templates
from tests.support import World


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"sou: database tests run on SQLite and PostgreSQL ({POSTGRES_URL})"
    return (
        "sou: SOU_TEST_POSTGRES_URL is not set: database tests run on SQLite only "
        "(the PostgreSQL half, and the concurrency tests that need it, are not run)"
    )


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(templates: Templates, backend: str, tmp_path: Path) -> Iterator[str]:
    with templates.database(backend, tmp_path) as url:
        yield url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL, the tests that need it are deselected (and the header says so)."""
    if POSTGRES_URL:
        return
    kept = [item for item in items if "postgres_url" not in getattr(item, "fixturenames", ())]
    deselected = [item for item in items if item not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture
def postgres_url(templates: Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL database, for the tests that need real concurrency."""
    assert POSTGRES_URL, "deselected without SOU_TEST_POSTGRES_URL"
    with templates.database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    world = World(db_url)
    yield world
    world.close()
