"""Backups: one checksummed archive of the database, the exported log and the ledger's public
key, taken while the service serves; and its restore into an empty database.

The archive is a gzip-compressed tar of four members, written in this order:

- `MANIFEST.json`: the format (`sou-backup/1`), when and from which backend it was taken, the
  ledger (host, unit, origin, public key), the final checkpoint of the exported log, and the
  SHA-256 and size of each other member;
- `log.jsonl`: the whole log as `sou export log` writes it, ending with a checkpoint signed
  for it (see `ledger.export`);
- `database.sqlite` (SQLite's online backup API) or `database.pgdump` (`pg_dump` in its custom
  format, one consistent snapshot);
- `ledger.pub`: the ledger's public key, in hex, and its checkpoint verifier key.

The log is exported first and the database copied after: the log is append-only, so the copy
holds every entry the archive's checkpoint covers (and perhaps more, posted meanwhile).
Restoring checks every checksum, audits the archived log, refuses a database that holds
anything, loads the copy, and ends by checking that the restored log has the archived
checkpoint's root at its size. A restore that fails that check leaves the database empty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from ledger.audit import verify_log
from ledger.checkpoint import Checkpoint, open_checkpoint
from ledger.context import Ledger
from ledger.errors import AuditFailure, BackupError, CheckpointError
from ledger.export import export_log
from ledger.persistence.database import make_engine
from ledger.persistence.migrate import is_current
from ledger.persistence.store import LedgerStore

FORMAT = "sou-backup/1"
MANIFEST = "MANIFEST.json"
LOG = "log.jsonl"
PUBLIC_KEY = "ledger.pub"
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    backend: str
    entries: int  # in the archived log, which its checkpoint covers
    checkpoint: str  # that checkpoint's note
    size: int  # bytes of the archive
    sha256: str  # of the archive


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    backend: str
    entries: int  # in the restored log (at least the archived checkpoint's size)
    checkpoint_size: int
    checkpoint: str


# --- taking a backup --------------------------------------------------------------------------


def backup(ledger: Ledger, path: Path) -> BackupSummary:
    """Writes the archive to `path` (through a temporary file beside it, renamed at the end)."""
    backend = ledger.engine.dialect.name
    if backend not in DUMPS:
        raise BackupError(f"cannot back up a {backend} database")
    with tempfile.TemporaryDirectory(prefix="sou-backup-") as work_dir:
        work = Path(work_dir)
        with ledger.unit_of_work() as uow, (work / LOG).open("w", encoding="ascii") as out:
            exported = export_log(uow, out)
            uow.commit()  # the checkpoint export_log signed for the whole log
        final = _final_checkpoint(work / LOG)
        with (work / LOG).open("rb") as log:
            header = json.loads(log.readline())
        dump = work / DUMPS[backend]
        if backend == "sqlite":
            _sqlite_copy(_sqlite_path(ledger.engine.url), dump)
        else:
            _pg_dump(ledger.engine.url, dump)
        (work / PUBLIC_KEY).write_text(
            f"{ledger.key.public_bytes.hex()}\n{ledger.verifier_key}\n", encoding="ascii"
        )
        members = [LOG, DUMPS[backend], PUBLIC_KEY]
        manifest = {
            "format": FORMAT,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "backend": backend,
            "host": ledger.host,
            "currency": ledger.currency,
            "origin": ledger.origin,
            "ledger_key": header["ledger_key"],  # the genesis's: the chain of keys starts there
            "checkpoint_verifier": header["checkpoint_verifier"],
            "key_in_force": ledger.key.public_bytes.hex(),
            "entries": exported.entries,
            "checkpoint": final,
            "files": {name: _digest(work / name) for name in members},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="ascii")
        partial = path.with_name(path.name + ".part")
        # The archive holds personal data (who paid whom): readable by its owner only.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            with tarfile.open(fileobj=file, mode="w:gz") as archive:
                for name in [MANIFEST, *members]:
                    archive.add(work / name, arcname=name, recursive=False, filter=_anonymous)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    digest = _digest(path)
    return BackupSummary(
        path=path,
        backend=backend,
        entries=exported.entries,
        checkpoint=final,
        size=path.stat().st_size,
        sha256=str(digest["sha256"]),
    )


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _final_checkpoint(log: Path) -> str:
    final = None
    with log.open("rb") as lines:
        for line in lines:
            if line.startswith(b'{"checkpoint":'):
                final = line
    if final is None:
        raise BackupError("the exported log holds no checkpoint")
    note: str = json.loads(final)["checkpoint"]
    return note


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy, while writers go on (WAL mode)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step, inside one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq URI of a SQLAlchemy URL, and the environment carrying its password (kept off
    the command line, where any user of the machine could read it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{what} failed: {last}")


def _pg_dump(url: URL, target: Path) -> None:
    uri, env = _libpq(url)
    _run(["pg_dump", "--format=custom", "--file", str(target), uri], env, "pg_dump")


# --- reading an archive -----------------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[tuple[dict[str, object], Path]]:
    """The archive's manifest, and a folder holding its members, each checked against it."""
    with tempfile.TemporaryDirectory(prefix="sou-restore-") as work_dir:
        work = Path(work_dir)
        try:
            with tarfile.open(path, "r:gz") as archive:
                members = archive.getmembers()
                names = [m.name for m in members]
                if not names or names[0] != MANIFEST or len(set(names)) != len(names):
                    raise BackupError(f"{path} is not a Sou backup (no {MANIFEST} first)")
                for member in members:
                    if not member.isfile() or "/" in member.name or member.name.startswith("."):
                        raise BackupError(f"{path}: unexpected member {member.name!r}")
                    source = archive.extractfile(member)
                    assert source is not None  # a regular file
                    with source, (work / member.name).open("wb") as out:
                        shutil.copyfileobj(source, out, _CHUNK)
        except (tarfile.TarError, EOFError, OSError, ValueError) as error:
            if isinstance(error, FileNotFoundError):
                raise BackupError(f"{path}: no such file") from None
            raise BackupError(f"{path} is corrupted or not a Sou backup ({error})") from None
        try:
            manifest = json.loads((work / MANIFEST).read_text(encoding="ascii"))
        except (ValueError, UnicodeDecodeError):
            raise BackupError(f"{path}: its {MANIFEST} is not JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{path}: not a {FORMAT} archive")
        files = manifest.get("files")
        backend = manifest.get("backend")
        if backend not in DUMPS or not isinstance(files, dict):
            raise BackupError(f"{path}: its {MANIFEST} names no backend or files")
        expected = {MANIFEST, LOG, PUBLIC_KEY, DUMPS[str(backend)]}
        present = {p.name for p in work.iterdir()}
        if present != expected or set(files) != expected - {MANIFEST}:
            raise BackupError(f"{path}: members {sorted(present)} are not {sorted(expected)}")
        for name, recorded in files.items():
            if _digest(work / name) != recorded:
                raise BackupError(f"{path}: {name} does not match its checksum: corrupted")
        yield manifest, work


