"""Fresh, migrated databases for tests: a SQLite file, or a PostgreSQL database.

Each test gets its own database, copied from a template migrated once per session by the
Alembic migrations (the only schema maker), so tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from ledger.persistence.database import make_engine
from ledger.persistence.migrate import upgrade

POSTGRES_URL = os.environ.get("SOU_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


class Templates:
    """Migrated template databases, made on first use and dropped at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sqlite: Path | None = None
        self.postgres: str | None = None

    def admin_engine(self) -> Engine:
        return make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=_null_pool())

    def sqlite_template(self) -> Path:
        if self.sqlite is None:
            path = self.workdir / "template.db"
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            self.sqlite = path
        return self.sqlite

    def postgres_template(self) -> str:
        if self.postgres is None:
            name = f"sou_template_{os.getpid()}"
            admin = self.admin_engine()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            engine = make_engine(_with_database(name), poolclass=_null_pool())
            upgrade(engine)
            engine.dispose()
            self.postgres = name
        return self.postgres

    @contextmanager
    def database(self, backend: str, tmp_path: Path) -> Iterator[str]:
        """The URL of a fresh database of `backend`, dropped afterwards."""
        if backend == "sqlite":
            path = tmp_path / f"sou-{uuid.uuid4().hex[:8]}.db"
            shutil.copy(self.sqlite_template(), path)
            yield f"sqlite:///{path}"
            return
        template = self.postgres_template()
        name = f"sou_test_{uuid.uuid4().hex[:12]}"
        admin = self.admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        try:
            yield _with_database(name)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    @contextmanager
    def empty_database(self, backend: str, tmp_path: Path) -> Iterator[str]:
        """The URL of a database of `backend` with nothing in it (not even the schema)."""
        if backend == "sqlite":
            yield f"sqlite:///{tmp_path / f'empty-{uuid.uuid4().hex[:8]}.db'}"
            return
        name = f"sou_empty_{uuid.uuid4().hex[:12]}"
        admin = self.admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield _with_database(name)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    def close(self) -> None:
        if self.postgres is not None:
            admin = self.admin_engine()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.postgres}" WITH (FORCE)'))
            admin.dispose()


def _with_database(name: str) -> str:
    url = make_url(POSTGRES_URL).set(database=name)
    return url.render_as_string(hide_password=False)


def _null_pool() -> type:
    from sqlalchemy.pool import NullPool

    return NullPool
