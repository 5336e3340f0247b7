"""`sou treasurer …`: the association's treasurer: fee rules and payouts of reconversions.

Like every administration command, each prints its result alone on its last line.
"""

from __future__ import annotations

from pathlib import Path

import click

from ledger.config import Settings
from ledger.errors import SouError
from ledger.records import operation
from merchants.payouts import approve_batch, mark_executed, set_fee_rule, waiting_reconversions
from merchants.reconversion import FeeRule
from merchants.sepa import Debtor
from sou.commands.common import KINDS, TREASURER_KEY, current_ledger, fail, write
from sou.local_keys import association_treasurer


@click.group()
def treasurer() -> None:
    """The association's treasurer: fee rules and payouts of reconversions."""


@treasurer.command("fee-rule")
@click.argument("kind", type=KINDS)
@click.argument("rate", metavar="PERCENT")
@click.option("--minimum", type=click.IntRange(1, 2**31 - 1), default=1, show_default=True)
@click.option("--membership-required/--no-membership-required", default=True)
def treasurer_fee_rule(kind: str, rate: str, minimum: int, membership_required: bool) -> None:
    """Set the reconversion fee of KIND, e.g. `2,5` (percent, at most 5)."""
    try:
        rule = FeeRule.from_percent(kind, rate, minimum=minimum)
    except SouError as error:
        fail(error)
    write(
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
    settings = Settings.from_env()
    if not (settings.reserve_iban and settings.reserve_bic):
        fail(SouError("set SOU_RESERVE_IBAN and SOU_RESERVE_BIC (the reserve's bank account)"))
    assert settings.reserve_iban and settings.reserve_bic
    debtor = Debtor(settings.association_name, settings.reserve_iban, settings.reserve_bic)
    ledger = current_ledger()
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
        fail(error)
    sepa_file.write_bytes(batch.sepa_file)
    click.echo(f"{batch.count} payouts, {batch.total} cents, file {sepa_file}")
    click.echo(str(batch.id))


@treasurer.command("executed")
@click.argument("batch", type=int)
def treasurer_executed(batch: int) -> None:
    """Mark a payout batch executed (the bank statement shows it)."""
    write(lambda uow, now: mark_executed(uow, number=batch, now=now))
    click.echo("executed")


def register(main: click.Group) -> None:
    main.add_command(treasurer)
