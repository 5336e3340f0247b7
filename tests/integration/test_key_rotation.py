"""Rotating the ledger key: a `ledger_key` record signed by the old key names the new one (with
the new key's proof that it is held); checkpoints, the ledger's records and receipts are then
signed by the new key, a process still holding the old one signs nothing more, and `sou audit
verify` follows the chain of keys from the genesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import transparency
from ledger.admin import _sign_ledger_record, open_account, rotate_ledger_key
from ledger.audit import verify_log
from ledger.checkpoint import open_checkpoint, sign_checkpoint
from ledger.context import Ledger
from ledger.domain.ledger_key import rotation_message
from ledger.errors import AuditFailure, LedgerKeyRotated, NotAuthorized
from ledger.export import export_log
from ledger.readiness import check_readiness
from ledger.receipts import verify_receipt
from ledger.signing import SigningKey, b64url_encode, load_key_file
from tests.integration.test_cli import Sou
from tests.support import World


@pytest.fixture
def sou(db_url: str, tmp_path: Path) -> Sou:
    return Sou(db_url, tmp_path)


def _checkpoints(export: Path) -> list[str]:
    with export.open("rb") as lines:
        return [json.loads(line)["checkpoint"] for line in lines if b'"checkpoint"' in line]


def test_a_rotation_from_the_command_line_is_followed_by_the_audit(sou: Sou) -> None:
    sou("db", "upgrade")
    old = load_key_file(sou.tmp / "ledger.key")
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    sou("admin", "convert", number, "2500")
    out = sou("admin", "rotate-ledger-key").output.splitlines()
    new = load_key_file(sou.tmp / "ledger.key")
    assert new.kid != old.kid and out[-1] == new.kid
    retired = sou.tmp / f"ledger.key.retired-{old.kid}"
    assert load_key_file(retired).public_bytes == old.public_bytes
    assert (sou.tmp / "ledger.key").stat().st_mode & 0o777 == 0o600
    # after the rotation: the ledger's own records and the checkpoints carry the new key
    second = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Noé")
    sou("admin", "convert", second, "1000")
    log = sou.tmp / "rotated.log"
    sou("export", "log", str(log))
    for trusted in (old, new):  # the genesis's key, or the key in force, as published
        result = sou("audit", "verify", str(log), "--ledger-key", trusted.public_bytes.hex())
        assert result.output.strip().splitlines()[-1].startswith("OK:")
        assert "ledger key rotated at entry " in result.output
    stranger = SigningKey.generate().public_bytes.hex()
    refused = sou("audit", "verify", str(log), "--ledger-key", stranger, ok=False)
    assert refused.exit_code == 1 and "not by the key given" in refused.output
    # the checkpoints before the rotation verify with the old key, those after with the new
    report = verify_log(log)
    (entry, key_hex), *_ = report.rotations
    assert key_hex == new.public_bytes.hex()
    origin = "pay.example.org/ledger"
    for note in _checkpoints(log):
        size = int(note.splitlines()[1])
        key = old if size <= entry else new
        open_checkpoint(note, name=origin, public_key=key.public_bytes)
    # the retired key file no longer opens the ledger
    stale = sou("export", "log", str(sou.tmp / "x.log"), ok=False, SOU_LEDGER_KEY=str(retired))
    assert stale.exit_code == 1 and "rotated" in stale.output
    assert "Traceback" not in stale.output


def test_after_a_rotation_a_process_with_the_old_key_signs_nothing(db_url: str) -> None:
    world = World(db_url)
    try:
        shop, payer = world.merchant(), world.resident(balance=10_00)
        world.pay(payer, shop, 1_00)
        stale, new_key = world.ledger, SigningKey.generate()
        with stale.unit_of_work() as uow:
            rotation = rotate_ledger_key(uow, new_key=new_key, now=world.now)
            uow.commit()
        assert rotation.record.type == "ledger_key"
        size = world.log_size()
        with pytest.raises(LedgerKeyRotated):  # its receipt would carry the retired key
            world.pay(payer, shop, 1_00)
        with pytest.raises(LedgerKeyRotated), stale.unit_of_work() as uow:
            open_account(uow, kind="resident", now=world.now)
        assert world.log_size() == size
        readiness = check_readiness(stale)
        assert not readiness.ready and "retired" in readiness.checks["ledger_key"]

        rotated = Ledger(stale.engine, stale.host, stale.currency, new_key, "Rétzi", world.clock)
        assert check_readiness(rotated).ready
        world.ledger = rotated
        posted = world.pay(payer, shop, 1_00)
        verify_receipt(posted.receipt(new_key), ledger_key=new_key.public_bytes)
        with rotated.unit_of_work() as uow:
            open_account(uow, kind="resident", now=world.now)
            uow.commit()
        with pytest.raises(LedgerKeyRotated), stale.unit_of_work() as uow:
            transparency.latest_checkpoint(uow)  # the log grew: the old key would sign it
        with rotated.unit_of_work() as uow:
            checkpoint = transparency.latest_checkpoint(uow)
            uow.commit()
        assert checkpoint.size == world.log_size()
        open_checkpoint(checkpoint.note, name=rotated.origin, public_key=new_key.public_bytes)
    finally:
        world.close()


def test_a_rotation_without_the_new_keys_proof_is_refused(world: World) -> None:
    impostor, claimed = SigningKey.generate(), SigningKey.generate()
    ledger = world.ledger
    proof = impostor.sign(rotation_message(ledger.host, ledger.key.kid, claimed.public_bytes))
    size = world.log_size()
    with ledger.unit_of_work() as uow, pytest.raises(NotAuthorized, match="proof"):
        _sign_ledger_record(
            uow,
            {
                "type": "ledger_key",
                "ledger_key": claimed.public_bytes.hex(),
                "proof": b64url_encode(proof),
            },
            world.now,
        )
    assert world.log_size() == size


def test_a_checkpoint_signed_by_the_old_key_after_the_rotation_fails_the_audit(
    world: World, tmp_path: Path
) -> None:
    shop, payer = world.merchant(), world.resident(balance=10_00)
    old = world.ledger.key
    new = SigningKey.generate()
    with world.ledger.unit_of_work() as uow:
        rotate_ledger_key(uow, new_key=new, now=world.now)
        uow.commit()
    world.ledger = Ledger(
        world.engine, world.ledger.host, world.ledger.currency, new, "Rétzi", world.clock
    )
    world.pay(payer, shop, 1_00)
    export = tmp_path / "log.jsonl"
    with world.ledger.unit_of_work() as uow, export.open("w") as out:
        export_log(uow, out)
        uow.commit()
    assert verify_log(export).rotations
    # the final checkpoint re-signed by the retired key: the audit refuses it
    lines = export.read_text().splitlines(keepends=True)
    origin = world.ledger.origin
    final = open_checkpoint(
        json.loads(lines[-1])["checkpoint"], name=origin, public_key=new.public_bytes
    )
    forged = sign_checkpoint(
        origin, final.size, final.root, name=origin, private_key=old.private_key
    )
    lines[-1] = json.dumps({"checkpoint": forged.text}, separators=(",", ":")) + "\n"
    export.write_text("".join(lines))
    with pytest.raises(AuditFailure) as failure:
        verify_log(export)
    assert failure.value.kind == "checkpoint-signature"
