"""Payment requests and the QR-code URLs that carry them (FORMATS.md §6).

A payment request is a small binary record a till signs with a merchant or cashier key, so that
it can be shown while the till is offline: `ver` (0x01) ‖ `merchant` (uint32) ‖ `amount` cents
(uint32) ‖ `expires` Unix seconds (uint32) ‖ `nonce` (8 bytes) ‖ `kid` (4 bytes) ‖ `n` (1 byte,
0–12) ‖ `ref` (n bytes of printable ASCII) ‖ `sig` (64 bytes), all big-endian. The signature
covers `"SOU-PR1\\n" ‖ lower-case host ‖ "\\n" ‖` the record without `sig`, and the payer's
transfer names the request by `payreq`, the hex SHA-256 of the whole record. This module builds,
signs, parses and verifies requests, and writes and reads both kinds of QR URL: upper-case
`HTTPS://HOST/R/<BASE32>` for a request and `HTTPS://HOST/M/<ACCOUNT>` for a printed sticker.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass, replace

from ledger.errors import InvalidSignature, PaymentRequestError
from ledger.signing import SIGNATURE_SIZE, SigningKey, kid_of, verify

VERSION = 1
NONCE_SIZE = 8
MAX_REF = 12
MAX_AMOUNT = 2**31 - 1
MAX_UINT32 = 2**32 - 1
DEFAULT_MAX_AHEAD = 600  # seconds: a request expires at most 10 minutes after it is made

_HEADER = struct.Struct(">BIII8s4sB")  # ver, merchant, amount, expires, nonce, kid, n
_KID = re.compile(r"[0-9a-f]{8}", re.ASCII)
_PRINTABLE = re.compile(r"[\x20-\x7e]*", re.ASCII)
_BASE32 = re.compile(r"[A-Z2-7]+", re.ASCII)
_ACCOUNT = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_SIGNING_PREFIX = b"SOU-PR1\n"


def _check_uint32(name: str, value: int, *, low: int = 0, high: int = MAX_UINT32) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PaymentRequestError(f"{name} must be an integer in {low}..{high}", **{name: value})


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    merchant: int
    amount: int
    expires: int
    nonce: bytes
    kid: str
    ref: str
    sig: bytes = b""

    def __post_init__(self) -> None:
        _check_uint32("merchant", self.merchant)
        _check_uint32("amount", self.amount, low=1, high=MAX_AMOUNT)
        _check_uint32("expires", self.expires)
        if not isinstance(self.nonce, bytes) or len(self.nonce) != NONCE_SIZE:
            raise PaymentRequestError("the nonce is 8 bytes")
        if not isinstance(self.kid, str) or not _KID.fullmatch(self.kid):
            raise PaymentRequestError("the kid is 8 lower-case hex digits", kid=self.kid)
        if not isinstance(self.ref, str) or len(self.ref) > MAX_REF:
            raise PaymentRequestError("the reference is at most 12 characters", ref=self.ref)
        if not _PRINTABLE.fullmatch(self.ref):
            raise PaymentRequestError("the reference is printable ASCII only", ref=self.ref)
        if not isinstance(self.sig, bytes) or len(self.sig) not in (0, SIGNATURE_SIZE):
            raise PaymentRequestError("the signature is 64 bytes (or empty while unsigned)")

    def unsigned_bytes(self) -> bytes:
        ref = self.ref.encode("ascii")
        header = _HEADER.pack(
            VERSION,
            self.merchant,
            self.amount,
            self.expires,
            self.nonce,
            bytes.fromhex(self.kid),
            len(ref),
        )
        return header + ref

    def to_bytes(self) -> bytes:
        return self.unsigned_bytes() + self.sig

    @property
    def payreq(self) -> str:
        """The hex SHA-256 of the signed request, which the paying transfer carries."""
        return hashlib.sha256(self.to_bytes()).hexdigest()


def _host_bytes(host: str) -> bytes:
    try:
        return host.lower().encode("ascii")
    except UnicodeEncodeError:
        raise PaymentRequestError("the host must be ASCII (use its punycode form)") from None


def signing_message(host: str, unsigned: bytes) -> bytes:
    return _SIGNING_PREFIX + _host_bytes(host) + b"\n" + unsigned


def sign_request(
    *,
    host: str,
    merchant: int,
    amount: int,
    expires: int,
    nonce: bytes,
    ref: str,
    key: SigningKey,
) -> PaymentRequest:
    unsigned = PaymentRequest(
        merchant=merchant, amount=amount, expires=expires, nonce=nonce, kid=key.kid, ref=ref
    )
    return replace(unsigned, sig=key.sign(signing_message(host, unsigned.unsigned_bytes())))


def parse_request(data: bytes) -> PaymentRequest:
    """Decode a signed request; anything but the exact format raises `PaymentRequestError`."""
    if len(data) < 1:
        raise PaymentRequestError("empty payment request")
    if data[0] != VERSION:
        raise PaymentRequestError(f"unsupported payment request version {data[0]}")
    if len(data) < _HEADER.size:
        raise PaymentRequestError(f"payment request truncated ({len(data)} bytes)")
    _, merchant, amount, expires, nonce, kid, n = _HEADER.unpack_from(data)
    if n > MAX_REF:
        raise PaymentRequestError(f"reference length {n} exceeds {MAX_REF}")
    expected = _HEADER.size + n + SIGNATURE_SIZE
    if len(data) != expected:
        raise PaymentRequestError(
            f"payment request is {len(data)} bytes, expected {expected} for a {n}-byte reference"
        )
    ref = data[_HEADER.size : _HEADER.size + n]
    if not _PRINTABLE.fullmatch(ref.decode("latin-1")):
        raise PaymentRequestError("the reference is printable ASCII only")
    if amount < 1 or amount > MAX_AMOUNT:
        raise PaymentRequestError(f"amount {amount} is outside 1..{MAX_AMOUNT}")
    return PaymentRequest(
        merchant=merchant,
        amount=amount,
        expires=expires,
        nonce=nonce,
        kid=kid.hex(),
        ref=ref.decode("ascii"),
        sig=data[_HEADER.size + n :],
    )


def verify_request(pr: PaymentRequest, *, host: str, public_key: bytes) -> None:
    """Raise `InvalidSignature` unless `public_key` (whose kid the request names) signed it."""
    if not pr.sig:
        raise InvalidSignature("the payment request is not signed")
    if kid_of(public_key) != pr.kid:
        raise InvalidSignature("the payment request names another key", kid=pr.kid)
    verify(public_key, signing_message(host, pr.unsigned_bytes()), pr.sig)


def check_expiry(pr: PaymentRequest, *, now: int, max_ahead: int = DEFAULT_MAX_AHEAD) -> None:
    if now > pr.expires:
        raise PaymentRequestError("the payment request has expired", expires=pr.expires)
    if pr.expires > now + max_ahead:
        raise PaymentRequestError(
            f"the payment request expires more than {max_ahead} s ahead", expires=pr.expires
        )


# --- QR-code URLs -------------------------------------------------------------------------


def request_url(host: str, pr: PaymentRequest) -> str:
    encoded = base64.b32encode(pr.to_bytes()).rstrip(b"=").decode("ascii")
    return f"HTTPS://{host.upper()}/R/{encoded}"


def static_merchant_url(host: str, account: int) -> str:
    _check_uint32("account", account)
    return f"HTTPS://{host.upper()}/M/{account}"


def _path_for_host(url: str, *, host: str, kind: str) -> str:
    """The part of `url` after `https://<host>/<kind>/`; scheme, host and kind in any case."""
    prefix = f"https://{host}/{kind}/"
    if (
        not isinstance(url, str)
        or not url.isascii()
        or url[: len(prefix)].lower() != prefix.lower()
    ):
        raise PaymentRequestError(
            f"not a {'payment request' if kind == 'R' else 'merchant'} URL for {host}"
        )
    return url[len(prefix) :]


def parse_request_url(url: str, *, host: str) -> PaymentRequest:
    """Read a request URL of this host; the base32 may be in either case, never padded."""
    return parse_request_base32(_path_for_host(url, host=host, kind="R"))


def parse_request_base32(text: str) -> PaymentRequest:
    """A payment request from its unpadded RFC 4648 base32 form, in either case."""
    if not isinstance(text, str) or not text.isascii():
        raise PaymentRequestError("the payment request is not unpadded base32")
    encoded = text.upper()
    if not _BASE32.fullmatch(encoded) or len(encoded) % 8 in (1, 3, 6):
        raise PaymentRequestError("the payment request is not unpadded base32")
    try:
        data = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except (binascii.Error, ValueError):
        raise PaymentRequestError("the payment request is not unpadded base32") from None
    if base64.b32encode(data).rstrip(b"=").decode("ascii") != encoded:
        raise PaymentRequestError("the payment request base32 is not canonical")
    return parse_request(data)


def parse_static_url(url: str, *, host: str) -> int:
    """The merchant account number of a sticker URL of this host (decimal, no leading zero)."""
    number = _path_for_host(url, host=host, kind="M")
    if not _ACCOUNT.fullmatch(number) or len(number) > 10:
        raise PaymentRequestError("not a merchant account number", number=number)
    account = int(number)
    _check_uint32("account", account)
    return account
