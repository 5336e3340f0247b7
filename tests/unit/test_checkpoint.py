"""Checkpoints as C2SP tlog-checkpoint signed notes (FORMATS.md §5, §10)."""

from __future__ import annotations

import base64
import hashlib
import string
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.checkpoint import (
    Checkpoint,
    add_cosignature,
    checkpoint_body,
    key_hash,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
)
from ledger.errors import CheckpointError
from ledger.log import EMPTY_ROOT, CompactRange, leaf_hash

ORIGIN = "pay.example.org/ledger"
TREASURER = "pay.example.org/treasurer"
AUDITOR = "auditor.example/sou"


def load_vectors() -> dict[str, Any]:
    """spec/vectors.json through tests/vectors.py (the checkout is put on sys.path if pytest did
    not, i.e. without `pythonpath = ["."]` in its configuration)."""
    checkout = str(Path(__file__).resolve().parents[2])
    if checkout not in sys.path:
        sys.path.append(checkout)
    from tests.vectors import load_vectors as load

    return load()


VECTORS = load_vectors()
CHECKPOINT: dict[str, Any] = VECTORS["checkpoint"]
KEYS: dict[str, Any] = VECTORS["keys"]


def private(role: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(KEYS[role]["private_hex"]))


def public(role: str) -> bytes:
    return bytes.fromhex(KEYS[role]["public_hex"])


LEDGER_KEY = private("ledger")
LEDGER_PUB = public("ledger")


def vector_root() -> bytes:
    compact = CompactRange()
    for leaf_hex in VECTORS["merkle"]["leaves_hex"]:
        compact.append(leaf_hash(bytes.fromhex(leaf_hex)))
    root = compact.root()
    assert root.hex() == VECTORS["merkle"]["roots_hex"]["8"]
    return root


def signed_note(body: str, name: str = ORIGIN, key: Ed25519PrivateKey = LEDGER_KEY) -> str:
    """A note over any body text, correctly signed: to test what the parser refuses by itself."""
    blob = key_hash(name, key.public_key().public_bytes_raw()) + key.sign(body.encode())
    return f"{body}\n— {name} {base64.b64encode(blob).decode()}\n"


def open_ledger(text: str) -> Checkpoint:
    return open_checkpoint(text, name=ORIGIN, public_key=LEDGER_PUB)


# --- the vector ---------------------------------------------------------------------------------


def test_the_vector_checkpoint_is_reproduced_byte_for_byte() -> None:
    assert CHECKPOINT["key_name"] == ORIGIN
    checkpoint = sign_checkpoint(ORIGIN, 8, vector_root(), name=ORIGIN, private_key=LEDGER_KEY)
    assert checkpoint.text == CHECKPOINT["text"]
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, 8, vector_root())


def test_the_vector_verifier_key_and_key_hash_are_reproduced() -> None:
    assert key_hash(ORIGIN, LEDGER_PUB).hex() == CHECKPOINT["key_hash_hex"]
    assert (
        key_hash(ORIGIN, LEDGER_PUB)
        == hashlib.sha256(ORIGIN.encode() + b"\n\x01" + LEDGER_PUB).digest()[:4]
    )
    assert verifier_key(ORIGIN, LEDGER_PUB) == CHECKPOINT["verifier_key"]
    assert parse_verifier_key(CHECKPOINT["verifier_key"]) == (ORIGIN, LEDGER_PUB)


def test_the_vector_checkpoint_opens_with_the_ledger_key() -> None:
    checkpoint = open_ledger(CHECKPOINT["text"])
    assert checkpoint == Checkpoint(ORIGIN, 8, vector_root(), CHECKPOINT["text"])
    assert checkpoint_body(ORIGIN, 8, vector_root()) == CHECKPOINT["text"].split("\n\n")[0] + "\n"


# --- what open_checkpoint refuses ---------------------------------------------------------------


