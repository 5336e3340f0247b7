"""`sou merchant …`: merchants' onboarding, business days and exports.

Like every administration command, each prints its result alone on its last line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ledger.context import LedgerUnitOfWork
from ledger.errors import SouError
from ledger.money import format_fr
from ledger.records import sign_record
from ledger.signing import load_key_file
from merchants.days import business_day_of, close_day, load_day, load_period, record_for
from merchants.exports import day_lines_csv, day_statement_pdf, takings_csv
from merchants.profiles import (
    Application,
    apply_merchant,
    approve_merchant,
    merchant_profile,
    record_membership,
)
from sou.commands.common import KINDS, current_ledger, fail, write


def _closing(text: str) -> int:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise click.BadParameter("HH:MM, e.g. 02:00") from None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise click.BadParameter("HH:MM, e.g. 02:00")
    return hours * 60 + minutes


@click.group()
def merchant() -> None:
    """Merchants: onboarding, business days, exports."""


@merchant.command("apply")
@click.option("--kind", required=True, type=KINDS)
@click.option("--name", required=True, help="Legal name.")
@click.option("--address", required=True)
@click.option("--activity", required=True)
@click.option("--iban", required=True)
@click.option("--bic")
@click.option("--parent", type=int, help="The CAE's account, for an entrepreneur.")
@click.option("--analytic-code", help="The entrepreneur's analytic code in the CAE's books.")
@click.option("--closing", default="00:00", show_default=True, help="Local end of the day.")
def merchant_apply(
    kind: str,
    name: str,
    address: str,
    activity: str,
    iban: str,
    bic: str | None,
    parent: int | None,
    analytic_code: str | None,
    closing: str,
) -> None:
    """Register a merchant's application (its account stays frozen until approved)."""
    application = Application(
        kind=kind,
        legal_name=name,
        address=address,
        activity=activity,
        iban=iban,
        bic=bic,
        parent=parent,
        analytic_code=analytic_code,
        closing_minutes=_closing(closing),
    )
    click.echo(write(lambda uow, now: apply_merchant(uow, application=application, now=now)))


@merchant.command("approve")
@click.argument("account", type=int)
def merchant_approve(account: int) -> None:
    """Approve a merchant: its account opens to payments."""
    write(lambda uow, now: approve_merchant(uow, account=account, now=now))
    click.echo("approved")


@merchant.command("membership")
@click.argument("account", type=int)
@click.argument("paid_until", type=click.DateTime(["%Y-%m-%d"]))
def merchant_membership(account: int, paid_until: dt.datetime) -> None:
    """Record the merchant's membership fee as paid until PAID_UNTIL."""
    until = paid_until.date()
    write(lambda uow, now: record_membership(uow, account=account, paid_until=until))
    click.echo(until.isoformat())


@merchant.command("day")
@click.argument("account", type=int)
@click.argument("date", type=click.DateTime(["%Y-%m-%d"]), required=False)
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path))
def merchant_day(
    account: int, date: dt.datetime | None, csv_file: Path | None, pdf_file: Path | None
) -> None:
    """Print a business day's statement (today's by default); write its CSV or PDF."""
    ledger = current_ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            profile = merchant_profile(uow, account=account)
            when = date.date() if date else business_day_of(profile, ledger.clock())
            day = load_day(uow, account=account, date=when)
    except SouError as error:
        fail(error)
    s = day.statement
    if csv_file:
        csv_file.write_bytes(day_lines_csv(s, day.lines))
    if pdf_file:
        pdf = day_statement_pdf(
            s, day.lines, merchant_name=profile.legal_name, unit=ledger.currency
        )
        pdf_file.write_bytes(pdf)
    state = "open" if day.closed_entry is None else f"closed at entry {day.closed_entry}"
    click.echo(f"{profile.legal_name} — {when.isoformat()} ({state})")
    click.echo(f"payments {s.count}, received {format_fr(s.credits)}")
    click.echo(f"refunds {format_fr(s.refunds)}, all out {format_fr(s.debits)}")
    click.echo(f"net {format_fr(s.net)}")


@merchant.command("close-day")
@click.argument("account", type=int)
@click.argument("date", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--declared", type=click.IntRange(0, 2**31 - 1), help="Cents counted.")
def merchant_close_day(
    account: int, date: dt.datetime, key_file: Path, declared: int | None
) -> None:
    """Close a business day with the merchant's key file; prints the day record's entry."""
    key = load_key_file(key_file)

    def close(uow: LedgerUnitOfWork, now: int) -> int:
        record = record_for(uow, account=account, date=date.date(), kid=key.kid, declared=declared)
        return close_day(uow, record=sign_record(record, key), now=now).index

    click.echo(write(close))


@merchant.command("takings")
@click.argument("account", type=int)
@click.argument("first", type=click.DateTime(["%Y-%m-%d"]))
@click.argument("last", type=click.DateTime(["%Y-%m-%d"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def merchant_takings(account: int, first: dt.datetime, last: dt.datetime, file: Path) -> None:
    """Write the takings of FIRST to LAST (one row per day, then the total) as CSV."""
    ledger = current_ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            days = load_period(uow, account=account, first=first.date(), last=last.date())
    except SouError as error:
        fail(error)
    file.write_bytes(takings_csv([d.statement for d in days]))
    click.echo(str(file))


def register(main: click.Group) -> None:
    main.add_command(merchant)