def _digest(path: Path) -> dict[str, object]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return {"sha256": sha.hexdigest(), "size": size}


def inspect(path: Path) -> dict[str, object]:
    """An archive's manifest, once every member matched its checksum."""
    with _opened(path) as (manifest, _):
        return manifest


# --- restoring --------------------------------------------------------------------------------


def restore(path: Path, database_url: str) -> RestoreSummary:
    """Restores the archive at `path` into the empty database at `database_url`."""
    target = make_url(database_url)
    backend = target.get_backend_name()
    with _opened(path) as (manifest, work):
        if manifest["backend"] != backend:
            raise BackupError(
                f"the archive holds a {manifest['backend']} database; "
                f"restore it into {manifest['backend']}, not {backend}"
            )
        ledger_key = bytes.fromhex(str(manifest["ledger_key"]))
        try:
            report = verify_log(work / LOG, ledger_key=ledger_key, workers=0)
        except AuditFailure as failure:
            raise BackupError(f"the archived log does not verify: {failure.message}") from None
        if report.checkpoint != manifest["checkpoint"]:
            raise BackupError("the archived log does not end with the manifest's checkpoint")
        try:
            checkpoint = open_checkpoint(
                report.checkpoint,
                name=str(manifest["origin"]),
                public_key=bytes.fromhex(report.key_in_force),
            )
        except CheckpointError as error:
            raise BackupError(f"the archive's checkpoint: {error.message}") from None
        dump = work / DUMPS[backend]
        if backend == "sqlite":
            return _restore_sqlite(dump, _sqlite_path(target), checkpoint, manifest)
        return _restore_postgres(dump, target, checkpoint, manifest)


