"""Ed25519 keys and strict signature verification (RFC 8032): keys from `cryptography`,
signing and verification by libsodium (PyNaCl), which does both in about half OpenSSL's time
and releases the GIL meanwhile; Ed25519 signatures are deterministic, the same from either.

This module owns every use of Ed25519 in Sou: device and ledger key pairs, key ids (`kid`, the
hex of the first 4 bytes of SHA-256 of the public key), key files, base64url without padding,
and verification. Verification is strict so that every verifier (the server, the offline
auditor, a browser) agrees on which signatures are valid: the signature must be 64 bytes, its
scalar S canonical (S < L), its point R not of small order, and libsodium must accept it
(cofactorless, as OpenSSL: it refuses no more than these checks already refuse). Public
keys are checked in full at enrolment (`check_public_key`): 32 bytes, canonical, not of small
order, on the curve; the pure-Python point decoding below serves only that check. `verify`
repeats the cheap checks and leaves the curve to libsodium, which refuses every signature for
a key that does not decode to a point.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
import stat
from pathlib import Path
from typing import TypeAlias

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

from ledger.errors import (
    FormatError,
    InvalidPublicKey,
    InvalidSignature,
    KeyFileExposed,
    MalformedRecord,
)

PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
SIGNATURE_SIZE = 64

# Curve25519 in twisted Edwards form (RFC 8032 §5.1): field prime, curve constant, group order.
_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
L = 2**252 + 27742317777372353535851937790883648493

# The y coordinates (little-endian, sign bit clear) of every encoding of a point of small
# order, canonical or not: libsodium's blocklist, also listed in "Taming the many EdDSAs"
# (Chalkias et al., 2020). Each appears below with the sign bit clear and set.
_SMALL_ORDER_Y = (
    "0000000000000000000000000000000000000000000000000000000000000000",  # y=0, order 4
    "0100000000000000000000000000000000000000000000000000000000000000",  # y=1, identity
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y=p-1, order 2
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y=p (=0), order 4
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y=p+1 (=1), identity
)
SMALL_ORDER_ENCODINGS: frozenset[bytes] = frozenset(
    bytes.fromhex(y)[:31] + bytes([bytes.fromhex(y)[31] | sign])
    for y in _SMALL_ORDER_Y
    for sign in (0x00, 0x80)
)

_B64URL = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)
_SEED_HEX = re.compile(r"[0-9a-fA-F]{64}\n?", re.ASCII)


# --- base64url and key ids ----------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """Base64url (RFC 4648 §5) without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing padding, other characters and non-zero spare bits."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedRecord("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedRecord("not unpadded base64url") from exc
    if b64url_encode(data) != text:
        raise MalformedRecord("base64url is not canonical (non-zero trailing bits)")
    return data


def kid_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).digest()[:4].hex()


# --- public keys --------------------------------------------------------------------------

_Point: TypeAlias = tuple[int, int]


def _decode_point(encoded: bytes) -> _Point | None:
    """Decompress a point (RFC 8032 §5.1.3), reducing y mod p; None if not on the curve."""
    y = int.from_bytes(encoded, "little") & ((1 << 255) - 1)
    sign = encoded[31] >> 7
    y %= _P
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x2 = u * pow(v, -1, _P) % _P
    if x2 == 0:
        return None if sign else (0, y)
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
        if (x * x - x2) % _P != 0:
            return None
    if x & 1 != sign:
        x = _P - x
    return (x, y)


def _check_encoding(public_key: bytes) -> None:
    """32 bytes, canonical, and not one of the small-order points: their canonical encodings
    are exactly those in the set (the eight torsion points; a test enumerates them)."""
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidPublicKey("an Ed25519 public key is 32 bytes")
    if int.from_bytes(public_key, "little") & ((1 << 255) - 1) >= _P:
        raise InvalidPublicKey("non-canonical public key encoding (y >= p)")
    if public_key in SMALL_ORDER_ENCODINGS:
        raise InvalidPublicKey("public key of small order")


