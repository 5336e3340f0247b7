"""`sou reserve …` and `sou audit reserve`: the reserve dashboard and the signed reserve statement.

Like every administration command, each prints its result alone on its last line.
`sou audit reserve` works offline, on files only: the signed note (as `GET
/v1/reserve-statements/{id}` serves it or `sou reserve publish --out` writes it) and, for a
holder, the proof (as `GET /v1/reserve-statements/{id}/proof` serves it, or the bare proof).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ledger.errors import SouError
from sou.cli import _fail, _ledger, _write, audit, main

if TYPE_CHECKING:
    from association.dashboard import Dashboard
    from ledger.context import LedgerUnitOfWork

TREASURER_KEY = click.option(
    "--treasurer-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("SOU_TREASURER_KEY", "sou-treasurer.key"),
    show_default="SOU_TREASURER_KEY or sou-treasurer.key",
)


def _euros(cents: int) -> str:
    from ledger.money import format_fr

    return f"{format_fr(cents)} €"


def _percent(bp: int | None) -> str:
    if bp is None:
        return "n/a (nothing in circulation)"
    return f"{bp // 100},{bp % 100:02d} %"


def _dashboard_lines(d: Dashboard) -> list[str]:
    lines = [
        f"circulation: {_euros(d.circulation)} "
        f"(digital {_euros(d.circulation_digital)}, paper {_euros(d.circulation_paper)})",
    ]
    lines += [f"reserve {r.name}: {_euros(r.balance)}" for r in d.reserves]
    lines += [
        f"office {o.number} ({o.name}) cash: {_euros(o.cash)}; paper notes delivered "
        f"{_euros(o.notes_delivered)}, issued {_euros(o.paper_issued)}, taken back "
        f"{_euros(o.paper_exchanged)}, in stock {_euros(o.paper_stock)}"
        for o in d.offices
    ]
    lines += [
        f"payouts payable: {_euros(d.payouts_payable)}",
        f"fees earned: {_euros(d.fees_earned)}",
    ]
    for b in d.banks:
        bank = "no statement" if b.bank is None else f"{_euros(b.bank)} on {b.statement_date}"
        lines.append(f"bank {b.iban} ({b.reserve}): {bank}; ledger expects {_euros(b.expected)}")
    for month in d.history:
        lines.append(
            f"{month.month}: circulation {_euros(month.circulation)}, "
            f"backing {_euros(month.backing)}"
        )
    c = d.compliance
    lines += [
        f"12-month payment volume: {_euros(c.payment_volume.amount)} "
        f"({_percent(c.payment_volume.usage_bp)} of the threshold, {c.payment_volume.level})",
        f"outstanding digital units: {_euros(c.outstanding.amount)} "
        f"({_percent(c.outstanding.usage_bp)} of the threshold, {c.outstanding.level})",
    ]
    s = d.latest_statement
    if s is not None:
        lines.append(
            f"latest reserve statement {s.id} of {s.date}: {s.status}, liabilities "
            f"{_euros(s.liabilities)}, reserve {_euros(s.reserve)}, difference "
            f"{_euros(s.difference)}"
        )
    lines.append(
        f"backing {_euros(d.backing)}, coverage {_percent(d.coverage_bp)}"
        + ("" if d.balanced else " (BACKING DIFFERS FROM CIRCULATION)")
    )
    return lines


@main.group()
def reserve() -> None:
    """The reserve: dashboard, signed reserve statements and their cosignatures."""


@reserve.command("dashboard")
def reserve_dashboard() -> None:
    """Print the reserve's figures; the last line gives backing and coverage."""
    from association.dashboard import dashboard

    ledger = _ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            figures = dashboard(uow, now=ledger.clock())
    except SouError as error:
        _fail(error)
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
    from association.offices import record_note_delivery
    from sou.local_keys import association_treasurer

    ledger = _ledger()
    try:
        key, _ = association_treasurer(ledger, treasurer_key)
    except SouError as error:
        _fail(error)
    total = _write(
        lambda uow, now: record_note_delivery(
            uow,
            office=office,
            amount=-cents if taken_back else cents,
            note=note,
            kid=key.kid,
            now=now,
        )
    )
    click.echo(_euros(total))


def _date(text: str | None, now: int) -> dt.date:
    from association.dashboard import PARIS

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
    from association.publication import publish

    made = _write(lambda uow, now: publish(uow, on=_date(when, now), now=now))
    if out is not None:
        out.write_text(made.note, encoding="utf-8")
    click.echo(
        f"{made.status}: liabilities {_euros(made.liabilities)}, reserve {_euros(made.reserve)}"
        + (f", shortfall {_euros(made.shortfall)}" if made.shortfall else "")
    )
    click.echo(made.id)


