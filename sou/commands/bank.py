"""`sou bank …`: the reserve's bank accounts and their statements.

Like every administration command, each prints its result alone on its last line.
"""

from __future__ import annotations

from pathlib import Path

import click

from association.bank_import import LineView, register_bank_account, statement_line, statement_lines
from association.errors import TopUpRefused
from association.reconciliation import match_line, post_bank_conversion, resolve_line
from association.reserve_check import reserve_check
from association.statement_import import import_statement
from ledger.context import LedgerUnitOfWork
from ledger.errors import SouError
from ledger.money import format_fr
from ledger.records import operation
from sou.commands.common import TREASURER_KEY, current_ledger, fail, write
from sou.local_keys import association_treasurer


def _line_text(view: LineView) -> str:
    what = view.status
    if view.entry is not None:
        what += f" entry {view.entry}"
    if view.batch is not None:
        what += f" batch {view.batch}"
    if view.note:
        what += f" ({view.note})"
    if view.status == "open" and view.member is not None:
        what += f" top-up for {view.member}"
    amount = format_fr(view.amount)
    return f"{view.statement}:{view.line}\t{view.date}\t{amount}\t{what}\t{view.label}"


@click.group()
def bank() -> None:
    """The reserve's bank accounts: statements, matching, top-ups by bank transfer."""


@bank.command("account")
@click.argument("iban")
@click.option("--reserve", required=True, type=click.Choice(["digital", "paper"]))
@click.option("--label", required=True, help="How the treasurer calls the account.")
def bank_account(iban: str, reserve: str, label: str) -> None:
    """Register the bank account holding the euros of the digital or the paper reserve."""

    made = write(
        lambda uow, now: register_bank_account(uow, iban=iban, reserve=reserve, label=label)
    )
    click.echo(f"{made.iban} reserve:{made.reserve}")


@bank.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--iban", help="The account, when the file holds several reserve accounts.")
def bank_import(file: Path, iban: str | None) -> None:
    """Import a statement file (camt.053, CFONB 120, French CSV); print the statement's id."""

    data = file.read_bytes()
    imported = write(lambda uow, now: import_statement(uow, data=data, now=now, iban=iban))
    click.echo(
        f"{imported.iban}: {imported.lines} lines, {imported.matched} matched, {imported.open} open"
    )
    click.echo(str(imported.id))


@bank.command("lines")
@click.option("--open", "only_open", is_flag=True, help="Only the lines left to account for.")
@click.option("--statement", type=click.IntRange(1), help="Only this statement's lines.")
def bank_lines(only_open: bool, statement: int | None) -> None:
    """List statement lines (statement:line, date, amount, status, label); then a count."""

    ledger = current_ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            views = statement_lines(
                uow, statement=statement, status=("open",) if only_open else None
            )
    except SouError as error:
        fail(error)
    for view in views:
        click.echo(_line_text(view))
    click.echo(f"{len(views)} lines")


@bank.command("check")
def bank_check() -> None:
    """The reserve check (FORMATS.md §3 invariant 3): each bank account's statement balance against
    the ledger, with what the ledger expects and the bank has not booked (in transit) and the
    lines left open; then how many accounts balance."""

    ledger = current_ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            checks = reserve_check(uow)
    except SouError as error:
        fail(error)

    def cents(amount: int | None) -> str:
        return "none" if amount is None else format_fr(amount)

    for c in checks:
        click.echo(
            f"{c.iban} reserve:{c.reserve}\tbank {cents(c.bank)}\tledger {format_fr(c.ledger)}"
            f"\texpected {format_fr(c.expected)}\tunexplained {cents(c.unexplained)}"
        )
        for t in c.in_transit:
            what = f"entry {t.entry}" if t.entry is not None else f"batch {t.batch}"
            click.echo(f"  in transit\t{t.date}\t{format_fr(t.amount)}\t{t.kind} {what}")
        for view in c.open_lines:
            click.echo(f"  open line\t{_line_text(view)}")
    balanced = sum(c.balanced for c in checks)
    click.echo(f"{balanced} of {len(checks)} bank accounts balanced")


@bank.command("resolve")
@click.argument("statement", type=click.IntRange(1))
@click.argument("line", type=click.IntRange(1))
@click.argument("note")
def bank_resolve(statement: int, line: int, note: str) -> None:
    """Explain a line the ledger does not account for (bank fees…) with a note."""

    view = write(lambda uow, now: resolve_line(uow, statement=statement, line=line, note=note))
    click.echo(_line_text(view))


@bank.command("match")
@click.argument("statement", type=click.IntRange(1))
@click.argument("line", type=click.IntRange(1))
@click.option("--entry", type=click.IntRange(0), help="a deposit or bank conversion (log entry)")
@click.option("--batch", type=click.IntRange(1), help="a payout batch")
@click.argument("note")
def bank_match(statement: int, line: int, entry: int | None, batch: int | None, note: str) -> None:
    """Match a line by hand with what the ledger still expects (see `sou bank check`), with a
    note; a difference of amounts stays in the reserve check, unexplained."""

    view = write(
        lambda uow, now: match_line(
            uow, statement=statement, line=line, entry=entry, batch=batch, note=note, now=now
        )
    )
    click.echo(_line_text(view))


@bank.command("topup")
@click.argument("statement", type=click.IntRange(1))
@click.argument("line", type=click.IntRange(1))
@TREASURER_KEY
def bank_topup(statement: int, line: int, treasurer_key: Path) -> None:
    """Credit the member a top-up line names (bank conversion, treasurer key); print the entry."""
    ledger = current_ledger()
    try:
        key, _ = association_treasurer(ledger, treasurer_key)
    except SouError as error:
        fail(error)

    def topup(uow: LedgerUnitOfWork, now: int) -> int:
        view = statement_line(uow, statement=statement, line=line)
        if view.member is None:
            raise TopUpRefused("the line is not a credit bearing a member's creditor reference")
        record = operation(
            "conversion",
            key=key,
            host=ledger.host,
            currency=ledger.currency,
            now=now,
            memo=f"Virement {view.reference}",
            method="bank",
            office=None,
            to=str(view.member),
            amount=view.amount,
        )
        posted = post_bank_conversion(uow, statement=statement, line=line, record=record, now=now)
        return posted.index

    click.echo(str(write(topup)))


def register(main: click.Group) -> None:
    main.add_command(bank)
