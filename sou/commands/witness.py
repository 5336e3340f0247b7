"""`sou witness`: cosign a ledger's checkpoints as a witness (an auditor, a partner
association), from another machine, over HTTP (ledger.witness)."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from ledger.checkpoint import open_checkpoint, parse_verifier_key
from ledger.errors import SouError
from ledger.signing import create_key_file, load_key_file
from ledger.witness import WitnessState, witness, witness_vkey


@click.group("witness")
def witness_group() -> None:
    """Vouch, as a witness, that a ledger's log is not split (C2SP tlog-cosignature)."""


def _key(path: Path) -> Any:
    return load_key_file(path) if path.exists() else create_key_file(path)


@witness_group.command("key")
@click.option("--name", required=True, help="The witness's name, e.g. witness.example.org/sou")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
def witness_key(name: str, key_file: Path) -> None:
    """Print the witness's verifier key (made in KEY_FILE if missing), for the ledger's
    SOU_WITNESSES and for `sou audit verify --witness`."""
    click.echo(witness_vkey(name, _key(key_file).public_bytes))


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read()
    return data


@witness_group.command("cosign")
@click.option("--log", "base", required=True, help="The ledger's URL, e.g. https://pay.example.org")
@click.option("--name", required=True, help="The witness's name (as in its verifier key)")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--state", "state_file", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--submit/--no-submit", default=True, help="Hand the cosignature to the ledger.")
def witness_cosign(base: str, name: str, key_file: Path, state_file: Path, submit: bool) -> None:
    """Fetch the ledger's latest checkpoint and a consistency proof from the one cosigned
    last (kept in STATE_FILE, with the ledger's key, pinned at first use), and cosign it only
    if it is consistent; print the cosignature line."""
    base = base.rstrip("/")
    state = WitnessState(state_file)
    try:
        ledger = json.loads(_get(f"{base}/v1/ledger"))
        origin, ledger_key = parse_verifier_key(ledger["checkpoint_verifier"])
        pinned = state.pinned_key(origin)
        if pinned is None:
            state.pin_key(origin, ledger_key)
        elif pinned != ledger_key:
            raise click.ClickException(
                f"the ledger {origin} now shows another key than the one pinned: not cosigned"
            )
        note = _get(f"{base}/v1/log/checkpoint").decode("utf-8")
        size = open_checkpoint(note, name=origin, public_key=ledger_key).size
        seen = state.seen(origin)
        proof: list[bytes] = []
        if seen is not None and 0 < seen.size < size:
            body = json.loads(_get(f"{base}/v1/log/consistency?old={seen.size}&new={size}"))
            proof = [bytes.fromhex(h) for h in body["proof"]]
        key = _key(key_file)
        line = witness(
            note,
            proof,
            origin=origin,
            ledger_key=ledger_key,
            state=state,
            name=name,
            private_key=key.private_key,
            now=int(time.time()),
        )
        if submit:
            request = urllib.request.Request(
                f"{base}/v1/log/cosignatures",
                data=json.dumps({"size": size, "line": line}).encode(),
                headers={"content-type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30):
                pass
    except SouError as error:
        click.echo(f"refused: {error.message}", err=True)
        sys.exit(1)
    except (urllib.error.URLError, ValueError, KeyError) as error:
        click.echo(f"error: the ledger at {base} did not answer as a Sou ledger: {error}", err=True)
        sys.exit(1)
    click.echo(line, nl=False)
    click.echo(f"cosigned size {size}")


def register(main: click.Group) -> None:
    main.add_command(witness_group)