def _restore_sqlite(
    dump: Path, target: Path, checkpoint: Checkpoint, manifest: dict[str, object]
) -> RestoreSummary:
    if target.exists() and target.stat().st_size > 0:
        raise BackupError(f"{target} exists and is not empty: restore into a new file")
    for side in (Path(f"{target}-wal"), Path(f"{target}-journal")):
        if side.exists():
            raise BackupError(f"{side} exists: restore into a new file")
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    _sqlite_copy(dump, partial)
    engine = make_engine(f"sqlite:///{partial}")
    try:
        summary = _check_restored(engine, checkpoint, manifest)
    except BackupError:
        engine.dispose()
        partial.unlink(missing_ok=True)
        raise
    engine.dispose()
    os.replace(partial, target)
    return summary


def _restore_postgres(
    dump: Path, target: URL, checkpoint: Checkpoint, manifest: dict[str, object]
) -> RestoreSummary:
    engine = make_engine(target.render_as_string(hide_password=False))
    try:
        try:
            with engine.connect() as connection:
                tables = connection.execute(_PG_TABLES).scalar_one()
        except DBAPIError as error:
            raise BackupError(f"cannot reach the target database ({error.orig})") from None
        if tables:
            raise BackupError(
                f"the target database holds {tables} tables: restore into an empty database"
            )
        uri, env = _libpq(target)
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        try:
            _run([*command, "--dbname", uri, str(dump)], env, "pg_restore")
            return _check_restored(engine, checkpoint, manifest)
        except BackupError:
            _empty_postgres(engine)  # it was empty: leave it so
            raise
    finally:
        engine.dispose()


_PG_TABLES = text(
    "SELECT count(*) FROM information_schema.tables"
    " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
)


def _empty_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        for (schema,) in connection.execute(
            text(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
                " AND nspname <> 'information_schema'"
            )
        ):
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.execute(text("CREATE SCHEMA IF NOT EXISTS public"))


def _check_restored(
    engine: Engine, checkpoint: Checkpoint, manifest: dict[str, object]
) -> RestoreSummary:
    """The restored log holds the archived checkpoint's entries, with its root at its size."""
    try:
        if not is_current(engine):
            raise BackupError("the restored schema is not at the migrations' head")
        with engine.connect() as connection:
            store = LedgerStore(connection)
            size = store.size()
            if size < checkpoint.size:
                raise BackupError(
                    f"the restored log holds {size} entries, fewer than the archive's "
                    f"checkpoint of size {checkpoint.size}"
                )
            genesis = next(iter(store.entries(0, 1)), None)
            if (
                genesis is None
                or json.loads(genesis.signed.split(b"\n", 1)[1]).get("ledger_key")
                != manifest["ledger_key"]
            ):
                raise BackupError("the restored genesis does not name the archive's ledger key")
            if store.frontier(checkpoint.size).root() != checkpoint.root:
                raise BackupError(
                    f"the restored log's root at size {checkpoint.size} is not the checkpoint's"
                )
    except DBAPIError as error:
        raise BackupError(f"the restored database cannot be read ({error.orig})") from None
    except KeyError:
        raise BackupError("the restored log lacks nodes of its tree") from None
    return RestoreSummary(
        backend=str(manifest["backend"]),
        entries=size,
        checkpoint_size=checkpoint.size,
        checkpoint=checkpoint.text,
    )


__all__ = ["BackupSummary", "RestoreSummary", "backup", "inspect", "restore"]
