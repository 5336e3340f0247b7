"""Payments over real HTTP: the service under uvicorn (two workers) on PostgreSQL."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.audit import verify_log
from ledger.export import export_log
from ledger.signing import create_key_file
from tests.servers import all_at_once, running_service
from tests.support import World


@dataclass
class Service:
    url: str
    world: World

    def post(self, path: str, body: object) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture
def service(postgres_url: str, tmp_path: Path) -> Iterator[Service]:
    key_file = tmp_path / "ledger.key"
    world = World(postgres_url, ledger_key=create_key_file(key_file))
    world.now = int(time.time())  # the service checks records against its real clock
    try:
        with running_service(world, key_file, workers=2) as url:
            yield Service(url, world)
    finally:
        world.close()


@pytest.mark.slow  # a drill: `make test-drills` (.ci/run's own step)
def test_32_clients_paying_from_one_account_get_exactly_what_it_holds(
    service: Service, tmp_path: Path
) -> None:
    world = service.world
    payer, shop = world.resident(balance=5_00), world.merchant()
    envelopes = [world.transfer(payer, shop, 1_00).envelope() for _ in range(32)]
    results = all_at_once(32, lambda i: service.post("/v1/transfers", envelopes[i]))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 5 + [422] * 27
    refusals = {body["type"] for status, body in results if status == 422}
    assert refusals == {"urn:sou:problem:insufficient-funds"}
    assert (world.balance(payer), world.balance(shop)) == (0, 5_00)
    log = tmp_path / "ledger.log"
    with world.ledger.unit_of_work() as uow, log.open("w") as out:
        export_log(uow, out)
        uow.commit()
    report = verify_log(log, ledger_key=world.ledger.key.public_bytes)
    assert report.counts["transfer"] == 5


def test_a_client_retrying_a_timed_out_payment_gets_the_same_receipt(service: Service) -> None:
    world = service.world
    payer, shop = world.resident(balance=5_00), world.merchant()
    envelope = world.transfer(payer, shop, 2_00).envelope()
    results = all_at_once(8, lambda _: service.post("/v1/transfers", envelope))
    assert sorted(status for status, _ in results) == [200] * 7 + [201]
    assert len({json.dumps(body, sort_keys=True) for _, body in results}) == 1
    assert world.balance(payer) == 3_00
