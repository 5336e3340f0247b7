"""The service copies SQLite's write-ahead log back into the database in the background."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.persistence.database import is_sqlite
from ledger.persistence.wal import WalCheckpointer
from ledger.signing import create_key_file
from sou.server import create
from tests.databases import Templates
from tests.support import World
from wallet_api.app import create_app


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "ledger.key"


@pytest.fixture
def sqlite_world(templates: Templates, tmp_path: Path, key_file: Path) -> Iterator[World]:
    """A world on SQLite (the checkpointer's only database), whose ledger key is in a file."""
    with templates.database("sqlite", tmp_path) as url:
        world = World(url, ledger_key=create_key_file(key_file))
        yield world
        world.close()


def database_file(world: World) -> Path:
    database = world.ledger.engine.url.database
    assert database
    return Path(database)


def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time given"
        time.sleep(0.01)


def test_payments_reach_the_database_file_without_a_commit_copying_them(
    sqlite_world: World,
) -> None:
    world = sqlite_world
    shop = world.merchant()
    payers = [world.resident(50_00) for _ in range(20)]
    world.pay(payers[0], shop, 1)
    before = database_file(world).stat().st_size
    for payer in payers:
        world.pay(payer, shop, 10_00)
    # Commits leave a short WAL alone (SQLite copies it only past `wal_autocheckpoint`):
    # the new pages are in the WAL only, and the database file has not grown.
    assert database_file(world).stat().st_size == before

    checkpointer = WalCheckpointer(world.ledger.engine, interval=0.01)
    checkpointer.start()
    try:
        until(lambda: checkpointer.checkpoints >= 2)
    finally:
        checkpointer.stop()
    assert database_file(world).stat().st_size > before
    stopped = checkpointer.checkpoints
    time.sleep(0.05)
    assert checkpointer.checkpoints == stopped  # stopped means stopped


def test_the_checkpointer_runs_on_sqlite_only(world: World) -> None:
    checkpointer = WalCheckpointer(world.ledger.engine, interval=0.01)
    checkpointer.start()
    try:
        assert checkpointer.running == is_sqlite(world.ledger.engine)
        if checkpointer.running:
            until(lambda: checkpointer.checkpoints >= 1)
    finally:
        checkpointer.stop()


def test_the_service_runs_the_checkpointer_while_it_serves(world: World) -> None:
    app = create_app(world.ledger)
    checkpointer: WalCheckpointer = app.state.wal_checkpointer
    with TestClient(app):
        assert checkpointer.running == is_sqlite(world.ledger.engine)
        if checkpointer.running:
            until(lambda: checkpointer.checkpoints >= 1)
    assert not checkpointer.running
    stopped = checkpointer.checkpoints
    time.sleep(checkpointer.interval * 2)
    assert checkpointer.checkpoints == stopped


def test_the_server_factory_freezes_what_startup_made(
    sqlite_world: World, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection in a busy worker walked some 180,000 objects made at startup and
    stopped everything for about 110 ms: the factory puts them out of the collector's sight."""
    monkeypatch.setenv("SOU_DATABASE_URL", str(sqlite_world.engine.url))
    monkeypatch.setenv("SOU_LEDGER_KEY", str(key_file))
    monkeypatch.setenv("SOU_HOST", sqlite_world.ledger.host)
    monkeypatch.setenv("SOU_CURRENCY", sqlite_world.ledger.currency)
    gc.unfreeze()
    try:
        app = create()
        assert gc.get_freeze_count() > 10_000
        app.state.ledger.engine.dispose()
    finally:
        gc.unfreeze()
