"""`POST /v1/transfers` answers the same through the fast path (`wallet_api.hotpath`) as through
FastAPI's routed endpoint: the same requests, sent in the same order to two services over two
ledgers built alike (same keys, same clock), get the same status, headers and body, byte for
byte: a payment, its retry, a conflicting retry and every refusal a payment can meet."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import wallet_api.routes.transfers as transfer_routes
from ledger.records import operation, sign_record
from ledger.signing import SigningKey
from tests.api.conftest import ASSOCIATION
from tests.databases import Templates
from tests.support import HOST, UNIT, Holder, World
from wallet_api.app import create_app
from wallet_api.hotpath import HotPath

Request = tuple[bytes, dict[str, str]]  # body, headers
Answer = tuple[int, list[tuple[str, str]], bytes]


def alike_world(url: str, monkeypatch: pytest.MonkeyPatch) -> World:
    """A world whose keys come from a counter: two built in turn hold the same keys."""
    counter = itertools.count()

    def generate(cls: type[SigningKey]) -> SigningKey:
        return cls.from_private_bytes(hashlib.sha256(b"key %d" % next(counter)).digest())

    monkeypatch.setattr(SigningKey, "generate", classmethod(generate))
    return World(url)


def scenario(world: World) -> Iterator[Request]:
    """The requests, made once (their nonces are random) and sent to both services."""
    alice, bob, shop = world.resident(50_00), world.resident(0), world.merchant()
    frozen = world.resident(10_00)
    revoked = world.new_device(alice)
    world.revoke(revoked.key)
    world.set_status(frozen, "frozen")
    json_type = {"content-type": "application/json"}

    def send(envelope: dict[str, Any], **headers: str) -> Request:
        return json.dumps(envelope).encode(), {**json_type, **headers}

    def transfer(payer: Any = alice, payee: Any = shop, cents: int = 12_50, **kw: Any) -> Request:
        return send(world.transfer(payer, payee, cents, **kw).envelope())

    paid = world.transfer(alice, shop, 12_50, memo="Pain et fromage, merci !")
    yield send(paid.envelope())  # accepted: 201 and a receipt
    yield send(paid.envelope())  # a retry: 200, the same receipt
    conflicting = {**paid.envelope()["record"], "amount": 1_00}
    yield send(
        sign_record(conflicting, alice.key, paid.memo).envelope()
    )  # same nonce, another amount
    yield transfer(cents=1_000_00)  # beyond the balance
    yield transfer(payee=alice)  # to oneself
    forged = world.transfer(alice, shop, 1_00, key=SigningKey.from_private_bytes(bytes(32)))
    envelope = forged.envelope()
    yield send({**envelope, "record": {**envelope["record"], "kid": alice.key.kid}})
    yield transfer(key=revoked.key)  # a revoked key
    stranger = SigningKey.from_private_bytes(hashlib.sha256(b"stranger").digest())
    yield transfer(key=stranger)  # a key the ledger does not know
    yield transfer(payer=bob, payee=alice, key=alice.key)  # a key of another account
    yield transfer(payer=frozen)  # from a frozen account
    yield transfer(payee=Holder(999_999, alice.key, "resident"))  # to no account
    wrong_ledger = operation(
        "transfer", key=alice.key, host="elsewhere.example", currency=UNIT, now=world.now,
        from_=alice.account, to=shop.account, amount=1_00, payreq=None, ref=None,
    )  # fmt: skip
    yield send(wrong_ledger.envelope())
    stale = operation(
        "transfer", key=alice.key, host=HOST, currency=UNIT, now=world.now - 30 * 86_400,
        from_=alice.account, to=shop.account, amount=1_00, payreq=None, ref=None,
    )  # fmt: skip
    yield send(stale.envelope())  # created long ago
    conversion = world.record(
        "conversion", world.office.key, method="cash", office=world.office.account,
        to=alice.account, amount=1_00,
    )  # fmt: skip
    yield send(conversion.envelope())  # not a transfer
    base = paid.envelope()
    yield send({**base, "record": {**base["record"], "amount": 0}})  # not a positive amount
    yield send({**base, "record": {**base["record"], "amount": "12.50"}})  # amount as a string
    yield send({**base, "record": {**base["record"], "amount": 1e3}})  # as a float
    huge = json.dumps({**base, "record": {**base["record"], "amount": 7}}).encode()
    yield huge.replace(b'"amount": 7', b'"amount": ' + b"9" * 5_000), json_type  # 5,000 digits
    yield send({**base, "sig": "AAAA"})  # a signature of the wrong size
    yield send({**base, "memo": {"text": "autre chose", "salt": base["memo"]["salt"]}})
    yield b"[1, 2, 3]", json_type  # not an object
    yield b"{", json_type  # not JSON
    yield b"", json_type  # no body
    yield b"[" * 8_000 + b"]" * 8_000, json_type  # nested beyond any limit
    yield b'{"record": {}, "record": {}}', json_type  # a duplicate key
    yield json.dumps(base).encode(), {"content-type": "text/plain"}
    yield b"x" * 70_000, json_type  # beyond the size limit
    yield transfer(payee=bob, cents=1_00)  # and a last good one, after all the refusals


def serve(world: World, *, fast: bool) -> FastAPI:
    app = create_app(world.ledger, debtor=ASSOCIATION)
    if not fast:  # the same service without the fast path: FastAPI routes the payment
        app.user_middleware = [m for m in app.user_middleware if cast(object, m.cls) is not HotPath]
    return app


def answers(app: FastAPI, requests: list[Request]) -> list[Answer]:
    got = []
    with TestClient(app) as client:
        for n, (body, headers) in enumerate(requests):
            response = client.post(
                "/v1/transfers", content=body, headers={**headers, "x-request-id": f"req-{n}"}
            )
            got.append((response.status_code, list(response.headers.items()), response.content))
    return got


@pytest.fixture
def routed_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the payments that went through FastAPI's route (the fast path calls the handler
    it imported, not the module's name that the route calls)."""
    calls: list[int] = []
    handler = transfer_routes.post_transfer

    async def counted(request: Any) -> Any:
        calls.append(1)
        return await handler(request)

    monkeypatch.setattr(transfer_routes, "post_transfer", counted)
    return calls


