from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support import World
from wallet_api.app import create_app


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    """The HTTP service over the test's ledger."""
    with TestClient(create_app(world.ledger)) as client:
        yield client
