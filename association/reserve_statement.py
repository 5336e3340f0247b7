"""The reserve statement: a signed note that ties what the ledger owes to what the bank holds.

It is a C2SP signed note (c2sp.org/signed-note) like the log's checkpoints, with the origin
``<host>/reserve`` and these body lines, in this order, each a keyword, one space and a value::

    pay.example.org/reserve
    date 2024-03-31
    checkpoint 48213 <base64 root hash of the log at that size>
    liabilities 123456789
    liabilities-root <base64 root hash of the Merkle sum tree of holder balances>
    reserve 123500000
    bank-statement <hex SHA-256 of a bank statement file>      (one line per file, ≥ 1)
    status OK

Amounts are cents in canonical decimal; ``status`` is ``SHORTFALL`` when the reserve does not
cover the liabilities (a shortfall is published all the same), else ``OK`` when every euro of
the reserve it counts was seen at a bank (a bank statement) or at an office (its cash), and
``UNCHECKED`` when some of it is only the ledger's word: a reserve bank account holding euros by
the ledger had no bank statement to check them against. Then a blank
line and one signature line per key: an em dash, a space, the key name, a space and
base64(key hash ‖ Ed25519 signature) over the body, as in `ledger.checkpoint`, whose key names,
key hashes and verifier keys it reuses. The ledger key signs first; the treasurer and the
auditor cosign. `verify_statement` checks the syntax strictly and requires a valid signature by
every verifier key it is given; other keys' lines are ignored, as signed notes require.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from association.errors import ReserveStatementError
from ledger.checkpoint import (
    MAX_SIGNATURES,
    SIGNATURE_PREFIX,
    Checkpoint,
    key_hash,
    parse_verifier_key,
)
from ledger.errors import CheckpointError, InvalidSignature
from ledger.money import MAX_CENTS
from ledger.signing import verify

__all__ = [
    "ReserveStatement",
    "add_cosignature",
    "make_statement",
    "sign_statement",
    "statement_body",
    "verify_statement",
]

ORIGIN_SUFFIX = "/reserve"
OK = "OK"
SHORTFALL = "SHORTFALL"
UNCHECKED = "UNCHECKED"
_HASH_SIZE = 32
_CENTS_RE = re.compile(r"0|[1-9][0-9]{0,18}", re.ASCII)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_SHA256_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)
_HOST_RE = re.compile(r"[a-z0-9.-]+(:[0-9]{1,5})?", re.ASCII)
_KEY_NAME_RE = re.compile(r"[^\s+]+")


@dataclass(frozen=True)
class ReserveStatement:
    origin: str
    date: date
    checkpoint_size: int
    checkpoint_root: bytes
    liabilities: int
    liabilities_root: bytes
    reserve: int
    bank_statements: tuple[str, ...]
    checked: bool = True  # every reserve account holding euros was checked against its bank

    def __post_init__(self) -> None:
        if not self.origin.endswith(ORIGIN_SUFFIX) or not _HOST_RE.fullmatch(self.host):
            raise ReserveStatementError(f"the origin is <host>/reserve, not {self.origin!r}")
        for what, value in (
            ("checkpoint size", self.checkpoint_size),
            ("liabilities", self.liabilities),
            ("reserve", self.reserve),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CENTS:
                raise ReserveStatementError(f"the {what} is a whole number from 0 to 2^63 - 1")
        roots = (("checkpoint", self.checkpoint_root), ("sum tree", self.liabilities_root))
        for what, root in roots:
            if len(root) != _HASH_SIZE:
                raise ReserveStatementError(f"the {what} root is {_HASH_SIZE} bytes")
        object.__setattr__(self, "bank_statements", tuple(self.bank_statements))
        if not self.bank_statements:
            raise ReserveStatementError("a reserve statement names its bank statement files")
        for digest in self.bank_statements:
            if not _SHA256_RE.fullmatch(digest):
                raise ReserveStatementError(f"not a lower-case hex SHA-256: {digest!r}")

    @property
    def host(self) -> str:
        return self.origin.removesuffix(ORIGIN_SUFFIX)

    @property
    def status(self) -> str:
        if self.reserve < self.liabilities:
            return SHORTFALL
        return OK if self.checked else UNCHECKED

    @property
    def shortfall(self) -> int:
        """Cents missing from the reserve; 0 when it covers the liabilities."""
        return max(0, self.liabilities - self.reserve)


def make_statement(
    *,
    host: str,
    on: date,
    checkpoint: Checkpoint,
    liabilities: int,
    liabilities_root: bytes,
    reserve: int,
    bank_statements: Sequence[str],
    checked: bool = True,
) -> ReserveStatement:
    """The statement of ``host`` on ``on``, from a log checkpoint and a built sum tree."""
    return ReserveStatement(
        origin=f"{host}{ORIGIN_SUFFIX}",
        date=on,
        checkpoint_size=checkpoint.size,
        checkpoint_root=checkpoint.root,
        liabilities=liabilities,
        liabilities_root=liabilities_root,
        reserve=reserve,
        bank_statements=tuple(bank_statements),
        checked=checked,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def statement_body(statement: ReserveStatement) -> str:
    """The note text that is signed, ending with a newline."""
    lines = [
        statement.origin,
        f"date {statement.date.isoformat()}",
        f"checkpoint {statement.checkpoint_size} {_b64(statement.checkpoint_root)}",
        f"liabilities {statement.liabilities}",
        f"liabilities-root {_b64(statement.liabilities_root)}",
        f"reserve {statement.reserve}",
        *(f"bank-statement {digest}" for digest in statement.bank_statements),
        f"status {statement.status}",
    ]
    return "\n".join(lines) + "\n"


def _signature_line(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    if not _KEY_NAME_RE.fullmatch(name):
        raise ReserveStatementError(f"invalid key name {name!r}")
    public = private_key.public_key().public_bytes_raw()
    signature = private_key.sign(body.encode("utf-8"))
    return f"{SIGNATURE_PREFIX}{name} {_b64(key_hash(name, public) + signature)}\n"


def sign_statement(
    statement: ReserveStatement, *, name: str, private_key: Ed25519PrivateKey
) -> str:
    """The signed note of ``statement``, with its first signature (the ledger key's)."""
    body = statement_body(statement)
    return body + "\n" + _signature_line(body, name, private_key)


# --- reading -------------------------------------------------------------------------------


def _strict_b64(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise ReserveStatementError(f"{what} is not valid base64") from None
    if _b64(data) != text:
        raise ReserveStatementError(f"{what} is not canonical base64")
    return data


def _split(text: str) -> tuple[str, list[str], list[tuple[str, bytes, bytes]]]:
    if any(c < " " and c != "\n" for c in text):
        raise ReserveStatementError("malformed note: it contains control characters")
    if not text.endswith("\n"):
        raise ReserveStatementError("malformed note: it does not end with a newline")
    lines = text[:-1].split("\n")
    if "" not in lines:
        raise ReserveStatementError("malformed note: no blank line before the signatures")
    blank = lines.index("")
    body_lines, signature_lines = lines[:blank], lines[blank + 1 :]
    if not signature_lines:
        raise ReserveStatementError("malformed note: it has no signature line")
    if len(signature_lines) > MAX_SIGNATURES:
        raise ReserveStatementError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    signatures: list[tuple[str, bytes, bytes]] = []
    for line in signature_lines:
        fields = line.removeprefix(SIGNATURE_PREFIX).split(" ")
        if not line.startswith(SIGNATURE_PREFIX) or len(fields) != 2:
            raise ReserveStatementError(f"malformed note: {line!r} is not '— name signature'")
        name, blob_b64 = fields
        if not _KEY_NAME_RE.fullmatch(name):
            raise ReserveStatementError(f"malformed note: invalid key name {name!r}")
        blob = _strict_b64(blob_b64, f"the signature by {name}")
        if len(blob) < 5:
            raise ReserveStatementError(f"malformed note: the signature by {name} is too short")
        signatures.append((name, blob[:4], blob[4:]))
    return "\n".join(body_lines) + "\n", body_lines, signatures


def _field(lines: list[str], index: int, keyword: str) -> str:
    if index >= len(lines) or not lines[index].startswith(keyword + " "):
        raise ReserveStatementError(f"malformed statement: line {index + 1} is not '{keyword} …'")
    return lines[index][len(keyword) + 1 :]


def _cents(text: str, what: str) -> int:
    if not _CENTS_RE.fullmatch(text) or int(text) > MAX_CENTS:
        raise ReserveStatementError(f"malformed statement: {what} {text!r} is not canonical")
    return int(text)


def _parse_body(lines: list[str]) -> ReserveStatement:
    if not lines or not lines[0]:
        raise ReserveStatementError("malformed statement: no origin line")
    when = _field(lines, 1, "date")
    if not _DATE_RE.fullmatch(when):
        raise ReserveStatementError(f"malformed statement: {when!r} is not a date YYYY-MM-DD")
    try:
        on = date.fromisoformat(when)
    except ValueError:
        raise ReserveStatementError(f"malformed statement: {when!r} is not a date") from None
    size_text, _, root_text = _field(lines, 2, "checkpoint").partition(" ")
    index = 6
    digests: list[str] = []
    while index < len(lines) and lines[index].startswith("bank-statement "):
        digests.append(_field(lines, index, "bank-statement"))
        index += 1
    status = _field(lines, index, "status")
    if index + 1 != len(lines):
        raise ReserveStatementError("malformed statement: lines after the status")
    statement = ReserveStatement(
        origin=lines[0],
        date=on,
        checkpoint_size=_cents(size_text, "the checkpoint size"),
        checkpoint_root=_strict_b64(root_text, "the checkpoint root"),
        liabilities=_cents(_field(lines, 3, "liabilities"), "the liabilities"),
        liabilities_root=_strict_b64(_field(lines, 4, "liabilities-root"), "the sum tree root"),
        reserve=_cents(_field(lines, 5, "reserve"), "the reserve"),
        bank_statements=tuple(digests),
        checked=status != UNCHECKED,
    )
    if status != statement.status:
        raise ReserveStatementError(
            f"the status says {status} but the reserve and liabilities say {statement.status}"
        )
    return statement


def add_cosignature(note: str, *, name: str, private_key: Ed25519PrivateKey) -> str:
    """Append the signature of another key (treasurer, auditor) to a well-formed statement.

    Existing signatures are not verified here; a key cannot sign the same note twice.
    """
    body, body_lines, signatures = _split(note)
    _parse_body(body_lines)
    khash = key_hash(name, private_key.public_key().public_bytes_raw())
    if any(n == name and h == khash for n, h, _ in signatures):
        raise ReserveStatementError(f"the key {name} already signed this statement")
    return note + _signature_line(body, name, private_key)


def verify_statement(text: str, verifier_keys: Sequence[str]) -> ReserveStatement:
    """Parse a signed reserve statement and require a valid signature by every verifier key
    (C2SP verifier key strings ``name+hash+base64(0x01 ‖ key)``)."""
    if not verifier_keys:
        raise ReserveStatementError("verifying a statement needs at least one verifier key")
    body, body_lines, signatures = _split(text)
    statement = _parse_body(body_lines)
    message = body.encode("utf-8")
    for vkey in verifier_keys:
        try:
            name, public_key = parse_verifier_key(vkey)
        except CheckpointError as exc:
            raise ReserveStatementError(exc.message) from None
        khash = key_hash(name, public_key)
        own = [sig for n, h, sig in signatures if n == name and h == khash]
        if not own:
            raise ReserveStatementError(f"no signature by the key {name}+{khash.hex()}")
        if len(own) > 1:
            raise ReserveStatementError(f"the key {name} signed the statement twice")
        try:
            verify(public_key, message, own[0])
        except InvalidSignature:
            raise ReserveStatementError(f"bad signature by {name}: it does not verify") from None
    return statement
