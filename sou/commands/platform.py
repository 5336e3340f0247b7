"""`sou import cyclos|generic|archive`: coming from another platform (association.platform_import).

Without --confirm a command only prints the plan's reconciliation; with it, the treasurer key
file (`--treasurer-key`, as `sou treasurer`) signs every opening balance and the import is done
whole in one transaction, or refused whole. The last line is the import's number.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from association import platform_import
from ledger.errors import SouError
from ledger.records import operation
from sou.commands.common import TREASURER_KEY, current_ledger, euros, fail, read
from sou.local_keys import association_treasurer

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)
CONFIRM = click.option("--confirm", is_flag=True, help="sign and import (else only the plan)")


@click.group("import")
def platform() -> None:
    """Coming from another platform: members, balances and history (Cyclos 4, generic CSV)."""


def _print(reconciliation: Mapping[str, object]) -> None:
    for side in ("before", "after"):
        kinds = reconciliation[side]
        assert isinstance(kinds, dict)
        for kind, figures in kinds.items():
            click.echo(
                f"{side} {kind}: {figures['accounts']} accounts, {euros(figures['balance'])}"
            )
    debit = reconciliation.get("debit_account")
    if isinstance(debit, int):
        click.echo(f"before debit account: {euros(debit)}")
    history = reconciliation.get("history")
    if isinstance(history, dict):
        sums = ", ".join(f"{k} {euros(v)}" for k, v in history.items())
        click.echo(f"history sums: {sums}")
    for side in ("ledger_before", "ledger_after"):
        totals = reconciliation.get(side)
        if isinstance(totals, dict):
            click.echo(f"{side}: " + ", ".join(f"{k} {euros(v)}" for k, v in totals.items()))
    total = reconciliation["total"]
    difference = reconciliation["difference"]
    assert isinstance(total, int) and isinstance(difference, int)
    click.echo(f"total brought: {euros(total)}; difference: {euros(difference)}")


def _go(source: str, files: dict[str, bytes | None], confirm: bool, key_file: Path) -> None:
    ledger = current_ledger()
    try:
        parsed = platform_import.parse(source, files)
        # the key first: enrolling a new treasurer opens the association's account
        key = association_treasurer(ledger, key_file)[0] if confirm else None
    except SouError as error:
        fail(error)
    plan = read(lambda uow: platform_import.plan(uow, parsed))
    first = plan.accounts[0].number if plan.accounts else "-"
    click.echo(
        f"{len(plan.accounts)} accounts to open from {first}, {len(plan.records)} opening"
        f" balances, {plan.transfers} transfers to archive"
    )
    _print(plan.reconciliation)
    if not confirm:
        click.echo("preview only")
        return
    assert key is not None
    try:
        now = ledger.clock()
        records = [
            operation(
                "conversion",
                key=key,
                host=ledger.host,
                currency=ledger.currency,
                now=now,
                memo=plan.memo,
                method="import",
                office=None,
                to=str(opening.number),
                amount=opening.balance,
            )
            for opening in plan.accounts
            if opening.balance > 0
        ]
        with ledger.unit_of_work() as uow:
            done = platform_import.run(uow, parsed, records=records, now=now)
            uow.commit()
    except SouError as error:
        fail(error)
    _print(done.reconciliation)
    span = f"{done.accounts[0]}–{done.accounts[-1]}" if done.accounts else "-"
    click.echo(f"{len(done.accounts)} accounts opened ({span}), {done.transfers} archive rows")
    click.echo(str(done.id))


@platform.command("cyclos")
@click.option("--users", type=INPUT, required=True, help="the users' CSV")
@click.option("--accounts", type=INPUT, required=True, help="the accounts' CSV")
@click.option("--transfers", type=INPUT, help="the transfers' CSV (the history)")
@CONFIRM
@TREASURER_KEY
def import_cyclos(
    users: Path, accounts: Path, transfers: Path | None, confirm: bool, treasurer_key: Path
) -> None:
    """A Cyclos 4 export: users, accounts and (optionally) transfers CSV files."""
    files = {
        "users": users.read_bytes(),
        "accounts": accounts.read_bytes(),
        "transfers": transfers.read_bytes() if transfers else None,
    }
    _go("cyclos", files, confirm, treasurer_key)


@platform.command("generic")
@click.option("--accounts", type=INPUT, required=True, help="accounts with opening balances")
@click.option("--history", type=INPUT, help="the history's CSV")
@CONFIRM
@TREASURER_KEY
def import_generic(
    accounts: Path, history: Path | None, confirm: bool, treasurer_key: Path
) -> None:
    """The generic CSV: one file of accounts with their balances, one optional of history."""
    files = {
        "accounts": accounts.read_bytes(),
        "history": history.read_bytes() if history else None,
    }
    _go("generic", files, confirm, treasurer_key)


@platform.command("archive")
@click.argument("account", type=int)
@click.option("--limit", type=click.IntRange(1, 10**6), default=50, show_default=True)
def import_archive(account: int, limit: int) -> None:
    """An account's history on the old platform, newest first (personal data)."""
    total, lines = read(lambda uow: platform_import.archive(uow, account=account, limit=limit))
    for x in lines:
        click.echo(f"{x.date} {euros(x.amount)} {x.counterparty} — {x.description} ({x.reference})")
    click.echo(str(total))


def register(main: click.Group) -> None:
    main.add_command(platform)
