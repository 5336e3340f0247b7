"""Opening a ledger from its settings: the database, the ledger key file, and the genesis.

`upgrade_database` is what `sou db upgrade` does: run the migrations, create the ledger's
key file if there is none (outside the database, mode 0600), and write the genesis entry
and the system accounts into an empty log. `open_ledger` opens an existing one and refuses
settings that disagree with the genesis the log starts with.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from ledger.admin import create_ledger
from ledger.config import Settings
from ledger.context import Ledger
from ledger.errors import SetupError
from ledger.persistence.database import make_engine
from ledger.persistence.migrate import is_current, upgrade
from ledger.persistence.store import LedgerStore
from ledger.persistence.tables import ENTRIES
from ledger.signing import SigningKey, create_key_file, load_key_file


def _genesis(ledger: Ledger) -> dict[str, object] | None:
    try:
        with ledger.engine.connect() as conn:
            signed = conn.execute(select(ENTRIES.c.signed).where(ENTRIES.c.idx == 0)).scalar()
    except DBAPIError as error:
        raise SetupError(f"cannot read the ledger ({error.orig}): run `sou db upgrade`") from None
    if signed is None:
        return None
    record: dict[str, object] = json.loads(bytes(signed).split(b"\n", 1)[1])
    return record


def _ledger(settings: Settings, key: SigningKey) -> Ledger:
    return Ledger(
        make_engine(settings.database_url),
        settings.host,
        settings.currency,
        key,
        settings.unit_name,
    )


def _check(ledger: Ledger, genesis: dict[str, object]) -> None:
    expected = {"ledger": ledger.host, "currency": ledger.currency}
    for field, value in expected.items():
        if genesis[field] != value:
            raise SetupError(
                f"this database's ledger has {field} {genesis[field]!r}, the settings {value!r}"
            )
    with ledger.engine.connect() as conn:
        rotated_to = LedgerStore(conn).ledger_kid()
    if rotated_to is not None:  # the key the latest rotation named is the one in force
        if rotated_to != ledger.key.kid:
            raise SetupError(
                f"the ledger key in force is {rotated_to} (rotated), the key file"
                f" {ledger.key.kid}: set SOU_LEDGER_KEY to the new key's file"
            )
    elif genesis["ledger_key"] != ledger.key.public_bytes.hex():
        raise SetupError(
            f"this database's ledger has ledger_key {genesis['ledger_key']!r},"
            f" the settings {ledger.key.public_bytes.hex()!r}"
        )


def upgrade_database(settings: Settings) -> tuple[Ledger, bool]:
    """Migrates, creates the key and the genesis if needed; returns (ledger, created)."""
    key_path = settings.ledger_key
    key = load_key_file(key_path) if key_path.exists() else create_key_file(key_path)
    ledger = _ledger(settings, key)
    upgrade(ledger.engine)
    genesis = _genesis(ledger)
    if genesis is not None:
        try:
            _check(ledger, genesis)
        except SetupError:
            ledger.engine.dispose()
            raise
        return ledger, False
    with ledger.unit_of_work() as uow:
        create_ledger(uow, now=ledger.clock())
        uow.commit()
    return ledger, True


def open_ledger(settings: Settings) -> Ledger:
    if not settings.ledger_key.exists():
        raise SetupError(f"no ledger key at {settings.ledger_key}: run `sou db upgrade` first")
    ledger = _ledger(settings, load_key_file(settings.ledger_key))
    try:
        genesis = _genesis(ledger)
        if genesis is None:
            raise SetupError("the ledger is empty: run `sou db upgrade` first")
        if not is_current(ledger.engine):
            raise SetupError("the database schema is not up to date: run `sou db upgrade`")
        _check(ledger, genesis)
    except SetupError:
        ledger.engine.dispose()
        raise
    return ledger
