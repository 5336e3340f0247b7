"""Witnesses (C2SP tlog-cosignature): a witness cosigns only a checkpoint consistent with the
last it cosigned, the ledger keeps and serves the cosignatures of its configured witnesses,
and `sou audit verify --witness` requires them; `sou witness cosign` does it over HTTP
against a running service."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from ledger.audit import verify_log
from ledger.checkpoint import open_checkpoint
from ledger.errors import AuditFailure, CheckpointError
from ledger.export import export_log
from ledger.signing import create_key_file
from ledger.witness import (
    WitnessState,
    cosignature_line,
    cosigned_at,
    key_id,
    parse_witness_vkey,
    witness,
    witness_vkey,
)
from sou.cli import main
from tests.servers import running_service
from tests.support import World
from wallet_api.app import create_app

NAME = "witness.example.org/w1"


def public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def checkpoint_of(client: TestClient) -> str:
    return client.get("/v1/log/checkpoint").text


def test_a_verifier_key_names_a_cosignature_v1_key() -> None:
    key = Ed25519PrivateKey.generate()
    vkey = witness_vkey(NAME, public(key))
    assert parse_witness_vkey(vkey) == (NAME, public(key))
    _, khash, encoded = vkey.split("+", 2)
    assert bytes.fromhex(khash) == key_id(NAME, public(key))
    assert base64.b64decode(encoded)[:1] == b"\x04"  # the cosignature/v1 signature type
    ed25519_note_key = base64.b64encode(b"\x01" + public(key)).decode()  # a checkpoint key's
    for bad in (f"{NAME}+{khash}+{ed25519_note_key}", f"other.example/w+{khash}+{encoded}", "no"):
        with pytest.raises(CheckpointError):
            parse_witness_vkey(bad)


def test_a_witness_cosigns_growth_and_refuses_a_split_or_a_rollback(
    world: World, client: TestClient, tmp_path: Path
) -> None:
    key, state = Ed25519PrivateKey.generate(), WitnessState(tmp_path / "state.json")
    origin, ledger_key = world.ledger.origin, world.ledger.key.public_bytes
    alice, shop = world.resident(balance=20_00), world.merchant()
    first = checkpoint_of(client)

    def cosign(note: str, proof: list[bytes], now: int) -> str:
        return witness(
            note,
            proof,
            origin=origin,
            ledger_key=ledger_key,
            state=state,
            name=NAME,
            private_key=key,
            now=now,
        )

    line = cosign(first, [], 1_800_000_000)
    assert cosigned_at(first + line, witness_vkey(NAME, public(key))) == 1_800_000_000
    world.pay(alice, shop, 1_00)
    second = checkpoint_of(client)
    old = open_checkpoint(first, name=origin, public_key=ledger_key).size
    new = open_checkpoint(second, name=origin, public_key=ledger_key).size
    proof = [
        bytes.fromhex(h)
        for h in client.get(f"/v1/log/consistency?old={old}&new={new}").json()["proof"]
    ]
    cosign(second, proof, 1_800_000_060)
    with pytest.raises(CheckpointError, match="went back"):
        cosign(first, [], 1_800_000_120)
    # another root for a size: the ledger's signature no longer holds, it is refused first
    forged = second.replace(second.split("\n")[2], "A" * 43 + "=")
    with pytest.raises(CheckpointError):  # its ledger signature fails first
        cosign(forged, proof, 1_800_000_180)
    world.pay(alice, shop, 1_00)
    third = checkpoint_of(client)  # grown, but shown with a proof that does not hold
    with pytest.raises(CheckpointError, match="not consistent"):
        cosign(third, [bytes(32)] * max(1, len(proof)), 1_800_000_240)
    kept = state.seen(origin)
    assert kept is not None and kept.size == new  # what it refused left its state as it was


def test_the_ledger_keeps_its_witnesses_cosignatures_and_the_audit_requires_them(
    world: World, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    vkey = witness_vkey(NAME, public(key))
    stranger = Ed25519PrivateKey.generate()
    alice, shop = world.resident(balance=20_00), world.merchant()
    world.pay(alice, shop, 3_00)
    with TestClient(create_app(world.ledger, witnesses=[vkey])) as client:
        note = client.get("/v1/log/checkpoint").text
        size = open_checkpoint(
            note, name=world.ledger.origin, public_key=world.ledger.key.public_bytes
        ).size
        other = cosignature_line(note, name="stranger.example/w", private_key=stranger, now=1)
        refused = client.post("/v1/log/cosignatures", json={"size": size, "line": other})
        assert (
            refused.status_code == 400
            and refused.headers["content-type"] == "application/problem+json"
        )
        line = cosignature_line(note, name=NAME, private_key=key, now=int(time.time()))
        assert (
            client.post("/v1/log/cosignatures", json={"size": size, "line": line}).status_code
            == 201
        )
        assert (
            client.post("/v1/log/cosignatures", json={"size": size, "line": line}).status_code
            == 200
        )
        served = client.get("/v1/log/checkpoint").text
        assert served == note + line and cosigned_at(served, vkey) is not None
    path = tmp_path / "log.sou"
    with world.ledger.unit_of_work() as uow, path.open("w", encoding="utf-8") as out:
        export_log(uow, out)
        uow.commit()
    report = verify_log(path, witnesses=[vkey])
    assert report.witnessed == {vkey: size}
    with pytest.raises(AuditFailure, match="no checkpoint of this log is cosigned by stranger"):
        verify_log(path, witnesses=[witness_vkey("stranger.example/w", public(stranger))])
    result = CliRunner().invoke(main, ["audit", "verify", str(path), "--witness", vkey])
    assert result.exit_code == 0, result.output
    assert f"witness {NAME}: cosigned up to size {size}" in result.output


def test_sou_witness_cosigns_a_running_ledger_over_http(postgres_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    key_file, state = tmp_path / "witness.key", tmp_path / "state.json"
    vkey = runner.invoke(
        main, ["witness", "key", "--name", NAME, "--key", str(key_file)]
    ).output.strip()
    ledger_key_file = tmp_path / "ledger.key"
    world = World(postgres_url, ledger_key=create_key_file(ledger_key_file))
    world.now = int(time.time())
    alice, shop = world.resident(balance=20_00), world.merchant()
    args = ["witness", "cosign", "--name", NAME, "--key", str(key_file), "--state", str(state)]
    with running_service(world, ledger_key_file, settings={"SOU_WITNESSES": vkey}) as base:
        first = runner.invoke(main, [*args, "--log", base])
        assert first.exit_code == 0, first.output
        world.pay(alice, shop, 2_00)
        second = runner.invoke(main, [*args, "--log", base])
        assert second.exit_code == 0, second.output
        size = int(second.output.strip().splitlines()[-1].split()[-1])
        with urllib.request.urlopen(f"{base}/v1/log/checkpoint") as response:
            note = response.read().decode()
    assert (
        open_checkpoint(
            note, name=world.ledger.origin, public_key=world.ledger.key.public_bytes
        ).size
        == size
    )
    assert cosigned_at(note, vkey) is not None
    kept = json.loads(state.read_text())
    assert kept["seen"][world.ledger.origin]["size"] == size
    world.close()


NOTECHECK = Path(__file__).parents[1] / "data" / "notecheck"


def notecheck(tmp_path: Path) -> Path:
    """Go's golang.org/x/mod/sumdb/note behind a tiny verifier (tests/data/notecheck), built
    from Debian's packages (golang-go, golang-golang-x-mod-dev: .ci/run installs them)."""
    go, gopath = shutil.which("go"), Path("/usr/share/gocode")
    if go is None or not (gopath / "src/golang.org/x/mod/sumdb/note").is_dir():
        if os.environ.get("CI"):
            pytest.fail(
                "CI needs Go and golang.org/x/mod (Debian: golang-go golang-golang-x-mod-dev)"
            )
        pytest.skip("no Go with golang.org/x/mod here: the independent verifier runs in CI")
    binary = tmp_path / "notecheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(gopath),
        "GOCACHE": str(tmp_path / "go"),
    }
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=NOTECHECK, env=env, check=True)
    return binary


def test_an_independent_verifier_reads_the_cosigned_checkpoint(
    world: World, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    vkey = witness_vkey(NAME, public(key))
    world.pay(world.resident(balance=5_00), world.merchant(), 1_00)
    with TestClient(create_app(world.ledger, witnesses=[vkey])) as client:
        note = client.get("/v1/log/checkpoint").text
        size = open_checkpoint(
            note, name=world.ledger.origin, public_key=world.ledger.key.public_bytes
        ).size
        line = cosignature_line(note, name=NAME, private_key=key, now=int(time.time()))
        client.post("/v1/log/cosignatures", json={"size": size, "line": line})
        served = client.get("/v1/log/checkpoint").text
    checker = notecheck(tmp_path)
    result = subprocess.run(
        [str(checker), world.ledger.verifier_key, vkey],
        input=served,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [f"verified {world.ledger.origin}", f"verified {NAME}"]
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[-1] ^= 1  # the witness's key ID, a signature that does not verify
    forged = served.replace(line, f"\u2014 {NAME} {base64.b64encode(bytes(blob)).decode()}\n")
    refused = subprocess.run(
        [str(checker), world.ledger.verifier_key, vkey],
        input=forged,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1, refused.stdout