def test_every_single_character_change_anywhere_in_the_note_is_rejected() -> None:
    text: str = CHECKPOINT["text"]
    for i, c in enumerate(text):
        for replacement in {chr(ord(c) ^ 1), "A" if c != "A" else "B"}:
            tampered = text[:i] + replacement + text[i + 1 :]
            with pytest.raises(CheckpointError):
                open_ledger(tampered)


def test_a_changed_body_fails_the_signature() -> None:
    text: str = CHECKPOINT["text"]
    for tampered in [
        text.replace("\n8\n", "\n9\n"),
        text.replace("pay.example.org/ledger\n", "pay.example.org/ledgex\n", 1),
        text.replace("Xcnae", "Xcnaf"),
    ]:
        assert tampered != text
        with pytest.raises(CheckpointError, match="bad signature"):
            open_ledger(tampered)


def test_a_flipped_byte_in_the_signature_is_rejected() -> None:
    text: str = CHECKPOINT["text"]
    body, sig_line = text.split("\n\n")
    prefix, b64 = sig_line.rstrip("\n").rsplit(" ", 1)
    blob = base64.b64decode(b64)
    for i in [4, 20, 40, 67]:
        flipped = blob[:i] + bytes([blob[i] ^ 0x10]) + blob[i + 1 :]
        tampered = f"{body}\n\n{prefix} {base64.b64encode(flipped).decode()}\n"
        with pytest.raises(CheckpointError, match="bad signature"):
            open_ledger(tampered)


def test_a_wrong_key_finds_no_signature() -> None:
    text: str = CHECKPOINT["text"]
    with pytest.raises(CheckpointError, match="no signature"):
        open_checkpoint(text, name=ORIGIN, public_key=public("payer_phone"))
    with pytest.raises(CheckpointError, match="no signature"):
        open_checkpoint(text, name="other.example/ledger", public_key=LEDGER_PUB)
    forged = sign_checkpoint(
        ORIGIN, 8, vector_root(), name=ORIGIN, private_key=private("payer_phone")
    )
    with pytest.raises(CheckpointError, match="no signature"):
        open_ledger(forged.text)


def test_a_note_without_signature_lines_is_rejected() -> None:
    body = checkpoint_body(ORIGIN, 8, vector_root())
    for text in [body, body + "\n", ""]:
        with pytest.raises(CheckpointError):
            open_ledger(text)


@pytest.mark.parametrize("size", ["08", "+8", " 8", "8 ", "-0", "0x8", "٨", "8.0", "", "1e3"])
def test_a_tree_size_that_is_not_a_canonical_decimal_is_rejected(size: str) -> None:
    root_b64 = base64.b64encode(vector_root()).decode()
    with pytest.raises(CheckpointError, match=r"three non-empty lines|canonical decimal"):
        open_ledger(signed_note(f"{ORIGIN}\n{size}\n{root_b64}\n"))


def test_a_tree_size_beyond_64_bits_is_rejected() -> None:
    root_b64 = base64.b64encode(vector_root()).decode()
    open_ledger(signed_note(f"{ORIGIN}\n{2**64 - 1}\n{root_b64}\n"))
    with pytest.raises(CheckpointError, match="too large"):
        open_ledger(signed_note(f"{ORIGIN}\n{2**64}\n{root_b64}\n"))


@pytest.mark.parametrize("length", [1, 31, 33, 64])
def test_a_root_hash_of_the_wrong_length_is_rejected(length: int) -> None:
    root_b64 = base64.b64encode(b"\x07" * length).decode()
    with pytest.raises(CheckpointError, match="root hash is"):
        open_ledger(signed_note(f"{ORIGIN}\n8\n{root_b64}\n"))


