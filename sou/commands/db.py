"""`sou db upgrade`: migrate the database, and make the ledger key and the genesis if absent."""

from __future__ import annotations

import click

from ledger.bootstrap import upgrade_database
from ledger.errors import SouError
from sou.commands.common import current_settings, fail


@click.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database; create the ledger key and the genesis if absent."""
    settings = current_settings()
    try:
        ledger, created = upgrade_database(settings)
    except SouError as error:
        fail(error)
    ledger.engine.dispose()
    click.echo(f"ledger {ledger.host} ({ledger.currency}), key {ledger.key.kid}")
    click.echo("created the genesis entry" if created else "schema up to date; ledger found")


def register(main: click.Group) -> None:
    main.add_command(db)
