"""`sou member export|erase-memo|erase`: a member's data rights; `sou member
find|edit|close|import`: the members' register; `sou member membership
fee|pay|status|list`: membership fees and receipts.

Like every administration command, each prints its result alone on its last line.
"""

from __future__ import annotations

from pathlib import Path

import click

from association import member_import, member_register, memberships
from association.members import erase_member, erase_memo, member_data, member_html, member_json
from ledger.context import LedgerUnitOfWork
from ledger.errors import SouError
from ledger.money import format_fr, parse_fr
from sou.commands.common import FILE, current_settings, euros, fail, read, write


@click.group()
def member() -> None:
    """A member's data rights: export everything held about them, erase a closed account's."""


@member.command("export")
@click.argument("number", type=int)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path))
def member_export(number: int, html_file: Path | None) -> None:
    """Print everything held about the holder of account NUMBER as JSON; with --html, also
    write it as a page to read and print."""
    data = read(lambda uow: member_data(uow, number=number))
    if html_file is not None:
        html_file.write_text(member_html(data), encoding="utf-8")
    click.echo(member_json(data))


@member.command("erase-memo")
@click.argument("entry", type=int)
def member_erase_memo(entry: int) -> None:
    """Erase the memo of entry ENTRY (its record keeps the commitment and still verifies)."""
    write(lambda uow, now: erase_memo(uow, entry=entry))
    click.echo(f"erased the memo of entry {entry}")


@member.command("erase")
@click.argument("number", type=int)
def member_erase(number: int) -> None:
    """Erase the personal data of closed account NUMBER (name, contact, device labels, a
    shop's name, address and IBAN, its movements' memos, its bank lines); the log and the
    accounts stay whole."""
    erased = write(lambda uow, now: erase_member(uow, number=number))
    click.echo(
        f"erased: holder {'yes' if erased.holder else 'none'}, {erased.devices} device labels,"
        f" shop {'yes' if erased.merchant else 'none'}, {erased.memos} memos,"
        f" {erased.bank_lines} bank lines"
    )
    click.echo(str(number))


@member.command("find")
@click.argument("text", required=False)
@click.option("--kind", type=click.Choice(["resident", "merchant"]))
@click.option("--status", type=click.Choice(["open", "frozen", "closed"]))
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def member_find(text: str | None, kind: str | None, status: str | None, limit: int) -> None:
    """List the members whose name or contact holds TEXT (case and accents aside) or whose
    account number is TEXT: number, kind, status, balance, name, contact (tab-separated)."""
    total, found = read(
        lambda uow: member_register.find(
            uow, text=text, kind=kind, status=status, limit=limit, offset=0
        )
    )
    for m in found:
        fields = (m.number, m.kind, m.status, format_fr(m.balance), m.name or "", m.contact or "")
        click.echo("\t".join(str(f) for f in fields))
    click.echo(f"{total} members")


@member.command("edit")
@click.argument("number", type=int)
@click.option("--name")
@click.option("--contact", help="an email or phone; an empty string removes it")
def member_edit(number: int, name: str | None, contact: str | None) -> None:
    """Correct the name or contact of the holder of account NUMBER."""
    write(lambda uow, now: member_register.edit(uow, number=number, name=name, contact=contact))
    click.echo(str(number))


@member.command("close")
@click.argument("number", type=int)
def member_close(number: int) -> None:
    """Close the empty account NUMBER and revoke its devices (refused while it holds units)."""
    closed = write(lambda uow, now: member_register.close(uow, number=number, now=now))
    click.echo(f"closed, {closed.devices_revoked} devices revoked")
    click.echo(str(number))


