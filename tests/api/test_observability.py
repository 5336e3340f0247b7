"""What operators see, from a real `sou serve`: JSON log lines with a request id on each and no
secret or personal data in any; Prometheus metrics behind their setting and address list,
summed over worker processes; forwarded headers believed only from the trusted proxies; HSTS
over HTTPS only."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ledger.signing import create_key_file
from tests.api.test_accounts_api import sign_in
from tests.servers import free_port
from tests.support import World

SOU = str(Path(sys.executable).with_name("sou"))


@contextmanager
def sou_serve(
    world: World, key_file: Path, log: Path, *, workers: int = 1, settings: Mapping[str, str] = {}
) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "SOU_DATABASE_URL": world.engine.url.render_as_string(hide_password=False),
        "SOU_LEDGER_KEY": str(key_file),
        "SOU_HOST": world.ledger.host,
        "SOU_CURRENCY": world.ledger.currency,
        **settings,
    }
    command = [SOU, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as stderr:
        server = subprocess.Popen(command, env=env, stderr=stderr, stdout=stderr)
        try:
            for _ in range(300):
                try:
                    if _get(f"http://127.0.0.1:{port}", "/healthz")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            else:
                raise RuntimeError(log.read_text())
            yield f"http://127.0.0.1:{port}"
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def _get(
    base: str, path: str, headers: Mapping[str, str] = {}
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    try:
        connection.request("GET", path, headers=dict(headers))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _post(base: str, path: str, body: object) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    try:
        data = json.dumps(body).encode()
        connection.request("POST", path, data, {"content-type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[World, Path]]:
    key_file = tmp_path / "ledger.key"
    world = World(db_url, ledger_key=create_key_file(key_file))
    world.now = int(time.time())  # the service checks records against its real clock
    yield world, key_file
    world.close()


def test_every_log_line_is_json_with_its_request_id_and_no_secret(
    served: tuple[World, Path], tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from wallet_api.app import create_app

    world, key_file = served
    payer, shop = world.resident(balance=10_00), world.merchant()
    with TestClient(create_app(world.ledger)) as local:
        token = sign_in(local, payer)["authorization"].split()[1]
    memo = "Cadeau pour Mme Etxeberria"
    log = tmp_path / "sou.log"
    with sou_serve(world, key_file, log) as base:
        status, headers, _ = _get(
            base,
            f"/v1/accounts/{payer.number}?secret=s3cr3t",
            {"authorization": f"Bearer {token}", "x-request-id": "till-7.abc"},
        )
        assert (status, headers["x-request-id"]) == (200, "till-7.abc")
        paid, _ = _post(
            base, "/v1/transfers", world.transfer(payer, shop, 1_00, memo=memo).envelope()
        )
        assert paid == 201
        _, generated, _ = _get(base, "/v1/nowhere")
        assert len(generated["x-request-id"]) == 16
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines and all(
        {"ts", "level", "logger", "message", "request_id"} <= set(x) for x in lines
    )
    access = [x for x in lines if x["logger"] == "sou.access"]
    routes = {(x["method"], x["route"], x["status"]) for x in access}
    assert ("GET", "/v1/accounts/{number}", 200) in routes
    assert ("POST", "/v1/transfers", 201) in routes
    assert ("GET", "unmatched", 404) in routes
    mine = [x for x in access if x["route"] == "/v1/accounts/{number}"]
    assert mine[0]["request_id"] == "till-7.abc" and mine[0]["duration_ms"] >= 0
    assert generated["x-request-id"] in {x["request_id"] for x in access}
    for secret in (token, memo, "s3cr3t", payer.key.kid, f"/v1/accounts/{payer.number}"):
        assert secret not in text, secret


def test_a_request_id_that_is_not_plain_is_replaced(
    served: tuple[World, Path], tmp_path: Path
) -> None:
    world, key_file = served
    with sou_serve(world, key_file, tmp_path / "sou.log") as base:
        _, headers, _ = _get(base, "/healthz", {"x-request-id": "a" * 65})
        assert len(headers["x-request-id"]) == 16
        _, headers, _ = _get(base, "/healthz", {"x-request-id": "x\ty"})
        assert headers["x-request-id"] != "x\ty"


def _metrics(base: str) -> dict[str, float]:
    status, _, body = _get(base, "/metrics")
    assert status == 200, body
    values: dict[str, float] = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


@pytest.mark.parametrize("workers", [1, 2])
def test_metrics_count_payments_problems_and_batches_and_read_the_ledger(
    served: tuple[World, Path], tmp_path: Path, workers: int
) -> None:
    world, key_file = served
    payer, shop = world.resident(balance=10_00), world.merchant()
    on = {"SOU_METRICS": "1"}
    with sou_serve(world, key_file, tmp_path / "sou.log", workers=workers, settings=on) as base:
        for _ in range(4):  # over separate connections: with two workers, both take some
            assert (
                _post(base, "/v1/transfers", world.transfer(payer, shop, 1_00).envelope())[0] == 201
            )
        too_much = world.transfer(payer, shop, 50_00).envelope()
        assert _post(base, "/v1/transfers", too_much)[0] == 422
        values = _metrics(base)
    assert values['sou_payments_total{outcome="accepted"}'] == 4
    assert values['sou_payments_total{outcome="insufficient-funds"}'] == 1
    assert values['sou_problems_total{type="insufficient-funds"}'] == 1
    assert values["sou_batch_size_count"] >= 1 and values["sou_batch_size_sum"] >= 4
    route = 'method="POST",route="/v1/transfers",status="201"'
    counts = {k: v for k, v in values.items() if k.startswith("sou_request_duration_seconds_c")}
    assert counts.get(f"sou_request_duration_seconds_count{{{route}}}") == 4, counts
    assert values["sou_log_entries"] == world.log_size()
    assert values["sou_circulation_cents"] == 10_00
    assert values["sou_backing_cents"] == 10_00
    assert values["sou_coverage_ratio"] == 1.0


def test_metrics_are_off_by_default_and_only_for_the_allowed_addresses(
    served: tuple[World, Path], tmp_path: Path
) -> None:
    world, key_file = served
    with sou_serve(world, key_file, tmp_path / "off.log") as base:
        status, headers, _ = _get(base, "/metrics")
        assert (status, headers["content-type"]) == (404, "application/problem+json")
    elsewhere = {
        "SOU_METRICS": "1",
        "SOU_METRICS_ALLOW": "10.0.0.0/8",
        "SOU_TRUSTED_PROXIES": "192.0.2.1",  # a proxy elsewhere: the test's peer is not it
    }
    with sou_serve(world, key_file, tmp_path / "elsewhere.log", settings=elsewhere) as base:
        assert _get(base, "/metrics")[0] == 404  # 127.0.0.1 is not in 10.0.0.0/8
        # a forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing
        forged = {"x-forwarded-for": "10.1.2.3"}
        assert _get(base, "/metrics", forged)[0] == 404
    proxied = {**elsewhere, "SOU_TRUSTED_PROXIES": "127.0.0.1"}
    with sou_serve(world, key_file, tmp_path / "proxied.log", settings=proxied) as base:
        # from the trusted proxy (127.0.0.1 here), the client it names is believed
        assert _get(base, "/metrics", {"x-forwarded-for": "10.1.2.3"})[0] == 200


def test_forwarded_headers_are_believed_only_from_the_trusted_proxies_and_hsts_over_https(
    served: tuple[World, Path], tmp_path: Path
) -> None:
    world, key_file = served
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
    nobody = {"SOU_TRUSTED_PROXIES": "192.0.2.1"}  # not 127.0.0.1, where the test connects from
    with sou_serve(world, key_file, tmp_path / "untrusted.log", settings=nobody) as base:
        _, headers, _ = _get(base, "/healthz", https)
        assert "strict-transport-security" not in {k.lower() for k in headers}
    with sou_serve(world, key_file, tmp_path / "trusted.log") as base:  # the default: 127.0.0.1
        _, headers, _ = _get(base, "/healthz", https)
        lower = {k.lower(): v for k, v in headers.items()}
        assert lower["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        _, plain, _ = _get(base, "/healthz")
        assert "strict-transport-security" not in {k.lower() for k in plain}