def test_the_fast_path_answers_byte_for_byte_as_the_routed_endpoint(
    templates: Templates,
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    routed_calls: list[int],
) -> None:
    runs: dict[bool, list[Answer]] = {}
    requests: list[Request] = []
    for fast in (True, False):
        folder = tmp_path / ("fast" if fast else "routed")
        folder.mkdir()
        with templates.database(backend, folder) as url:
            world = alike_world(url, monkeypatch)
            try:
                made = list(scenario(world))
                requests = requests or made  # the first world's requests, for both
                before = len(routed_calls)
                runs[fast] = answers(serve(world, fast=fast), requests)
                through_route = len(routed_calls) - before
            finally:
                world.close()
            # the fast path never reached the route; without it, every parsed body did
            assert (through_route == 0) if fast else (through_route > len(requests) // 2)
    assert runs[True] == runs[False]
    statuses = [status for status, _, _ in runs[True]]
    assert statuses[:2] == [201, 200] and statuses[-1] == 201
    kinds = {
        json.loads(body)["type"].rsplit(":", 1)[-1]
        for status, _, body in runs[True]
        if status >= 400
    }
    # every refusal above met its own problem (a new one would show as a difference first)
    assert {
        "duplicate-conflict", "insufficient-funds", "invalid-signature", "revoked-key",
        "unknown-key", "not-authorized", "account-not-open", "unknown-account", "wrong-ledger",
        "expired", "malformed-record", "malformed-json", "too-large", "invalid-transfer",
    } <= kinds, kinds  # fmt: skip
