"""`sou export fec|csv|beancount`, the auditor's access (`sou admin auditor …`) and
`sou report evaluation`.

Like every administration command, each prints its result alone on its last line: the file
written, the end of an auditor's window, or the number of rows shown. Files are written whole
or not at all (to a `.part` file first, renamed once complete).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from ledger.errors import SouError
from sou.cli import _fail, _ledger, _settings, _write, admin, export, main

if TYPE_CHECKING:
    from ledger.context import LedgerUnitOfWork

T = TypeVar("T")
FILE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))


def _read(action: Callable[[LedgerUnitOfWork], T]) -> T:
    """Runs `action(uow)` in a reading unit of work; a refusal ends the command."""
    ledger = _ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            return action(uow)
    except SouError as error:
        _fail(error)


def _save(file: Path, content: bytes) -> None:
    tmp = file.with_name(file.name + ".part")
    tmp.write_bytes(content)
    os.replace(tmp, file)
    click.echo(str(file))


@export.command("fec")
@FILE
@click.option("--year", type=click.IntRange(2000, 9999), help="One year, after its à-nouveaux.")
def export_fec(file: Path, year: int | None) -> None:
    """Write the FEC (A47 A-1 LPF) of the association's books to FILE."""
    from association.accounting import fec_file

    _save(file, _read(lambda uow: fec_file(uow, year=year)))


@export.command("csv")
@FILE
def export_csv(file: Path) -> None:
    """Write the journal of the association's books to FILE, as a French spreadsheet."""
    from association.accounting import journal_csv, journal_entries

    _save(file, _read(lambda uow: journal_csv(journal_entries(uow))))


@export.command("beancount")
@FILE
def export_beancount(file: Path) -> None:
    """Write the association's books to FILE in beancount's format (`bean-check` accepts it)."""
    from association.accounting import beancount_file

    _save(file, _read(beancount_file).encode("utf-8"))


@admin.group("auditor")
def admin_auditor() -> None:
    """An auditor's time-boxed, read-only access."""


@admin_auditor.command("grant")
@click.argument("kid")
@click.option("--days", required=True, type=int, help="Length of the window, from now.")
def auditor_grant(kid: str, days: int) -> None:
    """Let the auditor key KID read the books and the log for N days; prints the end."""
    from association.auditors import grant
    from ledger.records import format_time

    made = _write(lambda uow, now: grant(uow, kid=kid, days=days, now=now))
    click.echo(format_time(made.expires))


@admin_auditor.command("visits")
@click.option("--kid", help="Only this auditor key's requests.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
def auditor_visits(kid: str | None, limit: int) -> None:
    """Show the auditors' requests, newest first; prints their count last."""
    from association.auditors import visits
    from ledger.records import format_time

    found = _read(lambda uow: visits(uow, kid=kid, limit=limit))
    for v in found:
        click.echo(f"{format_time(v.at)} {v.kid} {v.method} {v.path} {v.status}")
    click.echo(f"{len(found)} visits")


@main.group()
def report() -> None:
    """Reports on the currency's use."""


@report.command("evaluation")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path))
def report_evaluation(csv_file: Path | None) -> None:
    """The pilot's evaluation, month by month, then its end date (SOU_PILOT_END) and each of its
    criteria judged on the last complete month; with --csv, also written to a spreadsheet."""
    import datetime as dt

    from association.evaluation import CSV_HEADER, MonthFigures, assess, evaluation, evaluation_csv

    setting = _settings().pilot_end
    try:
        end = dt.date.fromisoformat(setting) if setting else None
    except ValueError:
        _fail(SouError(f"SOU_PILOT_END is not a date (YYYY-MM-DD): {setting!r}"))

    def read(uow: LedgerUnitOfWork) -> tuple[list[MonthFigures], int]:
        now = uow.ledger.clock()
        return evaluation(uow, now=now), now

    months, now = _read(read)
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
        _save(csv_file, evaluation_csv(months))
    else:
        click.echo(f"{len(months)} months")


@admin.command("acts")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
def admin_acts(limit: int) -> None:
    """Show who did what (accounts, codes, keys, fee rules, approvals, payouts, grants, bank
    and reserve statements), newest first; prints their count last."""
    import json

    from ledger.acts import acts
    from ledger.records import format_time

    found = _read(lambda uow: acts(uow, limit=limit))
    for a in found:
        detail = json.dumps(a.detail, ensure_ascii=False, sort_keys=True)
        click.echo(f"{format_time(a.at)} {a.actor} {a.act} {a.subject} {detail}")
    click.echo(f"{len(found)} acts")


@main.group()
def member() -> None:
    """A member's data rights: export everything held about them, erase a closed account's."""


@member.command("export")
@click.argument("number", type=int)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path))
def member_export(number: int, html_file: Path | None) -> None:
    """Print everything held about the holder of account NUMBER as JSON; with --html, also
    write it as a page to read and print."""
    from association.members import member_data, member_html, member_json

    data = _read(lambda uow: member_data(uow, number=number))
    if html_file is not None:
        html_file.write_text(member_html(data), encoding="utf-8")
    click.echo(member_json(data))


@member.command("erase-memo")
@click.argument("entry", type=int)
def member_erase_memo(entry: int) -> None:
    """Erase the memo of entry ENTRY (its record keeps the commitment and still verifies)."""
    from association.members import erase_memo

    _write(lambda uow, now: erase_memo(uow, entry=entry))
    click.echo(f"erased the memo of entry {entry}")


@member.command("erase")
@click.argument("number", type=int)
def member_erase(number: int) -> None:
    """Erase the personal data of closed account NUMBER (name, contact, device labels, a
    shop's name, address and IBAN, its movements' memos, its bank lines); the log and the
    accounts stay whole."""
    from association.members import erase_member

    erased = _write(lambda uow, now: erase_member(uow, number=number))
    click.echo(
        f"erased: holder {'yes' if erased.holder else 'none'}, {erased.devices} device labels,"
        f" shop {'yes' if erased.merchant else 'none'}, {erased.memos} memos,"
        f" {erased.bank_lines} bank lines"
    )
    click.echo(str(number))
