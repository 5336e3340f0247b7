"""`sou backup` and `sou restore`, on both databases.

The drill: load the pilot, serve it, pay under load while `sou backup` runs, restore the archive
into a fresh database, and audit a new export of it: it verifies, every payment acknowledged
before the backup began is in it, and its log extends the checkpoint served before the backup.
Then the refusals: a corrupted or tampered archive, a database that is not empty, the other
backend; none of them leaves anything behind.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from ledger.admin import create_ledger
from ledger.backup import DUMPS, LOG, MANIFEST, backup, inspect, restore
from ledger.checkpoint import open_checkpoint
from ledger.context import Ledger
from ledger.errors import BackupError
from ledger.log import leaf_hash, merkle_root
from ledger.persistence.database import make_engine
from ledger.persistence.store import LedgerStore
from ledger.signing import create_key_file, load_key_file
from sou.pilot import load_pilot
from tests.databases import Templates
from tests.servers import running_server
from tests.support import HOST, UNIT, World

SOU = str(Path(sys.executable).with_name("sou"))
PAYERS = 4


def _sou(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOU, *args], env=env, capture_output=True, text=True, timeout=300)


def _env(url: str, key_file: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SOU_DATABASE_URL": url,
        "SOU_LEDGER_KEY": str(key_file),
        "SOU_HOST": HOST,
        "SOU_CURRENCY": UNIT,
    }


def _pilot_world(url: str, key_file: Path) -> World:
    """The pilot's month of history, then a world joined to it that holds keys to pay with."""
    key = create_key_file(key_file)
    now = int(time.time())  # the service checks records against its real clock
    engine = make_engine(url)
    ledger = Ledger(engine, HOST, UNIT, key, "Rétzi", lambda: now)
    with ledger.unit_of_work() as uow:
        create_ledger(uow, now=now)
        uow.commit()
    load_pilot(ledger, residents=12, months=1)
    engine.dispose()
    return World(url, ledger_key=key, now=int(time.time()), genesis=False)


