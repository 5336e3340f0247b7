"""`sou report evaluation`: the pilot's evaluation, month by month, and its criteria judged.

Like every administration command, it prints its result alone on its last line: the number
of months shown, or the spreadsheet written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from association.evaluation import CSV_HEADER, MonthFigures, assess, evaluation, evaluation_csv
from ledger.context import LedgerUnitOfWork
from ledger.errors import SouError
from sou.commands.common import current_settings, fail, read, save


@click.group()
def report() -> None:
    """Reports on the currency's use."""


@report.command("evaluation")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path))
def report_evaluation(csv_file: Path | None) -> None:
    """The pilot's evaluation, month by month, then its end date (SOU_PILOT_END) and each of its
    criteria judged on the last complete month; with --csv, also written to a spreadsheet."""
    setting = current_settings().pilot_end
    try:
        end = dt.date.fromisoformat(setting) if setting else None
    except ValueError:
        fail(SouError(f"SOU_PILOT_END is not a date (YYYY-MM-DD): {setting!r}"))

    def read_months(uow: LedgerUnitOfWork) -> tuple[list[MonthFigures], int]:
        now = uow.ledger.clock()
        return evaluation(uow, now=now), now

    months, now = read(read_months)
    click.echo(" | ".join(CSV_HEADER[:5]) + " | velocity (bp)")
    for m in months:
        velocity = "-" if m.velocity_bp is None else str(m.velocity_bp)
        month = m.month + (" (partial)" if m.partial else "")
        figures = (month, m.active_residents, m.active_merchants, m.payments, m.volume)
        click.echo(" | ".join(str(f) for f in figures) + f" | {velocity}")
    status = assess(months, now=now, end=end)
    if status.end is None:
        click.echo("pilot end: not set (SOU_PILOT_END)")
    else:
        click.echo(f"pilot end: {status.end.isoformat()}, {status.days_left} days left")
    click.echo("criterion | target | month judged | value | status (volume in cents, rates in bp)")
    for a in status.assessments:
        target = (">= " if a.criterion.at_least else "<= ") + str(a.criterion.target)
        value = "-" if a.value is None else str(a.value)
        verdict = {True: "MET", False: "NOT MET", None: "NOT JUDGED"}[a.met]
        click.echo(f"{a.criterion.name} | {target} | {a.month or '-'} | {value} | {verdict}")
    if csv_file is not None:
        save(csv_file, evaluation_csv(months))
    else:
        click.echo(f"{len(months)} months")


def register(main: click.Group) -> None:
    main.add_command(report)
