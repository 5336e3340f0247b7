"""`sou backup FILE` and `sou restore FILE`: one checksummed archive of the database, the
exported log and the ledger's public key (see `ledger.backup`), and its restore."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.backup import backup, restore
from ledger.errors import SouError
from sou.commands.common import current_ledger, current_settings, fail


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent archive of the ledger to FILE, while the service keeps serving."""
    if file.exists():
        fail(SouError(f"{file} exists: a backup never overwrites a file"))
    try:
        summary = backup(current_ledger(), file)
    except SouError as error:
        fail(error)
    click.echo(f"{summary.backend} database, {summary.entries} log entries up to the checkpoint")
    click.echo(f"{summary.size} bytes, sha256 {summary.sha256}")
    click.echo(str(summary.path))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Restore the archive FILE into the empty database SOU_DATABASE_URL names, and verify it."""
    try:
        summary = restore(file, current_settings().database_url)
    except SouError as error:
        fail(error)
    click.echo(f"restored a {summary.backend} database: {summary.entries} log entries")
    click.echo(
        f"its log has the archive's checkpoint root at size {summary.checkpoint_size}: verified"
    )


def register(main: click.Group) -> None:
    main.add_command(backup_command)
    main.add_command(restore_command)
