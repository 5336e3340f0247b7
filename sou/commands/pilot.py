"""`sou pilot load`: the pilot's demo data (see `sou.pilot`)."""

from __future__ import annotations

import click

from ledger.errors import SouError
from sou.commands.common import current_ledger, fail
from sou.pilot import is_empty, load_pilot


@click.group()
def pilot() -> None:
    """The pilot's demo data."""


@pilot.command("load")
@click.option("--residents", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--months", default=3, show_default=True, type=click.IntRange(1, 120))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing if the ledger holds accounts already.")
def pilot_load(residents: int, months: int, seed: int, if_empty: bool) -> None:
    """Load the CAE pilot: an association, offices, merchants, residents, months of activity."""
    ledger = current_ledger()
    if if_empty and not is_empty(ledger):
        click.echo("the ledger already holds data: pilot not loaded")
        return
    try:
        summary = load_pilot(ledger, residents=residents, months=months, seed=seed)
    except SouError as error:
        fail(error)
    click.echo(summary)


def register(main: click.Group) -> None:
    main.add_command(pilot)
