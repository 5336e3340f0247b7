"""What the command groups share: the settings, the ledger they open, one committed or reading
unit of work per command, refusals printed as one line, files written whole, shared options.

Errors print a one-line message and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.context import Ledger, LedgerUnitOfWork
from ledger.errors import SouError
from ledger.money import format_fr

T = TypeVar("T")

FILE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
KINDS = click.Choice(["business", "cae", "local_authority", "association"])
OFFICE_KEY = click.option(
    "--office-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("SOU_OFFICE_KEY", "sou-office.key"),
    show_default="SOU_OFFICE_KEY or sou-office.key",
)
TREASURER_KEY = click.option(
    "--treasurer-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("SOU_TREASURER_KEY", "sou-treasurer.key"),
    show_default="SOU_TREASURER_KEY or sou-treasurer.key",
)


def current_settings() -> Settings:
    try:
        return Settings.from_env()
    except SouError as error:
        fail(error)


def fail(error: Exception) -> NoReturn:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


def current_ledger() -> Ledger:
    """The ledger the settings name, closed with the command."""
    try:
        ledger = open_ledger(current_settings())
    except SouError as error:
        fail(error)
    click.get_current_context().call_on_close(ledger.engine.dispose)
    ledger.actor = f"shell:{_user()}"  # the acts `sou` records name who ran it (ledger.acts)
    return ledger


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return str(os.getuid())


def write(action: Callable[[LedgerUnitOfWork, int], T]) -> T:
    """Runs `action(uow, now)` in one committed unit of work; a refusal ends the command."""
    ledger = current_ledger()
    try:
        with ledger.unit_of_work() as uow:
            result = action(uow, ledger.clock())
            uow.commit()
    except SouError as error:
        fail(error)
    return result


def read(action: Callable[[LedgerUnitOfWork], T]) -> T:
    """Runs `action(uow)` in a reading unit of work; a refusal ends the command."""
    ledger = current_ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            return action(uow)
    except SouError as error:
        fail(error)


def save(file: Path, content: bytes) -> None:
    """Writes `content` to `file` whole or not at all (a `.part` file first); prints its name."""
    tmp = file.with_name(file.name + ".part")
    tmp.write_bytes(content)
    os.replace(tmp, file)
    click.echo(str(file))


def progress_bar() -> Progress:
    """A progress bar on standard error, when it is a terminal."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    )


def euros(cents: int) -> str:
    return f"{format_fr(cents)} €"
