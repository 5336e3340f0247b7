"""The `sou` command line: serve, migrate, administer, export and audit the ledger.

Administration commands print their result alone on their last line, so scripts can use it.
Errors print a one-line message and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ledger.config import Settings
from ledger.errors import AuditFailure, SouError

if TYPE_CHECKING:
    from ledger.context import Ledger, LedgerUnitOfWork

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SouError as error:
        _fail(error)


def _fail(error: Exception) -> NoReturn:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """Sou: the ledger of a citizen local currency."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="worker processes [default: the CPU count with --production, else 1]",
)
@click.option(
    "--production",
    is_flag=True,
    envvar="SOU_PRODUCTION",
    help="production defaults (also SOU_PRODUCTION=1): one worker per CPU",
)
def serve(host: str, port: int, workers: int | None, production: bool) -> None:
    """Serve the HTTP API and the web pages."""
    import uvicorn

    workers = workers or default_workers(production=production)

    from ledger.bootstrap import open_ledger
    from wallet_api.observability import log_config

    settings = _settings()
    try:
        open_ledger(settings).engine.dispose()  # fail early, with a clear message
    except SouError as error:
        _fail(error)
    options: dict[str, Any] = {
        "factory": True,
        "log_config": log_config(settings.log_format),
        "access_log": False,  # Sou logs each request itself, by route template
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
    }
    if workers == 1:
        uvicorn.run("sou.server:create", host=host, port=port, **options)
        return
    # The socket uvicorn would bind for several workers leaves Nagle's algorithm on, which
    # delays small responses by ~40 ms; accepted connections inherit TCP_NODELAY from this one.
    sock = socket.create_server((host, port), reuse_port=False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.set_inheritable(True)
    with tempfile.TemporaryDirectory(prefix="sou-metrics-") as shared:
        if settings.metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared  # every worker counts into it
        uvicorn.run("sou.server:create", fd=sock.fileno(), workers=workers, **options)


def default_workers(*, production: bool) -> int:
    """One process per CPU in production (payments batch across them), one in development."""
    return max(1, os.cpu_count() or 1) if production else 1


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database; create the ledger key and the genesis if absent."""
    from ledger.bootstrap import upgrade_database

    settings = _settings()
    try:
        ledger, created = upgrade_database(settings)
    except SouError as error:
        _fail(error)
    ledger.engine.dispose()
    click.echo(f"ledger {ledger.host} ({ledger.currency}), key {ledger.key.kid}")
    click.echo("created the genesis entry" if created else "schema up to date; ledger found")


def _ledger() -> Ledger:
    from ledger.bootstrap import open_ledger

    try:
        ledger = open_ledger(_settings())
    except SouError as error:
        _fail(error)
    click.get_current_context().call_on_close(ledger.engine.dispose)
    ledger.actor = f"shell:{_user()}"  # the acts `sou` records name who ran it (ledger.acts)
    return ledger


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return str(os.getuid())


def _write(action: Callable[[LedgerUnitOfWork, int], T]) -> T:
    """Runs `action(uow, now)` in one committed unit of work; a refusal ends the command."""
    ledger = _ledger()
    try:
        with ledger.unit_of_work() as uow:
            result = action(uow, ledger.clock())
            uow.commit()
    except SouError as error:
        _fail(error)
    return result


@main.group()
def pilot() -> None:
    """The pilot's demo data."""


@pilot.command("load")
@click.option("--residents", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--months", default=3, show_default=True, type=click.IntRange(1, 120))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing if the ledger holds accounts already.")
def pilot_load(residents: int, months: int, seed: int, if_empty: bool) -> None:
    """Load the CAE pilot: an association, offices, merchants, residents, months of activity."""
    from sou.pilot import is_empty, load_pilot

    ledger = _ledger()
    if if_empty and not is_empty(ledger):
        click.echo("the ledger already holds data: pilot not loaded")
        return
    try:
        summary = load_pilot(ledger, residents=residents, months=months, seed=seed)
    except SouError as error:
        _fail(error)
    click.echo(summary)


def _progress_bar() -> Any:
    """A progress bar on standard error, when it is a terminal (rich.progress.Progress)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    )


@main.group()
def audit() -> None:
    """Audit an exported log, or the database itself."""


@audit.command("db")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def audit_db(as_json: bool) -> None:
    """Check the stored ledger whole, as the service does in the background: every entry, the
    tree, the checkpoint, every posting folded into every account and its seal, the reserve.
    Names the first bad entry, posting or account of each kind; exits 1 if any."""
    from ledger import selfcheck

    ledger = _ledger()
    with _progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        report = selfcheck.self_check(ledger, progress=progress, alarm=False)
    if as_json:
        click.echo(selfcheck.as_json(report))
    else:
        for finding in report.findings:
            click.echo(f"{finding.kind}: {finding}")
        click.echo(
            f"{'OK' if report.ok else 'DAMAGED'}: {report.entries} entries, {report.postings}"
            f" postings, {report.accounts} accounts checked, {len(report.findings)} findings"
        )
    if not report.ok:
        sys.exit(1)


@audit.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ledger-key", help="The ledger's public key (hex) as published, to trust.")
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    help="A witness's verifier key (name+hash+base64): one of FILE's checkpoints must carry"
    " its cosignature. Repeat for several.",
)
def audit_verify(file: Path, ledger_key: str | None, witnesses: tuple[str, ...]) -> None:
    """Check every record, signature, checkpoint and invariant of FILE, offline."""
    from ledger.audit import count_entries, verify_log

    total = count_entries(file)
    with _progress_bar() as bar:
        task = bar.add_task("verifying", total=total)
        try:
            report = verify_log(
                file,
                ledger_key=bytes.fromhex(ledger_key) if ledger_key else None,
                progress=lambda n: bar.update(task, completed=n),
                witnesses=witnesses,
            )
        except AuditFailure as failure:
            where = f"entry {failure.entry}" if failure.entry is not None else "file"
            click.echo(f"FAILED at {where}: [{failure.kind}] {failure.message}", err=True)
            sys.exit(1)
    for line in report.lines():
        click.echo(line)
    click.echo(f"OK: {report.entries} entries verified")


@main.group()
def export() -> None:
    """Export the ledger."""


@export.command("log")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_log_command(file: Path) -> None:
    """Write the whole log (entries, checkpoints, keys) to FILE, for `sou audit verify`."""
    from ledger.export import export_log
    from ledger.selfcheck import self_check

    ledger = _ledger()
    damage = self_check(ledger, alarm=False).damage
    if damage is not None:  # an export of a damaged log would be a damaged file: none is written
        click.echo(f"error: the stored log is damaged, nothing written: {damage}", err=True)
        click.echo("run `sou audit db` for every finding", err=True)
        sys.exit(1)
    tmp = file.with_name(file.name + ".part")
    try:
        with ledger.unit_of_work() as uow, tmp.open("w", encoding="utf-8") as out:
            summary = export_log(uow, out)
            uow.commit()
    except (SouError, LookupError, ValueError) as error:  # changed while exporting
        tmp.unlink(missing_ok=True)
        click.echo(f"error: the export stopped, nothing written: {error}", err=True)
        sys.exit(1)
    os.replace(tmp, file)
    click.echo(f"{summary.entries} entries, {summary.checkpoints} checkpoints")
    click.echo(str(file))


@main.group()
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
    from ledger.admin import open_account

    click.echo(_write(lambda uow, now: open_account(uow, kind=kind, now=now, holder_name=name)))


@admin_account.command("status")
@click.argument("number", type=int)
@click.argument("status", type=click.Choice(["open", "frozen", "closed"]))
def account_status(number: int, status: str) -> None:
    """Freeze, reopen or close an account."""
    from ledger.admin import set_account_status

    _write(lambda uow, now: set_account_status(uow, number=number, status=status, now=now))
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
    from ledger.admin import issue_enrolment_code

    code = _write(
        lambda uow, now: issue_enrolment_code(
            uow, account=account, role=role, now=now, refund_limit=refund_limit
        )
    )
    click.echo(code)


@admin.command("convert")
@click.argument("account", type=int)
@click.argument("cents", type=click.IntRange(1, 2**31 - 1))
@click.option(
    "--office-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("SOU_OFFICE_KEY", "sou-office.key"),
    show_default="SOU_OFFICE_KEY or sou-office.key",
)
def admin_convert(account: int, cents: int, office_key: Path) -> None:
    """Record euros received in cash for ACCOUNT; prints the record id."""
    from ledger.posting import post_record
    from ledger.records import operation
    from sou.local_keys import office_agent

    ledger = _ledger()
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
        _fail(error)
    click.echo(record.id)


@admin.command("revoke")
@click.argument("kid")
def admin_revoke(kid: str) -> None:
    """Revoke a device key at once (a lost phone)."""
    from ledger.admin import revoke_key

    _write(lambda uow, now: revoke_key(uow, kid=kid, now=now))
    click.echo(f"revoked {kid}")


@admin.command("rotate-ledger-key")
def admin_rotate_ledger_key() -> None:
    """Hand the ledger over to a new key (stop the service first).

    A new key file is made beside SOU_LEDGER_KEY; the log records the rotation, signed by the
    old key with the new key's proof; then the new file takes the old one's name and the old
    one is kept as FILE.retired-KID (to destroy once the new key is backed up).
    """
    from ledger.admin import rotate_ledger_key
    from ledger.signing import create_key_file

    settings = _settings()
    path = settings.ledger_key
    ledger = _ledger()
    old_kid = ledger.key.kid
    staged = path.with_name(path.name + ".new")
    retired = path.with_name(f"{path.name}.retired-{old_kid}")
    for stale in (staged, retired):
        if stale.exists() or stale.is_symlink():
            _fail(SouError(f"{stale} exists: an earlier rotation did not finish; see OPERATIONS"))
    new_key = create_key_file(staged)
    try:
        with ledger.unit_of_work() as uow:
            posted = rotate_ledger_key(uow, new_key=new_key, now=ledger.clock())
            uow.commit()
    except SouError as error:
        staged.unlink()
        _fail(error)
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


# The other command modules register their groups and commands on the ones above.
from sou import (  # noqa: E402
    accounting_commands,
    backup_commands,
    bank_commands,
    merchant_commands,
    office_commands,
    reserve_commands,
    witness_commands,
)

__all__ = [
    "accounting_commands",
    "backup_commands",
    "bank_commands",
    "main",
    "merchant_commands",
    "office_commands",
    "reserve_commands",
    "witness_commands",
]
