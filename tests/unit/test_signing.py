"""Ed25519 keys, key ids, key files, base64url and strict verification (FORMATS.md §4, §10)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import (
    FormatError,
    InvalidPublicKey,
    InvalidSignature,
    KeyFileExposed,
    MalformedRecord,
)
from ledger.signing import (
    SMALL_ORDER_ENCODINGS,
    L,
    SigningKey,
    b64url_decode,
    b64url_encode,
    check_public_key,
    create_key_file,
    kid_of,
    load_key_file,
    verify,
)
from tests.vectors import load_vectors

P = 2**255 - 19

# libsodium's blocklist of small-order encodings (compared with the sign bit masked off).
LIBSODIUM_BLOCKLIST = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]
IDENTITY = (1).to_bytes(32, "little")
NON_CANONICAL_IDENTITY = (P + 1).to_bytes(32, "little")


def _vectors() -> dict[str, Any]:
    return load_vectors()


VECTORS = _vectors()


def _key(name: str) -> SigningKey:
    return SigningKey.from_private_bytes(bytes.fromhex(VECTORS["keys"][name]["private_hex"]))


def _with_sign_bit(encoding: bytes) -> bytes:
    return encoding[:31] + bytes([encoding[31] | 0x80])


def _signed() -> tuple[bytes, bytes, bytes]:
    """A payer key, a message and its valid signature."""
    key = _key("payer_phone")
    message = VECTORS["transfer"]["signed_bytes_utf8"].encode("utf-8")
    return key.public_bytes, message, key.sign(message)


# --- the RFC 8032 test keys and the spec's vectors ----------------------------------------


@pytest.mark.parametrize("name", ["merchant_till", "payer_phone", "ledger"])
def test_rfc8032_test_keys_give_the_vector_public_keys_and_kids(name: str) -> None:
    key = _key(name)
    assert key.public_bytes.hex() == VECTORS["keys"][name]["public_hex"]
    assert key.kid == VECTORS["keys"][name]["kid"] == kid_of(key.public_bytes)
    assert key.private_bytes.hex() == VECTORS["keys"][name]["private_hex"]
    check_public_key(key.public_bytes)


@pytest.mark.parametrize(("record", "signer"), [("transfer", "payer_phone"), ("receipt", "ledger")])
def test_signing_the_vector_record_gives_its_signature_and_id(record: str, signer: str) -> None:
    vector = VECTORS[record]
    signed = vector["signed_bytes_utf8"].encode("utf-8")
    key = _key(signer)
    assert b64url_encode(key.sign(signed)) == vector["sig"] == vector["envelope"]["sig"]
    assert hashlib.sha256(signed).hexdigest() == vector["id"]
    verify(key.public_bytes, signed, b64url_decode(vector["sig"]))


def test_the_vector_signature_does_not_verify_under_another_key() -> None:
    signed = VECTORS["transfer"]["signed_bytes_utf8"].encode("utf-8")
    with pytest.raises(InvalidSignature):
        verify(_key("ledger").public_bytes, signed, b64url_decode(VECTORS["transfer"]["sig"]))


# --- strict verification ------------------------------------------------------------------


def test_signature_with_non_canonical_s_is_rejected() -> None:
    public, message, sig = _signed()
    s = int.from_bytes(sig[32:], "little")
    malleated = sig[:32] + (s + L).to_bytes(32, "little")
    with pytest.raises(InvalidSignature, match="S >= L"):
        verify(public, message, malleated)


def test_signature_with_s_equal_to_the_group_order_is_rejected() -> None:
    public, message, sig = _signed()
    with pytest.raises(InvalidSignature, match="S >= L"):
        verify(public, message, sig[:32] + L.to_bytes(32, "little"))


@pytest.mark.parametrize("encoding", sorted(SMALL_ORDER_ENCODINGS), ids=lambda b: b.hex()[:8])
def test_signature_with_small_order_r_is_rejected(encoding: bytes) -> None:
    public, message, sig = _signed()
    with pytest.raises(InvalidSignature, match="small order"):
        verify(public, message, encoding + sig[32:])


def test_forgery_under_the_identity_key_is_rejected() -> None:
    # R = identity, S = 0 satisfies the verification equation for any message when A is the
    # identity: a lax verifier accepts it.
    with pytest.raises(InvalidSignature):
        verify(IDENTITY, b"pay 1000000 to anyone", IDENTITY + bytes(32))
    with pytest.raises(InvalidSignature):
        verify(NON_CANONICAL_IDENTITY, b"pay 1000000 to anyone", IDENTITY + bytes(32))


@pytest.mark.parametrize("length", [0, 32, 63, 65])
def test_signature_of_the_wrong_length_is_rejected(length: int) -> None:
    public, message, sig = _signed()
    with pytest.raises(InvalidSignature, match="64 bytes"):
        verify(public, message, (sig + sig)[:length])


@pytest.mark.parametrize("bit", [0, 7, 200, 255, 256, 300, 511])
def test_signature_with_a_flipped_bit_is_rejected(bit: int) -> None:
    public, message, sig = _signed()
    flipped = bytearray(sig)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(InvalidSignature):
        verify(public, message, bytes(flipped))


def test_message_with_a_flipped_bit_is_rejected() -> None:
    public, message, sig = _signed()
    with pytest.raises(InvalidSignature):
        verify(public, bytes([message[0] ^ 0x01]) + message[1:], sig)


def test_verify_with_an_unusable_public_key_raises_invalid_signature() -> None:
    _, message, sig = _signed()
    for public in (b"", bytes(31), bytes(33), IDENTITY, (P + 1).to_bytes(32, "little")):
        with pytest.raises(InvalidSignature, match="unusable public key"):
            verify(public, message, sig)


def test_verify_with_a_key_not_on_the_curve_raises_invalid_signature() -> None:
    # `verify` leaves the curve to OpenSSL (`check_public_key` at enrolment checks it first).
    _, message, sig = _signed()
    for y in (2, 3, 5):
        with pytest.raises(InvalidSignature):
            verify(y.to_bytes(32, "little"), message, sig)


# --- public keys --------------------------------------------------------------------------


@pytest.mark.parametrize("y_hex", LIBSODIUM_BLOCKLIST)
@pytest.mark.parametrize("sign", [0x00, 0x80])
def test_small_order_public_keys_are_rejected_in_every_encoding(y_hex: str, sign: int) -> None:
    encoding = bytes.fromhex(y_hex)[:31] + bytes([bytes.fromhex(y_hex)[31] | sign])
    assert encoding in SMALL_ORDER_ENCODINGS
    with pytest.raises(InvalidPublicKey):
        check_public_key(encoding)


def test_the_small_order_set_is_exactly_every_encoding_of_the_eight_torsion_points() -> None:
    # Independent of the module: the torsion subgroup is cyclic of order 8, generated by any
    # point of order 8; enumerate it with textbook affine arithmetic and encode each point in
    # every way a decoder could accept (y or y + p, either sign bit when x = 0).
    d = -121665 * pow(121666, -1, P) % P

    def add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        t = d * a[0] * b[0] * a[1] * b[1] % P
        x = (a[0] * b[1] + a[1] * b[0]) * pow(1 + t, -1, P) % P
        y = (a[1] * b[1] + a[0] * b[0]) * pow(1 - t, -1, P) % P
        return (x, y)

    y8 = int.from_bytes(bytes.fromhex(LIBSODIUM_BLOCKLIST[2]), "little")
    x8_squared = (y8 * y8 - 1) * pow(d * y8 * y8 + 1, -1, P) % P
    x8 = pow(x8_squared, (P + 3) // 8, P)
    if (x8 * x8 - x8_squared) % P:
        x8 = x8 * pow(2, (P - 1) // 4, P) % P
    assert (x8 * x8 - x8_squared) % P == 0
    points, point = [], (x8, y8)
    for _ in range(8):
        points.append(point)
        point = add(point, (x8, y8))
    assert point == (x8, y8) and len(set(points)) == 8 and (0, 1) in points

    encodings = set()
    for x, y in points:
        for y_enc in (y, y + P):
            if y_enc < 2**255:
                signs = {x & 1, 1} if x == 0 else {x & 1}
                encodings |= {(y_enc | sign << 255).to_bytes(32, "little") for sign in signs}
    assert encodings == set(SMALL_ORDER_ENCODINGS)
    assert len(encodings) == 14


@pytest.mark.parametrize("y", [P, P + 2, P + 3, 2**255 - 1])
def test_public_key_with_non_canonical_y_is_rejected(y: int) -> None:
    for encoding in (y.to_bytes(32, "little"), _with_sign_bit(y.to_bytes(32, "little"))):
        with pytest.raises(InvalidPublicKey, match="non-canonical"):
            check_public_key(encoding)


def test_public_key_not_on_the_curve_is_rejected() -> None:
    with pytest.raises(InvalidPublicKey, match="not a point on the curve"):
        check_public_key((2).to_bytes(32, "little"))


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_public_key_of_the_wrong_length_is_rejected(length: int) -> None:
    with pytest.raises(InvalidPublicKey, match="32 bytes"):
        check_public_key(bytes(range(length)))


def test_kid_is_the_hex_of_the_first_four_bytes_of_the_key_hash() -> None:
    public = bytes(range(32))
    assert kid_of(public) == hashlib.sha256(public).hexdigest()[:8]


# --- signing keys and key files -----------------------------------------------------------


def test_a_generated_key_signs_what_its_public_key_verifies() -> None:
    key = SigningKey.generate()
    check_public_key(key.public_bytes)
    verify(key.public_bytes, b"hello", key.sign(b"hello"))
    assert SigningKey.from_private_bytes(key.private_bytes).public_bytes == key.public_bytes
    assert key.private_key.public_key().public_bytes_raw() == key.public_bytes


def test_a_signing_key_repr_shows_the_kid_and_never_the_seed() -> None:
    key = _key("ledger")
    assert key.kid in repr(key)
    assert VECTORS["keys"]["ledger"]["private_hex"] not in repr(key)


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_a_seed_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(FormatError):
        SigningKey.from_private_bytes(bytes(length))


def test_a_created_key_file_is_private_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    key = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == key.private_bytes.hex() + "\n"
    assert load_key_file(path).public_bytes == key.public_bytes


def test_creating_a_key_file_never_overwrites_an_existing_one(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    first = create_key_file(path)
    with pytest.raises(FileExistsError):
        create_key_file(path)
    assert load_key_file(path).public_bytes == first.public_bytes


def test_the_vector_seed_in_a_key_file_gives_the_vector_key(tmp_path: Path) -> None:
    path = tmp_path / "ledger.key"
    path.write_text(VECTORS["keys"]["ledger"]["private_hex"] + "\n")
    path.chmod(0o600)
    assert load_key_file(path).kid == VECTORS["keys"]["ledger"]["kid"]


@pytest.mark.parametrize("content", ["", "abcd\n", "zz" * 32 + "\n", "00" * 32 + "\n\n", "00" * 33])
def test_a_malformed_key_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(FormatError):
        load_key_file(path)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o666])
def test_a_key_file_others_may_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "ledger.key"
    key = create_key_file(path)
    path.chmod(mode)
    with pytest.raises(KeyFileExposed) as refused:
        load_key_file(path)
    assert f"{mode:04o}" in refused.value.message and "chmod 600" in refused.value.message
    assert key.private_bytes.hex() not in refused.value.message


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_key_file_only_its_owner_may_use_loads(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "ledger.key"
    key = create_key_file(path)
    path.chmod(mode)
    assert load_key_file(path).public_bytes == key.public_bytes


def test_a_key_file_owned_by_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.key"
    create_key_file(path)
    owner = path.stat().st_uid
    monkeypatch.setattr("os.geteuid", lambda: owner + 1)
    with pytest.raises(KeyFileExposed, match="not by the running user"):
        load_key_file(path)


# --- base64url ----------------------------------------------------------------------------


@settings(database=None)
@given(st.binary(max_size=100))
def test_base64url_round_trips_without_padding(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize(
    "text",
    ["AA==", "AA=", "A", "AB", "AAB", "+/8", "ab cd", "AA\n", "ÀÀÀÀ", "AAAA AAAA"],
)
def test_base64url_that_is_padded_non_canonical_or_not_url_safe_is_rejected(text: str) -> None:
    with pytest.raises(MalformedRecord):
        b64url_decode(text)