def test_a_root_hash_in_non_canonical_or_unpadded_base64_is_rejected() -> None:
    root_b64 = base64.b64encode(vector_root()).decode()
    # the last symbol before '=' carries 2 unused bits, which must be zero
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
    non_canonical = root_b64[:42] + alphabet[alphabet.index(root_b64[42]) | 1] + "="
    assert non_canonical != root_b64
    assert base64.b64decode(non_canonical) == vector_root()
    for bad in [non_canonical, root_b64.rstrip("="), root_b64.replace("+", "-").replace("/", "_")]:
        if bad == root_b64:
            continue
        with pytest.raises(CheckpointError, match="base64"):
            open_ledger(signed_note(f"{ORIGIN}\n8\n{bad}\n"))


def test_extra_lines_are_rejected_even_when_signed() -> None:
    body = checkpoint_body(ORIGIN, 8, vector_root())
    text: str = CHECKPOINT["text"]
    for tampered in [
        signed_note(body + "extension line\n"),  # extension lines: none in Sou
        signed_note("\n" + body),
        text + "\n",
        text + "trailing\n",
        text.replace("\n\n", "\n\n\n"),
        text.rstrip("\n"),
        text.replace("\n", "\r\n"),
    ]:
        with pytest.raises(CheckpointError):
            open_ledger(tampered)


def test_a_malformed_signature_line_is_rejected() -> None:
    text: str = CHECKPOINT["text"]
    body, sig_line = text.split("\n\n")
    for bad_line in [
        sig_line.replace("— ", "- "),
        sig_line.replace("— ", "—  "),
        sig_line.replace(" ", "  ", 2),
        sig_line.replace("— pay.example.org/ledger ", "— "),
        sig_line.replace("=\n", "\n"),
        "— pay.example.org/ledger AAAA\n",
    ]:
        with pytest.raises(CheckpointError):
            open_ledger(f"{body}\n\n{bad_line}")


def test_open_checkpoint_names_an_invalid_public_key() -> None:
    with pytest.raises(CheckpointError, match="32 bytes"):
        open_checkpoint(CHECKPOINT["text"], name=ORIGIN, public_key=LEDGER_PUB[:31])


# --- cosignatures and unknown keys --------------------------------------------------------------


def test_a_cosigned_checkpoint_opens_with_each_signer_key() -> None:
    text: str = CHECKPOINT["text"]
    cosigned = add_cosignature(text, name=TREASURER, private_key=private("merchant_till"))
    cosigned = add_cosignature(cosigned, name=AUDITOR, private_key=private("payer_phone"))
    assert cosigned.startswith(text)
    assert cosigned.count("\n— ") == 3
    for name, key in [
        (ORIGIN, LEDGER_PUB),
        (TREASURER, public("merchant_till")),
        (AUDITOR, public("payer_phone")),
    ]:
        checkpoint = open_checkpoint(cosigned, name=name, public_key=key)
        assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, 8, vector_root())
        assert checkpoint.text == cosigned


def test_signature_lines_of_unknown_keys_are_ignored() -> None:
    unknown = "— someone.example/else " + base64.b64encode(b"\x00" * 68).decode() + "\n"
    text: str = CHECKPOINT["text"]
    assert open_ledger(text + unknown).size == 8
    body, sig_line = text.split("\n\n")
    assert open_ledger(f"{body}\n\n{unknown}{sig_line}").size == 8
    # the same name with another key hash is another key: ignored too
    other = signed_note(checkpoint_body(ORIGIN, 8, vector_root()), key=private("payer_phone"))
    other_line = other.split("\n\n")[1]
    assert open_ledger(f"{body}\n\n{other_line}{sig_line}").size == 8
    with pytest.raises(CheckpointError, match="no signature"):
        open_ledger(other)


