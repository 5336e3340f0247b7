"""`sou export log|fec|csv|beancount`: the log, for `sou audit verify`, and the association's
books.

Each prints the file written on its last line. Files are written whole or not at all (to a
`.part` file first, renamed once complete).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from association.accounting import beancount_file, fec_file, journal_csv, journal_entries
from ledger.errors import SouError
from ledger.export import export_log
from ledger.selfcheck import self_check
from sou.commands.common import FILE, current_ledger, read, save


@click.group()
def export() -> None:
    """Export the ledger."""


@export.command("log")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_log_command(file: Path) -> None:
    """Write the whole log (entries, checkpoints, keys) to FILE, for `sou audit verify`."""
    ledger = current_ledger()
    damage = self_check(ledger, alarm=False).damage
    if damage is not None:  # an export of a damaged log would be a damaged file: none is written
        click.echo(f"error: the stored log is damaged, nothing written: {damage}", err=True)
        click.echo("run `sou audit db` for every finding", err=True)
        sys.exit(1)
    tmp = file.with_name(file.name + ".part")
    try:
        with ledger.unit_of_work() as uow, tmp.open("w", encoding="utf-8") as out:
            summary = export_log(uow, out)
            uow.commit()
    except (SouError, LookupError, ValueError) as error:  # changed while exporting
        tmp.unlink(missing_ok=True)
        click.echo(f"error: the export stopped, nothing written: {error}", err=True)
        sys.exit(1)
    os.replace(tmp, file)
    click.echo(f"{summary.entries} entries, {summary.checkpoints} checkpoints")
    click.echo(str(file))


@export.command("fec")
@FILE
@click.option("--year", type=click.IntRange(2000, 9999), help="One year, after its à-nouveaux.")
def export_fec(file: Path, year: int | None) -> None:
    """Write the FEC (A47 A-1 LPF) of the association's books to FILE."""
    save(file, read(lambda uow: fec_file(uow, year=year)))


@export.command("csv")
@FILE
def export_csv(file: Path) -> None:
    """Write the journal of the association's books to FILE, as a French spreadsheet."""
    save(file, read(lambda uow: journal_csv(journal_entries(uow))))


@export.command("beancount")
@FILE
def export_beancount(file: Path) -> None:
    """Write the association's books to FILE in beancount's format (`bean-check` accepts it)."""
    save(file, read(beancount_file).encode("utf-8"))


def register(main: click.Group) -> None:
    main.add_command(export)
