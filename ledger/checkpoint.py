"""Checkpoints: the ledger's signed tree heads, as C2SP tlog-checkpoint signed notes.

A checkpoint is the note text ``origin\\nsize\\nbase64(root)\\n`` (origin ``<host>/ledger``, no
extension lines in Sou), a blank line, then one signature line per signer: an em dash, a space, the
key name, a space and base64(key hash (4) || Ed25519 signature (64)) over the text (c2sp.org/
signed-note, signature type 0x01). The ledger signs under a key named after the origin; treasurer
and auditor keys may add their own lines. Verifiers are configured with verifier keys
``name+hex(keyhash)+base64(0x01 || public key)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.errors import CheckpointError

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "add_cosignature",
    "checkpoint_body",
    "key_hash",
    "open_checkpoint",
    "parse_verifier_key",
    "sign_checkpoint",
    "split_note",
    "verifier_key",
]

ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
MAX_TREE_SIZE = 2**64 - 1
_ROOT_SIZE = 32
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_KEY_HASH_RE = re.compile(r"[0-9a-f]{8}")


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log ``origin`` had ``size`` entries with ``root``; ``text`` is the
    whole signed note."""

    origin: str
    size: int
    root: bytes
    text: str


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 with padding: no stray characters, canonical encoding only."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise CheckpointError(f"{what} is not valid base64") from None
    if _b64encode(data) != text:
        raise CheckpointError(f"{what} is not canonical base64")
    return data


def _has_controls(text: str) -> bool:
    return any(c < " " and c != "\n" for c in text)


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name) or _has_controls(name):
        raise CheckpointError(
            f"invalid key name {name!r}: it must be non-empty, without spaces or +"
        )


