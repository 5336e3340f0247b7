"""`sou office …`: an exchange office's operations, signed by this machine's agent key.

Like every administration command, each prints its result alone on its last line: the
record id of an operation, the cents of a figure. The agent key is the one `sou admin
convert` uses (`--office-key`, `SOU_OFFICE_KEY`), enrolled for the first office on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from association.offices import office_view, record_office_operation
from ledger.errors import SouError
from ledger.money import format_amount
from ledger.records import MAX_WINDOW, format_time, new_nonce, sign_record
from sou.commands.common import OFFICE_KEY, current_ledger, fail
from sou.local_keys import office_agent

CENTS = click.IntRange(1, 2**31 - 1)


@click.group()
def office() -> None:
    """The exchange office of this machine: paper notes, deposits, cash."""


def _operate(office_key: Path, record_type: str, fields: Mapping[str, str | int]) -> str:
    """Signs a `record_type` operation of this machine's office, posts it; its record id."""
    ledger = current_ledger()
    try:
        key, number = office_agent(ledger, office_key)
        now = ledger.clock()
        record = sign_record(
            {
                "v": 1,
                "type": record_type,
                "ledger": ledger.host,
                "currency": ledger.currency,
                "nonce": new_nonce(),
                "kid": key.kid,
                "created": format_time(now),
                "expires": format_time(now + MAX_WINDOW),
                "memo": "",
                "office": str(number),
                **fields,
            },
            key,
        )
        with ledger.unit_of_work() as uow:
            record_office_operation(uow, record=record, now=now)
            uow.commit()
    except SouError as error:
        fail(error)
    return record.id


@office.command("paper-issue")
@click.argument("cents", type=CENTS)
@OFFICE_KEY
def paper_issue(cents: int, office_key: Path) -> None:
    """Record euros received in cash for CENTS of paper notes handed out; prints the record id."""
    click.echo(_operate(office_key, "paper_issue", {"amount": cents}))


@office.command("paper-exchange")
@click.argument("account", type=click.IntRange(1, 9_999_999_999))
@click.argument("cents", type=CENTS)
@OFFICE_KEY
def paper_exchange(account: int, cents: int, office_key: Path) -> None:
    """Take back CENTS of paper notes for digital units on ACCOUNT; prints the record id."""
    click.echo(_operate(office_key, "paper_exchange", {"to": str(account), "amount": cents}))


@office.command("deposit")
@click.argument("cents", type=CENTS)
@click.option(
    "--reserve",
    required=True,
    type=click.Choice(["digital", "paper"]),
    help="The reserve bank account the cash is paid into.",
)
@OFFICE_KEY
def deposit(cents: int, reserve: str, office_key: Path) -> None:
    """Record CENTS of the office's cash paid into a reserve account; prints the record id."""
    click.echo(_operate(office_key, "deposit", {"reserve": reserve, "amount": cents}))


@office.command("cash")
@OFFICE_KEY
def cash(office_key: Path) -> None:
    """Print the office's figures; the last line is its cash not yet deposited, in cents."""
    ledger = current_ledger()
    try:
        _, number = office_agent(ledger, office_key)
        with ledger.unit_of_work(write=False) as uow:
            view = office_view(uow, number=number)
    except SouError as error:
        fail(error)
    click.echo(f"office {view.number} ({view.name}), {view.status}")
    click.echo(f"cash conversions {format_amount(view.converted, 'EUR')}")
    click.echo(f"paper notes issued {format_amount(view.paper_issued, 'EUR')}")
    click.echo(f"paper notes exchanged {format_amount(view.paper_exchanged, 'EUR')}")
    click.echo(f"deposited {format_amount(view.deposited, 'EUR')}")
    click.echo(f"cash {format_amount(view.cash, 'EUR')}")
    click.echo(str(view.cash))


def register(main: click.Group) -> None:
    main.add_command(office)
