"""`sou member export|erase-memo|erase`: a member's data rights.

Like every administration command, each prints its result alone on its last line.
"""

from __future__ import annotations

from pathlib import Path

import click

from association.members import erase_member, erase_memo, member_data, member_html, member_json
from sou.commands.common import read, write


@click.group()
def member() -> None:
    """A member's data rights: export everything held about them, erase a closed account's."""


@member.command("export")
@click.argument("number", type=int)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path))
def member_export(number: int, html_file: Path | None) -> None:
    """Print everything held about the holder of account NUMBER as JSON; with --html, also
    write it as a page to read and print."""
    data = read(lambda uow: member_data(uow, number=number))
    if html_file is not None:
        html_file.write_text(member_html(data), encoding="utf-8")
    click.echo(member_json(data))


@member.command("erase-memo")
@click.argument("entry", type=int)
def member_erase_memo(entry: int) -> None:
    """Erase the memo of entry ENTRY (its record keeps the commitment and still verifies)."""
    write(lambda uow, now: erase_memo(uow, entry=entry))
    click.echo(f"erased the memo of entry {entry}")


@member.command("erase")
@click.argument("number", type=int)
def member_erase(number: int) -> None:
    """Erase the personal data of closed account NUMBER (name, contact, device labels, a
    shop's name, address and IBAN, its movements' memos, its bank lines); the log and the
    accounts stay whole."""
    erased = write(lambda uow, now: erase_member(uow, number=number))
    click.echo(
        f"erased: holder {'yes' if erased.holder else 'none'}, {erased.devices} device labels,"
        f" shop {'yes' if erased.merchant else 'none'}, {erased.memos} memos,"
        f" {erased.bank_lines} bank lines"
    )
    click.echo(str(number))


def register(main: click.Group) -> None:
    main.add_command(member)