@reserve.command("cosign")
@click.argument("number", type=click.IntRange(1, 2**63 - 1), metavar="ID")
@TREASURER_KEY
def reserve_cosign(number: int, treasurer_key: Path) -> None:
    """Cosign statement ID with this machine's treasurer key; prints the id."""
    from association.publication import cosign, cosigner_name, statement_note
    from association.reserve_statement import add_cosignature
    from sou.local_keys import association_treasurer

    ledger = _ledger()
    try:
        key, _ = association_treasurer(ledger, treasurer_key)
    except SouError as error:
        _fail(error)
    name = cosigner_name(ledger.host, "treasurer")

    def sign(uow: LedgerUnitOfWork, now: int) -> str:
        device = uow.store.keys([key.kid])[key.kid]
        note = statement_note(uow, number=number)
        line = add_cosignature(note, name=name, private_key=key.private_key)[len(note) :]
        return cosign(uow, number=number, device=device, line=line)

    _write(sign)
    click.echo(number)


@reserve.command("proof")
@click.argument("number", type=click.IntRange(1, 2**63 - 1), metavar="ID")
@click.argument("account", type=click.IntRange(1, 2**63 - 1))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the proof.")
def reserve_proof(number: int, account: int, out: Path | None) -> None:
    """The proof of ACCOUNT's balance in statement ID, as JSON (for `sou audit reserve`)."""
    from association.publication import holder_proof

    ledger = _ledger()
    try:
        with ledger.unit_of_work(write=False) as uow:
            found = holder_proof(uow, number=number, account=account)
    except SouError as error:
        _fail(error)
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


# --- the offline check --------------------------------------------------------------------


def _failed(message: str) -> NoReturn:
    click.echo(f"FAILED: {message}", err=True)
    sys.exit(1)


def _read_proof(path: Path) -> tuple[str, dict[str, Any]]:
    """The bare proof's JSON text, and the whole document (the API's, or the bare proof)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _failed(f"{path} is not a JSON proof: {exc}")
    if not isinstance(document, dict):
        _failed(f"{path} is not a JSON proof")
    bare = document.get("proof", document)
    return json.dumps(bare), document


def _ledger_verifier(origin: str, hex_key: str, what: str) -> str:
    from ledger.checkpoint import verifier_key

    host = origin.removesuffix("/reserve")
    try:
        return verifier_key(f"{host}/ledger", bytes.fromhex(hex_key))
    except (ValueError, SouError) as exc:
        _failed(f"{what} is not a 32-byte hex Ed25519 public key ({exc})")


@audit.command("reserve")
@click.argument("statement_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--proof", "proof_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--account", type=click.IntRange(1, 2**63 - 1), help="The holder's account.")
@click.option("--balance", type=click.IntRange(0, 2**63 - 1), help="The holder's balance, cents.")
@click.option("--ledger-key", help="The ledger's public key (hex), as published at /v1/ledger.")
@click.option("--cosigner", multiple=True, help="A cosigner's verifier key whose line is required.")
def audit_reserve(
    statement_file: Path,
    proof_file: Path | None,
    account: int | None,
    balance: int | None,
    ledger_key: str | None,
    cosigner: tuple[str, ...],
) -> None:
    """Verify a reserve statement's signatures and, with --proof, a holder's balance in it.

    Without --ledger-key, the key given in the proof file is trusted (say so to whoever asks).
    """
    from association.errors import AssociationError
    from association.liabilities import LiabilityProof, verify_proof
    from association.reserve_statement import verify_statement

    note = statement_file.read_text(encoding="utf-8")
    proof_text, document = _read_proof(proof_file) if proof_file else ("", {})
    origin = note.split("\n", 1)[0]
    if ledger_key is None:
        if not isinstance(document.get("ledger_key"), str):
            _failed("the ledger's public key is needed: --ledger-key HEX (see /v1/ledger)")
        click.echo("trusting the ledger key given in the proof file")
        ledger_key = str(document["ledger_key"])
    keys = [_ledger_verifier(origin, ledger_key, "the ledger key"), *cosigner]
    try:
        statement = verify_statement(note, keys)
    except AssociationError as error:
        _failed(f"the statement does not verify: {error}")
    click.echo(
        f"statement of {statement.date.isoformat()} at log size {statement.checkpoint_size}: "
        f"{statement.status}, liabilities {_euros(statement.liabilities)}, "
        f"reserve {_euros(statement.reserve)}, signed by {len(keys)} key(s)"
    )
    if proof_file is None:
        click.echo("OK: the reserve statement verifies")
        return
    try:
        proof = LiabilityProof.from_json(proof_text)
        holder = proof.holder if account is None else str(account)
        claimed = proof.balance if balance is None else balance
        verify_proof(statement.liabilities_root, statement.liabilities, holder, claimed, proof)
    except AssociationError as error:
        _failed(f"the proof does not verify: {error}")
    click.echo(f"OK: account {holder}'s balance {_euros(claimed)} is counted in the liabilities")