@member.command("import")
@FILE
@click.option("--confirm", is_flag=True, help="open the accounts (else only the preview)")
def member_import_file(file: Path, confirm: bool) -> None:
    """Preview a members' spreadsheet (CSV or XLSX: Nom or Prénom and Nom, a contact,
    Consentement), line by line; with --confirm, open one resident account per line, all of
    them or, if any line is in error, none."""
    data = file.read_bytes()
    judged = read(lambda uow: member_import.preview(uow, data=data))
    for line in judged.lines:
        verdict = ", ".join(line.errors) or "ok"
        click.echo(f"line {line.line}: {line.name or '-'} <{line.contact or ''}> {verdict}")
    if judged.ignored_columns:
        click.echo(f"ignored columns: {', '.join(judged.ignored_columns)}")
    if not confirm:
        click.echo(f"{len(judged.lines)} lines, {judged.errors} in error (preview only)")
        return
    imported = write(lambda uow, now: member_import.run(uow, data=data, now=now))
    click.echo(" ".join(str(n) for n in imported.accounts))


@member.group("membership")
def membership() -> None:
    """Membership fees: the year's fee of each category, a member's payment and status."""


YEAR = click.option("--year", type=click.IntRange(2000, 2100), help="default: this year")


@membership.command("fee")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("category", type=click.Choice(memberships.CATEGORIES))
@click.argument("amount", metavar="EUROS")
def membership_fee(year: int, category: str, amount: str) -> None:
    """Set the fee of YEAR for CATEGORY, in euros (e.g. `12,00`)."""
    try:
        cents = parse_fr(amount)
    except SouError as error:
        fail(error)
    fee = write(
        lambda uow, now: memberships.set_fee(uow, year=year, category=category, amount=cents)
    )
    click.echo(f"{fee.year} {fee.category} {euros(fee.amount)}")


@membership.command("pay")
@click.argument("account", type=int)
@click.option("--category", type=click.Choice(memberships.CATEGORIES), default="resident")
@YEAR
@click.option("--entry", type=click.IntRange(0), help="the member's transfer (in the currency)")
@click.option(
    "--in-currency", is_flag=True, help="paid in the currency by the member's latest fee payment"
)
@click.option("--receipt", "receipt_file", type=click.Path(dir_okay=False, path_type=Path))
def membership_pay(
    account: int,
    category: str,
    year: int | None,
    entry: int | None,
    in_currency: bool,
    receipt_file: Path | None,
) -> None:
    """Record ACCOUNT's fee, paid in euros, or in the currency by the transfer --entry (or,
    with --in-currency, the member's latest payment of the fee to the association that no
    membership used); prints the receipt's number (with --receipt, also writes its page)."""

    def pay(uow: LedgerUnitOfWork, now: int) -> tuple[memberships.Payment, str]:
        made = memberships.record_payment(
            uow,
            account=account,
            year=memberships.year_of(now) if year is None else year,
            category=category,
            method="currency" if in_currency or entry is not None else "euros",
            entry=entry,
            now=now,
        )
        name = current_settings().association_name
        return made, memberships.receipt_html(uow, number=made.number, association=name)

    made, page = write(pay)
    if receipt_file is not None:
        receipt_file.write_text(page, encoding="utf-8")
    click.echo(f"{made.year} {made.category} {euros(made.amount)} {made.method}")
    click.echo(str(made.number))


@membership.command("status")
@click.argument("account", type=int)
@YEAR
def membership_status(account: int, year: int | None) -> None:
    """ACCOUNT's payments, then its status: up-to-date, lapsed or never."""

    def status(uow: LedgerUnitOfWork) -> memberships.Standing:
        chosen = memberships.year_of(uow.ledger.clock()) if year is None else year
        return memberships.standing(uow, account=account, year=chosen)

    found = read(status)
    for p in found.payments:
        click.echo(f"receipt {p.number}: {p.year} {p.category} {euros(p.amount)} {p.method}")
    click.echo(found.status)


@membership.command("list")
@click.option("--status", type=click.Choice(memberships.STATUSES))
@YEAR
def membership_list(status: str | None, year: int | None) -> None:
    """The members (account, status, last year paid, name), then how many."""

    def listed(uow: LedgerUnitOfWork) -> list[memberships.Member]:
        chosen = memberships.year_of(uow.ledger.clock()) if year is None else year
        return memberships.members(uow, year=chosen, status=status)

    found = read(listed)
    for m in found:
        click.echo(f"{m.account} {m.status} {m.last_paid or '-'} {m.name or ''}".rstrip())
    click.echo(str(len(found)))


def register(main: click.Group) -> None:
    main.add_command(member)
