"""Brings a database's schema up to date with the Alembic migrations (the only schema maker).

One chain of revisions makes the whole schema, but each package keeps the migrations of its
own tables beside them: the ledger's in `ledger/persistence/migrations/versions/`, the
merchants' in `merchants/migrations/`, the association's in `association/migrations/`. A new
revision goes into the folder of the package whose tables it changes, and revises the head.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
_PACKAGES = Path(__file__).resolve().parents[2]
VERSIONS = (
    MIGRATIONS / "versions",
    _PACKAGES / "merchants" / "migrations",
    _PACKAGES / "association" / "migrations",
)


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(v) for v in VERSIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_current(engine: Engine) -> bool:
    """Whether the database's schema is at the migrations' head."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current == head