def check_public_key(public_key: bytes) -> None:
    """Refuse a key that is not 32 bytes, not canonical, of small order, or not on the curve."""
    _check_encoding(public_key)
    if _decode_point(public_key) is None:
        raise InvalidPublicKey("public key is not a point on the curve")


@functools.lru_cache(maxsize=8192)
def _usable_key(public_key: bytes) -> bytes:
    """The key after the cheap checks (cached); not on the curve, it verifies nothing."""
    _check_encoding(public_key)
    return public_key


def verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Raise `InvalidSignature` (and nothing else) unless `signature` strictly verifies."""
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignature("an Ed25519 signature is 64 bytes")
    if int.from_bytes(signature[32:], "little") >= L:
        raise InvalidSignature("non-canonical signature scalar (S >= L)")
    if signature[:32] in SMALL_ORDER_ENCODINGS:
        raise InvalidSignature("signature point R of small order")
    try:
        key = _usable_key(public_key)
    except InvalidPublicKey as exc:
        raise InvalidSignature(f"unusable public key: {exc.message}") from exc
    try:
        crypto_sign_open(signature + message, key)
    except BadSignatureError:
        raise InvalidSignature() from None


# --- private keys -------------------------------------------------------------------------


class SigningKey:
    """An Ed25519 key pair. Its repr shows only the key id, never the seed."""

    __slots__ = ("_private_key", "_public_bytes", "_secret")

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self._public_bytes = private_key.public_key().public_bytes_raw()
        # libsodium's form of the same key (seed ‖ public key), for `sign`.
        _, self._secret = crypto_sign_seed_keypair(private_key.private_bytes_raw())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> SigningKey:
        if not isinstance(raw, bytes) or len(raw) != SEED_SIZE:
            raise FormatError("an Ed25519 private key (seed) is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    @property
    def private_key(self) -> Ed25519PrivateKey:
        return self._private_key

    @property
    def private_bytes(self) -> bytes:
        return self._private_key.private_bytes_raw()

    @property
    def public_bytes(self) -> bytes:
        return self._public_bytes

    @property
    def kid(self) -> str:
        return kid_of(self._public_bytes)

    def sign(self, message: bytes) -> bytes:
        signature: bytes = crypto_sign(message, self._secret)[:SIGNATURE_SIZE]
        return signature

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"


def check_key_file(path: Path, status: os.stat_result) -> None:
    """Refuse a key file that others than its owner may read or write (mode & 0o077), or
    that the running user does not own; the message names the file and the fix, never the key.
    """
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077:
        raise KeyFileExposed(
            f"{path}: key file has mode {mode:04o}, readable or writable by others than its "
            f"owner: run `chmod 600 {path}`",
            path=str(path),
            mode=f"{mode:04o}",
        )
    if status.st_uid != os.geteuid():
        raise KeyFileExposed(
            f"{path}: key file is owned by uid {status.st_uid}, not by the running user "
            f"(uid {os.geteuid()}): `chown` it to the user the service runs as",
            path=str(path),
            owner=status.st_uid,
        )


def load_key_file(path: Path) -> SigningKey:
    """Read a key file: the 32-byte seed as 64 hex digits, optionally followed by a newline.

    The file must be private (`check_key_file`): its mode and owner are read from the open
    file itself, so that they are those of the bytes read.
    """
    with path.open("rb") as file:
        check_key_file(path, os.fstat(file.fileno()))
        text = file.read(256).decode("ascii", errors="replace")
    if not _SEED_HEX.fullmatch(text):
        raise FormatError(f"{path}: a key file holds 64 hex digits and a newline")
    return SigningKey.from_private_bytes(bytes.fromhex(text.strip()))


def create_key_file(path: Path) -> SigningKey:
    """Create a new key and its file, readable by the owner only; never overwrite one.

    Raises `FileExistsError` if the path exists (even as a dangling symlink).
    """
    key = SigningKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), 0o600)  # exactly 0600, whatever the umask
            file.write((key.private_bytes.hex() + "\n").encode("ascii"))
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return key
