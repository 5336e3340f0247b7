from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from merchants.sepa import Debtor
from tests.support import World
from wallet_api.app import create_app

ASSOCIATION = Debtor("Association Rétzi", "FR7630004000031234567890143", "BNPAFRPPXXX")


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    """The HTTP service over the test's ledger."""
    with TestClient(create_app(world.ledger, debtor=ASSOCIATION)) as client:
        yield client
