"""Witnesses: cosigners who vouch that the log they saw has not been split (C2SP
tlog-cosignature, cosignature/v1 with Ed25519).

A witness (an auditor, a partner association) keeps the last checkpoint it cosigned for the
ledger's origin. Shown a newer one, it checks the ledger's signature and a consistency proof
from the one it kept, and only then cosigns: a signature line on the checkpoint note,

    — <witness name> base64(key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64))

with key ID = SHA-256(name || "\\n" || 0x04 || public key)[:4], over the message
"cosignature/v1\\n" "time <timestamp>\\n" followed by the checkpoint's note body. A log that
showed one history to a member and another to the auditor cannot have both cosigned by a
witness that saw either, so a verifier that requires a witness's cosignature sees the split.
Verifier keys are `name+hex(key ID)+base64(0x04 || public key)` (c2sp.org/signed-note).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.checkpoint import SIGNATURE_PREFIX, Checkpoint, open_checkpoint, split_note
from ledger.errors import CheckpointError, InvalidProof
from ledger.log import verify_consistency

COSIGNATURE_TYPE = b"\x04"
HEADER = b"cosignature/v1\n"
_STAMP = struct.Struct(">Q")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_TYPE + public_key).digest()[:4]


def witness_vkey(name: str, public_key: bytes) -> str:
    """The verifier key a log and its verifiers are configured with."""
    encoded = base64.b64encode(COSIGNATURE_TYPE + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_witness_vkey(vkey: str) -> tuple[str, bytes]:
    """(name, public key) of a witness's verifier key; refused unless a cosignature/v1 key."""
    try:
        name, khash, encoded = vkey.strip().split("+", 2)
        blob = base64.b64decode(encoded, validate=True)
        expected = bytes.fromhex(khash)
    except (ValueError, binascii.Error):
        raise CheckpointError(f"{vkey!r} is not a verifier key name+hash+base64") from None
    if len(blob) != 33 or blob[:1] != COSIGNATURE_TYPE:
        raise CheckpointError(f"{vkey!r} is not a cosignature/v1 (type 0x04) Ed25519 key")
    if not name or expected != key_id(name, blob[1:]):
        raise CheckpointError(f"{vkey!r}: the key hash is not that of its name and key")
    return name, blob[1:]


def _message(body: str, timestamp: int) -> bytes:
    return HEADER + f"time {timestamp}\n".encode() + body.encode("utf-8")


def cosignature_line(note: str, *, name: str, private_key: Ed25519PrivateKey, now: int) -> str:
    """The witness's signature line over checkpoint `note` (its body), at time `now`."""
    body, _, _ = split_note(note)
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signature = private_key.sign(_message(body, now))
    blob = key_id(name, public) + _STAMP.pack(now) + signature
    return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def cosigned_at(note: str, vkey: str) -> int | None:
    """The time of `vkey`'s valid cosignature on `note`, None if it has none; a line by that
    key that does not verify is an error, as signed-note requires."""
    name, public_key = parse_witness_vkey(vkey)
    body, _, signatures = split_note(note)
    expected = key_id(name, public_key)
    found = None
    for sig_name, sig_id, rest in signatures:
        if sig_name != name or sig_id != expected:
            continue
        if len(rest) != 8 + 64 or found is not None:
            raise CheckpointError(f"a malformed cosignature by {name}")
        (timestamp,) = _STAMP.unpack(rest[:8])
        if timestamp >= 2**63:
            raise CheckpointError(f"the cosignature by {name} has an impossible time")
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(
                rest[8:], _message(body, timestamp)
            )
        except InvalidSignature:
            raise CheckpointError(f"the cosignature by {name} does not verify") from None
        found = timestamp
    return found


@dataclass(frozen=True, slots=True)
class Seen:
    size: int
    root: bytes


class WitnessState:
    """What a witness keeps, per origin (a JSON file): the last checkpoint it cosigned, and
    the ledger key it saw first (pinned: a ledger showing another key is not cosigned)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def seen(self, origin: str) -> Seen | None:
        known = self._read().get("seen", {}).get(origin)
        if known is None:
            return None
        return Seen(int(known["size"]), base64.b64decode(known["root"]))

    def pinned_key(self, origin: str) -> bytes | None:
        """The ledger key this witness first saw for `origin`, if any."""
        key = self._read().get("keys", {}).get(origin)
        return None if key is None else bytes.fromhex(key)

    def pin_key(self, origin: str, public_key: bytes) -> None:
        state = self._read()
        state.setdefault("keys", {})[origin] = public_key.hex()
        self._write(state)

    def keep(self, origin: str, checkpoint: Checkpoint) -> None:
        state = self._read()
        root = base64.b64encode(checkpoint.root).decode()
        state.setdefault("seen", {})[origin] = {"size": checkpoint.size, "root": root}
        self._write(state)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        state: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return state

    def _write(self, state: dict[str, Any]) -> None:
        tmp = self.path.with_name(self.path.name + ".part")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def witness(
    note: str,
    proof: list[bytes],
    *,
    origin: str,
    ledger_key: bytes,
    state: WitnessState,
    name: str,
    private_key: Ed25519PrivateKey,
    now: int,
) -> str:
    """Cosigns checkpoint `note` of the log `origin` if its ledger signature verifies and
    `proof` shows it consistent with the last one this witness cosigned (then kept instead);
    refuses otherwise, whatever it is shown."""
    checkpoint = open_checkpoint(note, name=origin, public_key=ledger_key)
    if checkpoint.origin != origin:
        raise CheckpointError(f"a checkpoint of {checkpoint.origin}, not {origin}")
    seen = state.seen(origin)
    if seen is not None:
        if checkpoint.size < seen.size:
            raise CheckpointError(
                f"the log went back: size {checkpoint.size} after {seen.size} was cosigned"
            )
        if checkpoint.size == seen.size and checkpoint.root != seen.root:
            raise CheckpointError(f"two roots for size {seen.size}: the log was split")
        if checkpoint.size > seen.size and seen.size > 0:
            try:
                verify_consistency(seen.size, checkpoint.size, seen.root, checkpoint.root, proof)
            except InvalidProof as error:
                raise CheckpointError(
                    f"not consistent with size {seen.size} cosigned before: {error.message}"
                ) from None
    line = cosignature_line(note, name=name, private_key=private_key, now=now)
    state.keep(origin, checkpoint)
    return line
