"""`sou reserve …`: the reserve dashboard and the signed reserve statement, its cosignatures
and the holders' proofs (checked offline by `sou audit reserve`).

Like every administration command, each prints its result alone on its last line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from association.dashboard import PARIS, Dashboard, dashboard
from association.offices import record_note_delivery
from association.publication import cosign, cosigner_name, holder_proof, publish, statement_note
from association.reserve_statement import add_cosignature
from ledger.context import LedgerUnitOfWork
from ledger.errors import SouError, UnknownKey
from sou.commands.common import TREASURER_KEY, current_ledger, euros, fail, write
from sou.local_keys import association_treasurer


def _percent(bp: int | None) -> str:
    if bp is None:
        return "n/a (nothing in circulation)"
    return f"{bp // 100},{bp % 100:02d} %"


def _dashboard_lines(d: Dashboard) -> list[str]:
    lines = [
        f"circulation: {euros(d.circulation)} "
        f"(digital {euros(d.circulation_digital)}, paper {euros(d.circulation_paper)})",
    ]
    lines += [f"reserve {r.name}: {euros(r.balance)}" for r in d.reserves]
    lines += [
        f"office {o.number} ({o.name}) cash: {euros(o.cash)}; paper notes delivered "
        f"{euros(o.notes_delivered)}, issued {euros(o.paper_issued)}, taken back "
        f"{euros(o.paper_exchanged)}, in stock {euros(o.paper_stock)}"
        for o in d.offices
    ]
    lines += [
        f"payouts payable: {euros(d.payouts_payable)}",
        f"fees earned: {euros(d.fees_earned)}",
    ]
    for b in d.banks:
        bank = "no statement" if b.bank is None else f"{euros(b.bank)} on {b.statement_date}"
        lines.append(f"bank {b.iban} ({b.reserve}): {bank}; ledger expects {euros(b.expected)}")
    for month in d.history:
        lines.append(
            f"{month.month}: circulation {euros(month.circulation)}, backing {euros(month.backing)}"
        )
    c = d.compliance
    lines += [
        f"12-month payment volume: {euros(c.payment_volume.amount)} "
        f"({_percent(c.payment_volume.usage_bp)} of the threshold, {c.payment_volume.level})",
        f"outstanding digital units: {euros(c.outstanding.amount)} "
        f"({_percent(c.outstanding.usage_bp)} of the threshold, {c.outstanding.level})",
    ]
    s = d.latest_statement
    if s is not None:
        lines.append(
            f"latest reserve statement {s.id} of {s.date}: {s.status}, liabilities "
            f"{euros(s.liabilities)}, reserve {euros(s.reserve)}, difference "
            f"{euros(s.difference)}"
        )
    lines.append(
        f"backing {euros(d.backing)}, coverage {_percent(d.coverage_bp)}"
        + ("" if d.balanced else " (BACKING DIFFERS FROM CIRCULATION)")
    )
    return lines


@click.group()
def reserve() -> None:
    """The reserve: dashboard, signed reserve statements and their cosignatures."""


@reserve.command("dashboard")
def reserve_dashboard() -> None:
    """Print the reserve's figures; the last line gives backing and coverage."""
    ledger = current_ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            figures = dashboard(uow, now=ledger.clock())
    except SouError as error:
        fail(error)
    for line in _dashboard_lines(figures):
        click.echo(line)


@reserve.command("notes")
@click.argument("office", type=click.IntRange(1))
@click.argument("cents", type=click.IntRange(1))
@click.argument("note")
@click.option("--taken-back", is_flag=True, help="The association took these notes back.")
@TREASURER_KEY
def reserve_notes(
    office: int, cents: int, note: str, taken_back: bool, treasurer_key: Path
) -> None:
    """Record paper notes (face value in cents) handed to an office, or taken back from it
    (inventory, beside the log); print the office's notes delivered in all."""
    ledger = current_ledger()
    try:
        key, _ = association_treasurer(ledger, treasurer_key)
    except SouError as error:
        fail(error)
    total = write(
        lambda uow, now: record_note_delivery(
            uow,
            office=office,
            amount=-cents if taken_back else cents,
            note=note,
            kid=key.kid,
            now=now,
        )
    )
    click.echo(euros(total))


def _date(text: str | None, now: int) -> dt.date:
    if text is None:
        return dt.datetime.fromtimestamp(now, PARIS).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text} is not a date YYYY-MM-DD", param_hint="--date") from None


@reserve.command("publish")
@click.option("--date", "when", help="The statement's date, YYYY-MM-DD (default: today, Paris).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the note.")
def reserve_publish(when: str | None, out: Path | None) -> None:
    """Sign and publish the reserve statement; prints the statement's id last."""
    made = write(lambda uow, now: publish(uow, on=_date(when, now), now=now))
    if out is not None:
        out.write_text(made.note, encoding="utf-8")
    click.echo(
        f"{made.status}: liabilities {euros(made.liabilities)}, reserve {euros(made.reserve)}"
        + (f", shortfall {euros(made.shortfall)}" if made.shortfall else "")
    )
    click.echo(made.id)


@reserve.command("cosign")
@click.argument("number", type=click.IntRange(1, 2**63 - 1), metavar="ID")
@TREASURER_KEY
def reserve_cosign(number: int, treasurer_key: Path) -> None:
    """Cosign statement ID with this machine's treasurer key; prints the id."""
    ledger = current_ledger()
    try:
        key, _ = association_treasurer(ledger, treasurer_key)
    except SouError as error:
        fail(error)
    name = cosigner_name(ledger.host, "treasurer")

    def sign(uow: LedgerUnitOfWork, now: int) -> str:
        device = uow.reads.key(key.kid)
        if device is None:
            raise UnknownKey(f"the key {key.kid} of this key file is not enrolled", kid=key.kid)
        note = statement_note(uow, number=number)
        line = add_cosignature(note, name=name, private_key=key.private_key)[len(note) :]
        return cosign(uow, number=number, device=device, line=line)

    write(sign)
    click.echo(number)


@reserve.command("proof")
@click.argument("number", type=click.IntRange(1, 2**63 - 1), metavar="ID")
@click.argument("account", type=click.IntRange(1, 2**63 - 1))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the proof.")
def reserve_proof(number: int, account: int, out: Path | None) -> None:
    """The proof of ACCOUNT's balance in statement ID, as JSON (for `sou audit reserve`)."""
    ledger = current_ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            found = holder_proof(uow, number=number, account=account)
    except SouError as error:
        fail(error)
    text = json.dumps(
        {
            "statement": found.statement,
            "date": found.date,
            "account": str(account),
            "balance": found.balance,
            "proof": json.loads(found.proof.to_json()),
            "note": found.note,
            "ledger_key": ledger.key.public_bytes.hex(),
        },
        ensure_ascii=False,
    )
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    click.echo(text if out is None else str(out))


def register(main: click.Group) -> None:
    main.add_command(reserve)
