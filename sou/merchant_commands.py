"""`sou merchant …` and `sou treasurer …`: merchants' days and the association's office.

Like every administration command, each prints its result alone on its last line.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledger.errors import SouError
from sou.cli import _fail, _ledger, _write, main

if TYPE_CHECKING:
    from ledger.context import LedgerUnitOfWork

KINDS = click.Choice(["business", "cae", "local_authority", "association"])
TREASURER_KEY = click.option(
    "--treasurer-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("SOU_TREASURER_KEY", "sou-treasurer.key"),
    show_default="SOU_TREASURER_KEY or sou-treasurer.key",
)


def _closing(text: str) -> int:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise click.BadParameter("HH:MM, e.g. 02:00") from None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise click.BadParameter("HH:MM, e.g. 02:00")
    return hours * 60 + minutes


@main.group()
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
    from merchants.profiles import Application, apply_merchant

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
    click.echo(_write(lambda uow, now: apply_merchant(uow, application=application, now=now)))


@merchant.command("approve")
@click.argument("account", type=int)
def merchant_approve(account: int) -> None:
    """Approve a merchant: its account opens to payments."""
    from merchants.profiles import approve_merchant

    _write(lambda uow, now: approve_merchant(uow, account=account, now=now))
    click.echo("approved")


@merchant.command("membership")
@click.argument("account", type=int)
@click.argument("paid_until", type=click.DateTime(["%Y-%m-%d"]))
def merchant_membership(account: int, paid_until: dt.datetime) -> None:
    """Record the merchant's membership fee as paid until PAID_UNTIL."""
    from merchants.profiles import record_membership

    until = paid_until.date()
    _write(lambda uow, now: record_membership(uow, account=account, paid_until=until))
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
    from ledger.money import format_fr
    from merchants.days import business_day_of, load_day
    from merchants.exports import day_lines_csv, day_statement_pdf
    from merchants.profiles import merchant_profile

    ledger = _ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            profile = merchant_profile(uow, account=account)
            when = date.date() if date else business_day_of(profile, ledger.clock())
            day = load_day(uow, account=account, date=when)
    except SouError as error:
        _fail(error)
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
    from ledger.records import sign_record
    from ledger.signing import load_key_file
    from merchants.days import close_day, record_for

    key = load_key_file(key_file)

    def close(uow: LedgerUnitOfWork, now: int) -> int:
        record = record_for(uow, account=account, date=date.date(), kid=key.kid, declared=declared)
        return close_day(uow, record=sign_record(record, key), now=now).index

    click.echo(_write(close))


@merchant.command("takings")
@click.argument("account", type=int)
@click.argument("first", type=click.DateTime(["%Y-%m-%d"]))
@click.argument("last", type=click.DateTime(["%Y-%m-%d"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def merchant_takings(account: int, first: dt.datetime, last: dt.datetime, file: Path) -> None:
    """Write the takings of FIRST to LAST (one row per day, then the total) as CSV."""
    from merchants.days import load_period
    from merchants.exports import takings_csv

    ledger = _ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            days = load_period(uow, account=account, first=first.date(), last=last.date())
    except SouError as error:
        _fail(error)
    file.write_bytes(takings_csv([d.statement for d in days]))
    click.echo(str(file))


@main.group()
def treasurer() -> None:
    """The association's treasurer: fee rules and payouts of reconversions."""


@treasurer.command("fee-rule")
@click.argument("kind", type=KINDS)
@click.argument("rate", metavar="PERCENT")
@click.option("--minimum", type=click.IntRange(1, 2**31 - 1), default=1, show_default=True)
@click.option("--membership-required/--no-membership-required", default=True)
def treasurer_fee_rule(kind: str, rate: str, minimum: int, membership_required: bool) -> None:
    """Set the reconversion fee of KIND, e.g. `2,5` (percent, at most 5)."""
    from merchants.payouts import set_fee_rule
    from merchants.reconversion import FeeRule

    try:
        rule = FeeRule.from_percent(kind, rate, minimum=minimum)
    except SouError as error:
        _fail(error)
    _write(
        lambda uow, now: set_fee_rule(
            uow, rule=rule, membership_required=membership_required, now=now
        )
    )
    click.echo(f"{kind} {rule.percent}")


@treasurer.command("payouts")
@TREASURER_KEY
@click.option("--sepa", "sepa_file", required=True, type=click.Path(path_type=Path))
def treasurer_payouts(treasurer_key: Path, sepa_file: Path) -> None:
    """Approve every waiting reconversion in one batch; write its SEPA file; print the batch."""
    from ledger.config import Settings
    from ledger.records import operation
    from merchants.payouts import approve_batch, waiting_reconversions
    from merchants.sepa import Debtor
    from sou.local_keys import association_treasurer

    settings = Settings.from_env()
    if not (settings.reserve_iban and settings.reserve_bic):
        _fail(SouError("set SOU_RESERVE_IBAN and SOU_RESERVE_BIC (the reserve's bank account)"))
    assert settings.reserve_iban and settings.reserve_bic
    debtor = Debtor(settings.association_name, settings.reserve_iban, settings.reserve_bic)
    ledger = _ledger()
    try:
        key, _ = association_treasurer(ledger, treasurer_key)
        now = ledger.clock()
        with ledger.unit_of_work() as uow:
            records = [
                operation(
                    "payout",
                    key=key,
                    host=ledger.host,
                    currency=ledger.currency,
                    now=now,
                    reconversion=w.record_id,
                    amount=w.net,
                )
                for w in waiting_reconversions(uow)
            ]
            batch = approve_batch(uow, payouts=records, debtor=debtor, now=now)
            uow.commit()
    except SouError as error:
        _fail(error)
    sepa_file.write_bytes(batch.sepa_file)
    click.echo(f"{batch.count} payouts, {batch.total} cents, file {sepa_file}")
    click.echo(str(batch.id))


@treasurer.command("executed")
@click.argument("batch", type=int)
def treasurer_executed(batch: int) -> None:
    """Mark a payout batch executed (the bank statement shows it)."""
    from merchants.payouts import mark_executed

    _write(lambda uow, now: mark_executed(uow, number=batch, now=now))
    click.echo("executed")