def _post(base: str, body: bytes) -> tuple[int, dict[str, object]] | None:
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    try:
        connection.request("POST", "/v1/transfers", body, {"content-type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def _logged_ids(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            store = LedgerStore(connection)
            return [entry.record_id for entry in store.entries(0, store.size())]
    finally:
        engine.dispose()


def _leaf_hashes(export: Path) -> list[bytes]:
    with export.open("rb") as lines:
        return [
            leaf_hash(base64.b64decode(json.loads(line)["leaf"]))
            for line in lines
            if line.startswith(b'{"i":')
        ]


@pytest.fixture
def empty_url(templates: Templates, backend: str, tmp_path: Path) -> Iterator[str]:
    with templates.empty_database(backend, tmp_path) as url:
        yield url


@pytest.mark.slow  # a drill: `make test-drills` (.ci/run's own step)
def test_a_backup_taken_under_load_restores_into_a_ledger_that_verifies(
    db_url: str, empty_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "ledger.key"
    world = _pilot_world(db_url, key_file)
    try:
        shop = world.merchant()
        payers = [world.resident(balance=400 * 1_00) for _ in range(PAYERS)]
        bodies = [
            [json.dumps(world.transfer(p, shop, 1_00).envelope()).encode() for _ in range(400)]
            for p in payers
        ]
    finally:
        world.close()
    acknowledged: list[str] = []
    stop = threading.Event()
    archive = tmp_path / "sou.backup"
    with running_server(world, key_file) as (_, base):

        def pay(mine: list[bytes]) -> None:
            for body in mine:
                if stop.is_set():
                    return
                outcome = _post(base, body)
                assert outcome is not None and outcome[0] in (200, 201), outcome
                record = outcome[1]["record"]
                assert isinstance(record, dict)
                acknowledged.append(str(record["transfer"]))

        threads = [threading.Thread(target=pay, args=(mine,)) for mine in bodies]
        for thread in threads:
            thread.start()
        try:
            deadline = time.monotonic() + 30
            while len(acknowledged) < 30 and time.monotonic() < deadline:
                time.sleep(0.01)
            served = urllib.request.urlopen(base + "/v1/log/checkpoint").read().decode()
            before = list(acknowledged)
            done = _sou(_env(db_url, key_file), "backup", str(archive))
            during = len(acknowledged) - len(before)
            time.sleep(0.2)  # and the service goes on
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert during > 0, "no payment was acknowledged while the backup ran"
    assert len(acknowledged) > len(before) + during - 1

    restored = _sou(_env(empty_url, key_file), "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "verified" in restored.stdout

    export = tmp_path / "restored.jsonl"
    exported = _sou(_env(empty_url, key_file), "export", "log", str(export))
    assert exported.returncode == 0, exported.stderr
    audit = _sou(_env(empty_url, key_file), "audit", "verify", str(export))
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.strip().splitlines()[-1].startswith("OK:")

    checkpoint = open_checkpoint(
        served, name=world.ledger.origin, public_key=load_key_file(key_file).public_bytes
    )
    hashes = _leaf_hashes(export)
    assert len(hashes) >= checkpoint.size
    assert merkle_root(hashes[: checkpoint.size]) == checkpoint.root  # it extends what was served
    logged = _logged_ids(empty_url)
    assert len(logged) == len(set(logged))
    assert set(before) <= set(logged)
    entries = inspect(archive)["entries"]
    assert isinstance(entries, int) and checkpoint.size <= entries <= len(logged)


@pytest.fixture
def small(db_url: str, tmp_path: Path) -> Iterator[tuple[World, Path]]:
    world = World(db_url)
    shop, payer = world.merchant(), world.resident(balance=50_00)
    for _ in range(5):
        world.pay(payer, shop, 1_00)
    archive = tmp_path / "small.backup"
    backup(world.ledger, archive)
    yield world, archive
    world.close()


def _is_empty(url: str) -> bool:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        siblings = list(path.parent.glob(path.name + "*"))
        return not siblings
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables"
                    " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                )
            ).scalar_one()
        return bool(count == 0)
    finally:
        engine.dispose()


def _rewrite(archive: Path, target: Path, change: dict[str, bytes]) -> None:
    """A copy of `archive` with some members' bytes replaced (the manifest as it was)."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member)
            assert data is not None
            content = change.get(member.name, data.read())
            member.size = len(content)
            out.addfile(member, io.BytesIO(content))


def test_a_corrupted_archive_is_refused_and_leaves_the_database_empty(
    small: tuple[World, Path], empty_url: str, tmp_path: Path
) -> None:
    _, archive = small
    data = bytearray(archive.read_bytes())
    flipped = tmp_path / "flipped.backup"
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(archive.read_bytes()[: len(data) // 2])
    for bad in (flipped, truncated):
        with pytest.raises(BackupError, match="corrupted"):
            restore(bad, empty_url)
        assert _is_empty(empty_url)
    not_gzip = tmp_path / "plain.backup"
    not_gzip.write_bytes(gzip.decompress(archive.read_bytes())[:4096])
    with pytest.raises(BackupError, match="corrupted or not a Sou backup"):
        restore(not_gzip, empty_url)
    assert _is_empty(empty_url)


def test_a_tampered_member_is_refused(
    small: tuple[World, Path], empty_url: str, tmp_path: Path
) -> None:
    _, archive = small
    with tarfile.open(archive, "r:gz") as source:
        member = source.extractfile(LOG)
        assert member is not None
        log = member.read()
        manifest_file = source.extractfile(MANIFEST)
        assert manifest_file is not None
        manifest = json.loads(manifest_file.read())
    lines = log.splitlines(keepends=True)
    entry = json.loads(lines[3])
    leaf = bytearray(base64.b64decode(entry["leaf"]))
    leaf[-1] ^= 0x01  # one bit of one signature
    entry["leaf"] = base64.b64encode(bytes(leaf)).decode()
    lines[3] = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
    tampered_log = b"".join(lines)

    unmatched = tmp_path / "unmatched.backup"
    _rewrite(archive, unmatched, {LOG: tampered_log})
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(unmatched, empty_url)
    assert _is_empty(empty_url)

    # with the checksum made to match, the log's own signatures and checkpoint still tell
    manifest["files"][LOG] = {
        "sha256": hashlib.sha256(tampered_log).hexdigest(),
        "size": len(tampered_log),
    }
    resealed = tmp_path / "resealed.backup"
    _rewrite(
        archive, resealed, {LOG: tampered_log, MANIFEST: json.dumps(manifest, indent=2).encode()}
    )
    with pytest.raises(BackupError, match="archived log does not verify"):
        restore(resealed, empty_url)
    assert _is_empty(empty_url)


def test_a_database_that_is_not_empty_is_refused(small: tuple[World, Path], db_url: str) -> None:
    world, archive = small
    size = world.log_size()
    with pytest.raises(BackupError, match=r"not empty|holds"):
        restore(archive, db_url)
    assert world.log_size() == size


def test_an_archive_goes_back_into_its_own_backend_only(
    small: tuple[World, Path], tmp_path: Path, backend: str
) -> None:
    _, archive = small
    other = "postgresql+psycopg://postgres@127.0.0.1:1/none" if backend == "sqlite" else ""
    other = other or f"sqlite:///{tmp_path / 'other.db'}"
    with pytest.raises(BackupError, match=f"holds a {backend} database"):
        restore(archive, other)
    files = inspect(archive)["files"]
    assert isinstance(files, dict) and set(files) == {LOG, DUMPS[backend], "ledger.pub"}


def test_the_cli_refuses_to_overwrite_and_reports_a_corrupted_archive(
    small: tuple[World, Path], empty_url: str, tmp_path: Path
) -> None:
    _, archive = small
    env = _env(empty_url, tmp_path / "absent.key")
    kept = _sou(env, "backup", str(archive))
    assert kept.returncode == 1 and "exists" in kept.stderr
    broken = tmp_path / "broken.backup"
    broken.write_bytes(archive.read_bytes()[:100])
    refused = _sou(env, "restore", str(broken))
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ") and "corrupted" in refused.stderr
    assert "Traceback" not in refused.stderr
