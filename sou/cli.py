"""The `sou` command line: serve, migrate, administer, export and audit the ledger.

Administration commands print their result alone on their last line, so scripts can use it.
Errors print a one-line message and exit with status 1 (2 for usage errors).

Each command group lives in its own module of `sou.commands`; this one assembles them.
"""

from __future__ import annotations

import click

from sou.commands import (
    admin,
    audit,
    backup,
    bank,
    db,
    export,
    member,
    merchant,
    office,
    pilot,
    platform,
    report,
    reserve,
    serve,
    treasurer,
    witness,
)
from sou.commands.serve import default_workers

GROUPS = (
    serve,
    db,
    pilot,
    audit,
    export,
    admin,
    report,
    member,
    backup,
    bank,
    merchant,
    treasurer,
    office,
    reserve,
    witness,
    platform,
)


@click.group()
def main() -> None:
    """Sou: the ledger of a citizen local currency."""


for _group in GROUPS:
    _group.register(main)

__all__ = ["default_workers", "main"]
