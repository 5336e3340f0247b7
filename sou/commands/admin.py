"""`sou admin …`: accounts, enrolment codes, cash conversions, keys, the auditors' access and
who did what.

Like every administration command, each prints its result alone on its last line, so scripts
can use it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from association.auditors import grant, visits
from ledger.acts import acts
from ledger.admin import (
    issue_enrolment_code,
    open_account,
    revoke_key,
    rotate_ledger_key,
    set_account_status,
)
from ledger.errors import SouError
from ledger.posting import post_record
from ledger.records import format_time, operation
from ledger.signing import create_key_file
from sou.commands.common import OFFICE_KEY, current_ledger, current_settings, fail, read, write
from sou.local_keys import office_agent


@click.group()
def admin() -> None:
    """Administration that scripts can drive (each prints its result on its last line)."""


@admin.group("account")
def admin_account() -> None:
    """Accounts."""


@admin_account.command("create")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["resident", "merchant", "association", "office"]),
)
@click.option("--name", required=True, help="The holder's name (personal data, outside the log).")
def account_create(kind: str, name: str) -> None:
    """Open an account; prints its number."""
    click.echo(write(lambda uow, now: open_account(uow, kind=kind, now=now, holder_name=name)))


@admin_account.command("status")
@click.argument("number", type=int)
@click.argument("status", type=click.Choice(["open", "frozen", "closed"]))
def account_status(number: int, status: str) -> None:
    """Freeze, reopen or close an account."""
    write(lambda uow, now: set_account_status(uow, number=number, status=status, now=now))
    click.echo(status)


@admin.command("enrol")
@click.argument("account", type=int)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["resident", "merchant", "cashier", "agent", "treasurer", "auditor"]),
)
@click.option("--refund-limit", type=int, help="Cents a cashier may refund at most.")
def admin_enrol(account: int, role: str, refund_limit: int | None) -> None:
    """Issue a one-time enrolment code for a device of ACCOUNT; prints the code."""
    code = write(
        lambda uow, now: issue_enrolment_code(
            uow, account=account, role=role, now=now, refund_limit=refund_limit
        )
    )
    click.echo(code)


@admin.command("convert")
@click.argument("account", type=int)
@click.argument("cents", type=click.IntRange(1, 2**31 - 1))
@OFFICE_KEY
def admin_convert(account: int, cents: int, office_key: Path) -> None:
    """Record euros received in cash for ACCOUNT; prints the record id."""
    ledger = current_ledger()
    try:
        key, office = office_agent(ledger, office_key)
        now = ledger.clock()
        record = operation(
            "conversion",
            key=key,
            host=ledger.host,
            currency=ledger.currency,
            now=now,
            method="cash",
            office=str(office),
            to=str(account),
            amount=cents,
        )
        with ledger.unit_of_work() as uow:
            post_record(uow, record=record, now=now)
            uow.commit()
    except SouError as error:
        fail(error)
    click.echo(record.id)


@admin.command("revoke")
@click.argument("kid")
def admin_revoke(kid: str) -> None:
    """Revoke a device key at once (a lost phone)."""
    write(lambda uow, now: revoke_key(uow, kid=kid, now=now))
    click.echo(f"revoked {kid}")


@admin.command("rotate-ledger-key")
def admin_rotate_ledger_key() -> None:
    """Hand the ledger over to a new key (stop the service first).

    A new key file is made beside SOU_LEDGER_KEY; the log records the rotation, signed by the
    old key with the new key's proof; then the new file takes the old one's name and the old
    one is kept as FILE.retired-KID (to destroy once the new key is backed up).
    """
    settings = current_settings()
    path = settings.ledger_key
    ledger = current_ledger()
    old_kid = ledger.key.kid
    staged = path.with_name(path.name + ".new")
    retired = path.with_name(f"{path.name}.retired-{old_kid}")
    for stale in (staged, retired):
        if stale.exists() or stale.is_symlink():
            fail(SouError(f"{stale} exists: an earlier rotation did not finish; see OPERATIONS"))
    new_key = create_key_file(staged)
    try:
        with ledger.unit_of_work() as uow:
            posted = rotate_ledger_key(uow, new_key=new_key, now=ledger.clock())
            uow.commit()
    except SouError as error:
        staged.unlink()
        fail(error)
    os.rename(path, retired)
    os.replace(staged, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # both renames reach the disk before we say it is done
    finally:
        os.close(directory)
    click.echo(f"ledger key rotated at entry {posted.index}: {old_kid} -> {new_key.kid}")
    click.echo(f"the retired key is kept in {retired}")
    click.echo(f"back up {path} now (offline, two people), then start the service")
    click.echo(new_key.kid)


@admin.group("auditor")
def admin_auditor() -> None:
    """An auditor's time-boxed, read-only access."""


@admin_auditor.command("grant")
@click.argument("kid")
@click.option("--days", required=True, type=int, help="Length of the window, from now.")
def auditor_grant(kid: str, days: int) -> None:
    """Let the auditor key KID read the books and the log for N days; prints the end."""
    made = write(lambda uow, now: grant(uow, kid=kid, days=days, now=now))
    click.echo(format_time(made.expires))


@admin_auditor.command("visits")
@click.option("--kid", help="Only this auditor key's requests.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
def auditor_visits(kid: str | None, limit: int) -> None:
    """Show the auditors' requests, newest first; prints their count last."""
    found = read(lambda uow: visits(uow, kid=kid, limit=limit))
    for v in found:
        click.echo(f"{format_time(v.at)} {v.kid} {v.method} {v.path} {v.status}")
    click.echo(f"{len(found)} visits")


@admin.command("acts")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
def admin_acts(limit: int) -> None:
    """Show who did what (accounts, codes, keys, fee rules, approvals, payouts, grants, bank
    and reserve statements), newest first; prints their count last."""
    found = read(lambda uow: acts(uow, limit=limit))
    for a in found:
        detail = json.dumps(a.detail, ensure_ascii=False, sort_keys=True)
        click.echo(f"{format_time(a.at)} {a.actor} {a.act} {a.subject} {detail}")
    click.echo(f"{len(found)} acts")


def register(main: click.Group) -> None:
    main.add_command(admin)
