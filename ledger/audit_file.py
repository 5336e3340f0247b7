"""The exported log as the offline audit (`ledger.audit`) reads it: its lines, its header,
and the first pass, which counts the entries, notes the first break in their numbering and
collects the ids that refunds and payouts refer to."""

from __future__ import annotations

import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ledger.audit_report import fail
from ledger.checkpoint import parse_verifier_key
from ledger.domain.enums import RecordType
from ledger.errors import CheckpointError
from ledger.records import prefix

FORMAT = "sou-log/1"
HEADER_FIELDS = frozenset(
    {"format", "host", "currency", "origin", "ledger_key", "checkpoint_verifier"}
)

# The leaf's characters are left to the strict base64 decoder, which checks them anyway.
ENTRY_LINE = re.compile(rb'\{"i":(0|[1-9][0-9]*),"leaf":"([^"]*)"\}\n?')
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# The last character before padding carries 4 ("==") or 2 ("=") spare bits, zero if canonical.
_BEFORE_2_PADS = frozenset(c for v, c in enumerate(_B64) if v & 15 == 0)
_BEFORE_1_PAD = frozenset(c for v, c in enumerate(_B64) if v & 3 == 0)
_REF = re.compile(rb'"ref":"([0-9a-f]{64})"')
_RECONVERSION = re.compile(rb'"reconversion":"([0-9a-f]{64})"')


def _b64_start(data: bytes) -> bytes:
    """How the base64 of anything that starts with `data` starts."""
    return binascii.b2a_base64(data[: len(data) // 3 * 3], newline=False)


_TRANSFER_B64 = _b64_start(prefix(RecordType.TRANSFER))
_PAYOUT_B64 = _b64_start(prefix(RecordType.PAYOUT))


@dataclass(frozen=True, slots=True)
class Header:
    host: str
    currency: str
    origin: str
    ledger_key: bytes


@dataclass(frozen=True, slots=True)
class Survey:
    """What the first pass learns: the number of entries, the first break in their numbering
    (position, index found there, kind) and the ids that later records refer to."""

    entries: int
    disorder: tuple[int, int, str] | None
    referenced: set[str]


def spare_bits_clear(b64: bytes) -> bool:
    """Whether strictly decoded base64 is also canonical (the only encoding of its bytes)."""
    if b64.endswith(b"=="):
        return b64[-3] in _BEFORE_2_PADS
    if b64.endswith(b"="):
        return b64[-2] in _BEFORE_1_PAD
    return True


def parse_line(line: bytes) -> tuple[int, bytes] | str | None:
    """An entry line as (index, base64 leaf), a checkpoint line as its note, or None."""
    match = ENTRY_LINE.fullmatch(line)
    if match is not None:
        return int(match[1]), match[2]
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    if obj.keys() == {"i", "leaf"} and type(obj["i"]) is int and isinstance(obj["leaf"], str):
        return obj["i"], obj["leaf"].encode("utf-8")
    if obj.keys() == {"checkpoint"} and isinstance(obj["checkpoint"], str):
        return str(obj["checkpoint"])
    return None


def read_header(line: bytes | None) -> Header:
    if line is None:
        raise fail("header", "the file is empty")
    try:
        header = json.loads(line)
    except (ValueError, RecursionError):
        raise fail("header", "the first line is not JSON") from None
    if not isinstance(header, dict) or header.keys() != HEADER_FIELDS:
        raise fail("header", f"the header must have exactly {sorted(HEADER_FIELDS)}")
    if not all(isinstance(value, str) for value in header.values()):
        raise fail("header", "the header's fields are strings")
    if header["format"] != FORMAT:
        raise fail("header", f"the format is {header['format']!r}, not {FORMAT!r}")
    if header["origin"] != f"{header['host']}/ledger":
        raise fail("header", "the checkpoint origin is not <host>/ledger")
    if not re.fullmatch(r"[0-9a-f]{64}", header["ledger_key"]):
        raise fail("header", "ledger_key is not 64 lower-case hex digits")
    key = bytes.fromhex(header["ledger_key"])
    try:
        name, verifier = parse_verifier_key(header["checkpoint_verifier"])
    except CheckpointError as error:
        raise fail("header", f"checkpoint_verifier: {error.message}") from None
    if (name, verifier) != (header["origin"], key):
        raise fail("header", "checkpoint_verifier is not the ledger key under the origin")
    return Header(header["host"], header["currency"], header["origin"], key)


def survey_log(path: Path) -> Survey:
    """The first pass: cheap, and trusting nothing (the second pass checks all it relies on)."""
    referenced: set[str] = set()
    expected = 0
    gap: tuple[int, int] | None = None  # an index skipped, unless it turns up later
    disorder: tuple[int, int, str] | None = None
    entries = 0
    a2b = binascii.a2b_base64
    with path.open("rb") as file:
        file.readline()
        for line in file:
            parsed = parse_line(line)
            if not isinstance(parsed, tuple):
                continue
            index, b64 = parsed
            entries += 1
            if disorder is None:
                if gap is None:
                    if index == expected:
                        expected += 1
                    elif index < expected:
                        disorder = (expected, index, "out-of-order")
                    else:
                        gap = (expected, index)
                elif index == gap[0]:
                    disorder = (gap[0], gap[1], "out-of-order")
            if b64.startswith(_TRANSFER_B64):
                pattern = _REF
            elif b64.startswith(_PAYOUT_B64):
                pattern = _RECONVERSION
            else:
                continue
            try:
                match = pattern.search(a2b(b64, strict_mode=True))
            except binascii.Error:
                continue
            if match is not None:
                referenced.add(match[1].decode("ascii"))
    if disorder is None and gap is not None:
        disorder = (gap[0], gap[1], "missing-entry")
    return Survey(entries, disorder, referenced)


def count_entries(path: Path) -> int:
    """The number of entry lines in an exported log (for a progress bar)."""
    with path.open("rb") as file:
        return sum(1 for line in file if line.startswith(b'{"i":'))