def test_a_bad_cosignature_from_a_known_key_is_rejected() -> None:
    text: str = CHECKPOINT["text"]
    cosigned = add_cosignature(text, name=TREASURER, private_key=private("merchant_till"))
    last = cosigned.rsplit("\n— ", 1)[1]
    name, b64 = last.rstrip("\n").split(" ")
    blob = bytearray(base64.b64decode(b64))
    blob[10] ^= 1
    tampered = cosigned[: -len(last)] + f"{name} {base64.b64encode(bytes(blob)).decode()}\n"
    assert open_ledger(tampered).size == 8  # the treasurer's line is not the ledger's business
    with pytest.raises(CheckpointError, match="bad signature"):
        open_checkpoint(tampered, name=TREASURER, public_key=public("merchant_till"))


def test_a_key_cannot_sign_the_same_checkpoint_twice() -> None:
    text: str = CHECKPOINT["text"]
    with pytest.raises(CheckpointError, match="already signed"):
        add_cosignature(text, name=ORIGIN, private_key=LEDGER_KEY)
    _, sig_line = text.split("\n\n")
    with pytest.raises(CheckpointError, match="twice"):
        open_ledger(text + sig_line)


def test_a_cosignature_needs_a_well_formed_checkpoint() -> None:
    with pytest.raises(CheckpointError):
        add_cosignature("hello\n\n", name=TREASURER, private_key=private("merchant_till"))
    with pytest.raises(CheckpointError):
        add_cosignature(CHECKPOINT["text"], name="bad name", private_key=LEDGER_KEY)


# --- signing and verifier keys ------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(size=st.integers(0, 2**64 - 1), root=st.binary(min_size=32, max_size=32))
def test_any_signed_checkpoint_opens_to_what_was_signed(size: int, root: bytes) -> None:
    checkpoint = sign_checkpoint(ORIGIN, size, root, name=ORIGIN, private_key=LEDGER_KEY)
    assert open_ledger(checkpoint.text) == checkpoint


def test_the_empty_tree_has_a_checkpoint() -> None:
    checkpoint = sign_checkpoint(ORIGIN, 0, EMPTY_ROOT, name=ORIGIN, private_key=LEDGER_KEY)
    assert checkpoint.text.startswith(f"{ORIGIN}\n0\n")
    assert open_ledger(checkpoint.text) == checkpoint


def test_signing_refuses_bad_origins_sizes_roots_and_key_names() -> None:
    root = vector_root()
    for origin, size, root_arg, name in [
        ("", 8, root, ORIGIN),
        ("two\nlines", 8, root, ORIGIN),
        (ORIGIN, -1, root, ORIGIN),
        (ORIGIN, 2**64, root, ORIGIN),
        (ORIGIN, 8, root[:31], ORIGIN),
        (ORIGIN, 8, root, "has space"),
        (ORIGIN, 8, root, "has+plus"),
        (ORIGIN, 8, root, ""),
    ]:
        with pytest.raises(CheckpointError):
            sign_checkpoint(origin, size, root_arg, name=name, private_key=LEDGER_KEY)


def test_malformed_verifier_keys_are_rejected() -> None:
    vkey: str = CHECKPOINT["verifier_key"]
    name, khash, key = vkey.split("+", 2)
    assert "+" in key  # the vector's key has a '+' of its own
    wrong_type = base64.b64encode(b"\x02" + LEDGER_PUB).decode()
    for bad in [
        "",
        name,
        f"{name}+{khash}",
        f"{name}+{khash}+{key}+extra",
        f"{name}+{khash}+{key}=",
        f"{name}+x+{khash}+{key}",
        f"{name}+{khash.upper()}+{key}",
        f"{name}+{khash[:6]}+{key}",
        f"{name}+00000000+{key}",
        f"other.example/ledger+{khash}+{key}",
        f"{name}+{khash}+{key[:-4]}",
        f"{name}+{khash}+{wrong_type}",
        f"+{khash}+{key}",
    ]:
        with pytest.raises(CheckpointError):
            parse_verifier_key(bad)
    for role in KEYS:
        round_trip = parse_verifier_key(verifier_key(f"sou.example/{role}", public(role)))
        assert round_trip == (f"sou.example/{role}", public(role))
