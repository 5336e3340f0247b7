"""SIGTERM under load: the server stops taking connections, finishes the requests it has,
posts every payment its batcher still holds, and exits; every payment it acknowledged with a
receipt is in the log, once."""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ledger import transparency
from ledger.signing import create_key_file
from tests.servers import running_server
from tests.support import World

PAYERS = 6
PAYMENTS = 250  # each payer's: more than the load gets through before the signal


def _post(base: str, body: bytes) -> tuple[int, dict[str, object]] | None:
    """One payment over its own connection; None if the server would not take it."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.netloc, timeout=30)
    try:
        connection.request("POST", "/v1/transfers", body, {"content-type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


@pytest.mark.slow  # a drill: `make test-drills` (.ci/run's own step)
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_under_load_loses_no_acknowledged_payment(
    db_url: str, tmp_path: Path, workers: int
) -> None:
    key_file = tmp_path / "ledger.key"
    world = World(db_url, ledger_key=create_key_file(key_file))
    try:
        world.now = int(time.time())  # the service checks records against its real clock
        shop = world.merchant()
        payers = [world.resident(balance=PAYMENTS * 1_00) for _ in range(PAYERS)]
        bodies = [
            [json.dumps(world.transfer(p, shop, 1_00).envelope()).encode() for _ in range(PAYMENTS)]
            for p in payers
        ]
        acknowledged: list[str] = []
        refused: list[int] = []
        with running_server(world, key_file, workers=workers) as (server, base):
            started = threading.Barrier(PAYERS + 1)

            def pay(mine: list[bytes]) -> None:
                started.wait()
                for body in mine:
                    outcome = _post(base, body)
                    if outcome is None:
                        return  # the server has stopped taking connections
                    status, answer = outcome
                    if status in (200, 201):
                        record = answer["record"]
                        assert isinstance(record, dict)
                        acknowledged.append(str(record["transfer"]))
                    else:
                        refused.append(status)

            threads = [threading.Thread(target=pay, args=(mine,)) for mine in bodies]
            for thread in threads:
                thread.start()
            started.wait()
            deadline = time.monotonic() + 30
            while len(acknowledged) < 40 and time.monotonic() < deadline:
                time.sleep(0.005)  # the signal lands mid-load, with payments in flight
            server.send_signal(signal.SIGTERM)
            # uvicorn re-raises the signal once it has shut down (one worker), or exits 0
            assert server.wait(timeout=30) in (0, -signal.SIGTERM)
            for thread in threads:
                thread.join(timeout=60)
        assert acknowledged, "the load ended before any payment was acknowledged"
        assert len(acknowledged) < PAYERS * PAYMENTS, "the signal came after the whole load"
        assert set(refused) <= {503}, refused  # a request cut short is a retryable problem
        with world.ledger.unit_of_work() as uow:
            size = uow.store.size()
            logged = [
                entry.record_id
                for start in range(0, size, transparency.MAX_PAGE)
                for entry in transparency.entries(
                    uow, start=start, end=min(size, start + transparency.MAX_PAGE)
                )
            ]
        assert len(logged) == len(set(logged))
        assert set(acknowledged) <= set(logged)
        assert len(set(acknowledged)) == len(acknowledged)
    finally:
        world.close()