def _public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(name || "\\n" || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The verifier key ``name+hex(key hash)+base64(0x01 || public key)``."""
    _check_key_name(name)
    if len(public_key) != 32:
        raise CheckpointError("an Ed25519 public key is 32 bytes")
    return f"{name}+{key_hash(name, public_key).hex()}+{_b64encode(ED25519_TYPE + public_key)}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    """The key name and Ed25519 public key of a verifier key; ``CheckpointError`` if malformed."""
    parts = vkey.split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3:
        raise CheckpointError("a verifier key is name+keyhash+key")
    name, hash_hex, key_b64 = parts
    _check_key_name(name)
    if not _KEY_HASH_RE.fullmatch(hash_hex):
        raise CheckpointError("the verifier key's hash is not 8 lower-case hex digits")
    key = _b64decode(key_b64, "the verifier key's key")
    if len(key) != 33 or key[:1] != ED25519_TYPE:
        raise CheckpointError("the verifier key is not an Ed25519 (type 0x01) key")
    public_key = key[1:]
    if key_hash(name, public_key).hex() != hash_hex:
        raise CheckpointError("the verifier key's hash does not match its name and key")
    return name, public_key


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """The note text ``origin\\nsize\\nbase64(root)\\n`` (what is signed)."""
    if not origin or "\n" in origin or _has_controls(origin):
        raise CheckpointError(f"invalid origin {origin!r}")
    if not 0 <= size <= MAX_TREE_SIZE:
        raise CheckpointError(f"invalid tree size {size}")
    if len(root) != _ROOT_SIZE:
        raise CheckpointError(f"the root hash is {len(root)} bytes, not {_ROOT_SIZE}")
    return f"{origin}\n{size}\n{_b64encode(root)}\n"


def _signature_line(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    _check_key_name(name)
    signature = private_key.sign(body.encode("utf-8"))
    khash = key_hash(name, _public_bytes(private_key))
    return f"{SIGNATURE_PREFIX}{name} {_b64encode(khash + signature)}\n"


def sign_checkpoint(
    origin: str, size: int, root: bytes, *, name: str, private_key: Ed25519PrivateKey
) -> Checkpoint:
    """Sign the checkpoint of ``origin`` at ``size`` and ``root`` with the key ``name``."""
    body = checkpoint_body(origin, size, root)
    text = body + "\n" + _signature_line(body, name, private_key)
    return Checkpoint(origin=origin, size=size, root=root, text=text)


def _parse_body(lines: list[str]) -> tuple[str, int, bytes]:
    origin, size_text, root_text = lines
    if not origin:
        raise CheckpointError("malformed checkpoint: the origin line is empty")
    if not _SIZE_RE.fullmatch(size_text):
        raise CheckpointError(
            f"malformed checkpoint: the tree size {size_text!r} is not a canonical decimal"
        )
    size = int(size_text)
    if size > MAX_TREE_SIZE:
        raise CheckpointError("malformed checkpoint: the tree size is too large")
    root = _b64decode(root_text, "the checkpoint's root hash")
    if len(root) != _ROOT_SIZE:
        raise CheckpointError(
            f"malformed checkpoint: the root hash is {len(root)} bytes, not {_ROOT_SIZE}"
        )
    return origin, size, root


def split_note(text: str) -> tuple[str, list[str], list[tuple[str, bytes, bytes]]]:
    """Split a checkpoint note into its body, its body lines and its signatures (name, key hash,
    signature), checking the signed-note syntax and the Sou checkpoint shape."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CheckpointError("malformed note: it is not valid UTF-8") from None
    if _has_controls(text):
        raise CheckpointError("malformed note: it contains control characters")
    if not text.endswith("\n"):
        raise CheckpointError("malformed note: it does not end with a newline")
    lines = text[:-1].split("\n")
    if "" not in lines:
        raise CheckpointError("malformed note: no blank line between the text and the signatures")
    blank = lines.index("")
    if blank < 3:
        raise CheckpointError("malformed checkpoint: the body is not three non-empty lines")
    if blank > 3:
        raise CheckpointError(
            "malformed checkpoint: extra lines after the root hash (Sou uses no extension lines)"
        )
    if len(lines) == 4:
        raise CheckpointError("malformed note: it has no signature line")
    body_lines, sig_lines = lines[:3], lines[4:]
    if len(sig_lines) > MAX_SIGNATURES:
        raise CheckpointError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    signatures: list[tuple[str, bytes, bytes]] = []
    for line in sig_lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError(f"malformed note: {line!r} is not a signature line")
        fields = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(fields) != 2:
            raise CheckpointError(f"malformed note: {line!r} is not '— name signature'")
        sig_name, sig_b64 = fields
        _check_key_name(sig_name)
        blob = _b64decode(sig_b64, f"the signature by {sig_name}")
        if len(blob) < 5:
            raise CheckpointError(f"malformed note: the signature by {sig_name} is too short")
        signatures.append((sig_name, blob[:4], blob[4:]))
    body = "\n".join(body_lines) + "\n"
    return body, body_lines, signatures


def add_cosignature(note: str, *, name: str, private_key: Ed25519PrivateKey) -> str:
    """Append a signature line by another key (treasurer, auditor) to a checkpoint note.

    The note must be well formed; its existing signatures are not verified here. A key that
    already signed the note cannot sign it twice.
    """
    body, body_lines, signatures = split_note(note)
    _parse_body(body_lines)
    _check_key_name(name)
    khash = key_hash(name, _public_bytes(private_key))
    if any(n == name and h == khash for n, h, _ in signatures):
        raise CheckpointError(f"the key {name} already signed this checkpoint")
    return note + _signature_line(body, name, private_key)


def open_checkpoint(text: str, *, name: str, public_key: bytes) -> Checkpoint:
    """Parse a checkpoint note strictly and verify it is signed by the key ``name``/``public_key``.

    Signature lines of other keys are ignored; a line by this key that does not verify, or none
    at all, raises ``CheckpointError`` saying what is wrong.
    """
    _check_key_name(name)
    if len(public_key) != 32:
        raise CheckpointError("an Ed25519 public key is 32 bytes")
    body, body_lines, signatures = split_note(text)
    origin, size, root = _parse_body(body_lines)
    khash = key_hash(name, public_key)
    try:
        verifier = Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise CheckpointError("the public key is not a valid Ed25519 key") from None
    message = body.encode("utf-8")
    verified = 0
    for sig_name, sig_hash, signature in signatures:
        if sig_name != name or sig_hash != khash:
            continue  # another key's signature: ignored, as signed-note requires
        if verified:
            raise CheckpointError(f"malformed note: the key {name} signed it twice")
        if len(signature) != 64:
            raise CheckpointError(f"bad signature by {name}: not 64 bytes")
        try:
            verifier.verify(signature, message)
        except _CryptoInvalidSignature:
            raise CheckpointError(f"bad signature by {name}: it does not verify") from None
        verified += 1
    if not verified:
        raise CheckpointError(f"no signature by the key {name}+{khash.hex()}")
    return Checkpoint(origin=origin, size=size, root=root, text=text)
