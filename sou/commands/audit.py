"""`sou audit db|verify|reserve`: check the stored ledger, an exported log, a reserve statement.

`sou audit verify` and `sou audit reserve` work offline, on files only. For `sou audit
reserve`: the signed note (as `GET /v1/reserve-statements/{id}` serves it or `sou reserve
publish --out` writes it) and, for a holder, the proof (as `GET
/v1/reserve-statements/{id}/proof` serves it, or the bare proof).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from association.errors import AssociationError
from association.liabilities import LiabilityProof, verify_proof
from association.reserve_statement import verify_statement
from ledger import selfcheck
from ledger.audit import verify_log
from ledger.audit_file import count_entries
from ledger.checkpoint import verifier_key
from ledger.errors import AuditFailure, SouError
from sou.commands.common import current_ledger, euros, progress_bar


@click.group()
def audit() -> None:
    """Audit an exported log, or the database itself."""


@audit.command("db")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def audit_db(as_json: bool) -> None:
    """Check the stored ledger whole, as the service does in the background: every entry, the
    tree, the checkpoint, every posting folded into every account and its seal, the reserve.
    Names the first bad entry, posting or account of each kind; exits 1 if any."""
    ledger = current_ledger()
    with progress_bar() as bar:
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
    total = count_entries(file)
    with progress_bar() as bar:
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
        f"{statement.status}, liabilities {euros(statement.liabilities)}, "
        f"reserve {euros(statement.reserve)}, signed by {len(keys)} key(s)"
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
    click.echo(f"OK: account {holder}'s balance {euros(claimed)} is counted in the liabilities")


def register(main: click.Group) -> None:
    main.add_command(audit)
