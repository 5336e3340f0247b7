"""The offline verifier of an exported log (`sou audit verify FILE`): no database, no network.

It reads the file written by `ledger.export` twice, streaming. A first quick pass counts the
entries, notes the first break in their numbering and collects the ids that refunds and
payouts refer to; the second replays every entry into a full in-memory `LedgerState` with
the server's own rules (`ledger.rules`), verifies every signature, rebuilds the Merkle tree
and checks each signed checkpoint against it (every checkpoint's root recomputed from one
stream of leaves is what proves them consistent with each other), then checks the invariants
of FORMATS.md §3 on the replayed balances. The first problem found, in file order, raises
`AuditFailure` naming the entry and the kind of problem. Memory grows with the accounts, keys
and referenced payments, never with the number of entries; on large logs, signatures are
verified in worker processes while the replay goes on, without changing which problem is
reported first.
"""

from __future__ import annotations

import binascii
import json
import multiprocessing
import os
import re
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ledger.accounts import BACKING_KINDS, Account
from ledger.checkpoint import Checkpoint, open_checkpoint, parse_verifier_key
from ledger.domain.enums import RecordType, SystemName
from ledger.domain.genesis import Genesis
from ledger.domain.kind import Operation
from ledger.errors import AuditFailure, CheckpointError, FormatError, InvalidSignature, SouError
from ledger.log import CompactRange, leaf_hash
from ledger.money import format_amount
from ledger.records import SignedRecord, format_time, parse_leaf, prefix
from ledger.rules import CLOCK_SKEW, Duplicate, apply_record, signer_public_key
from ledger.signing import kid_of, verify
from ledger.state import LedgerState
from ledger.witness import cosigned_at, parse_witness_vkey

FORMAT = "sou-log/1"
HEADER_FIELDS = frozenset(
    {"format", "host", "currency", "origin", "ledger_key", "checkpoint_verifier"}
)
FORGET_EVERY = 1000  # entries between two sweeps of the idempotency keys
# Seconds beyond the clock skew for which nonces and paid requests are kept: a payment request
# lives ten minutes, so one paid long before the horizon can no longer be paid again.
REPLAY_MARGIN = 1200
POOL_THRESHOLD = 5_000  # entries from which worker processes pay for their start-up
CHUNK = 500  # signatures per task sent to a worker

# The leaf's characters are left to the strict base64 decoder, which checks them anyway.
_ENTRY_LINE = re.compile(rb'\{"i":(0|[1-9][0-9]*),"leaf":"([^"]*)"\}\n?')
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
class AuditReport:
    host: str
    currency: str
    ledger_key: str  # hex
    entries: int
    checkpoints: int
    root: str  # hex, of the whole log
    checkpoint_size: int  # of the final checkpoint (= entries)
    counts: Mapping[str, int]  # entries per record type
    circulation: int  # cents of the local unit in circulation
    paper: int  # of which paper notes
    backing: int  # euro cents in the reserves and the offices' cash
    checkpoint: str  # the final checkpoint's note
    # (entry, public key hex) of each rotation of the ledger key, in order: the key in force
    # is the last one named (`ledger_key`, the genesis's, if none)
    rotations: tuple[tuple[int, str], ...] = ()
    # witness verifier key -> the largest checkpoint size it cosigned (ledger.witness)
    witnessed: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key_in_force(self) -> str:
        return self.rotations[-1][1] if self.rotations else self.ledger_key

    def lines(self) -> list[str]:
        """A short human summary."""
        types = ", ".join(f"{n} {t}" for t, n in self.counts.items())
        return [
            f"ledger {self.host} ({self.currency}), key {self.ledger_key}",
            *(f"ledger key rotated at entry {entry} to {key}" for entry, key in self.rotations),
            f"{self.entries} entries ({types}), {self.checkpoints} checkpoints",
            f"final checkpoint: size {self.checkpoint_size}, root {self.root}",
            f"circulation {format_amount(self.circulation, self.currency)}"
            f" (of which paper {format_amount(self.paper, self.currency)}),"
            f" backed by {format_amount(self.backing, 'EUR')}",
            *(
                f"witness {vkey.split('+')[0]}: cosigned up to size {size}"
                for vkey, size in self.witnessed.items()
            ),
        ]


@dataclass(frozen=True, slots=True)
class _Header:
    host: str
    currency: str
    origin: str
    ledger_key: bytes


@dataclass(frozen=True, slots=True)
class _Survey:
    """What the first pass learns: the number of entries, the first break in their numbering
    (position, index found there, kind) and the ids that later records refer to."""

    entries: int
    disorder: tuple[int, int, str] | None
    referenced: set[str]


def _spare_bits_clear(b64: bytes) -> bool:
    """Whether strictly decoded base64 is also canonical (the only encoding of its bytes)."""
    if b64.endswith(b"=="):
        return b64[-3] in _BEFORE_2_PADS
    if b64.endswith(b"="):
        return b64[-2] in _BEFORE_1_PAD
    return True


def _fail(kind: str, message: str, entry: int | None = None) -> AuditFailure:
    return AuditFailure(message, entry=entry, kind=kind)


def _parse_line(line: bytes) -> tuple[int, bytes] | str | None:
    """An entry line as (index, base64 leaf), a checkpoint line as its note, or None."""
    match = _ENTRY_LINE.fullmatch(line)
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


def _read_header(line: bytes | None) -> _Header:
    if line is None:
        raise _fail("header", "the file is empty")
    try:
        header = json.loads(line)
    except (ValueError, RecursionError):
        raise _fail("header", "the first line is not JSON") from None
    if not isinstance(header, dict) or header.keys() != HEADER_FIELDS:
        raise _fail("header", f"the header must have exactly {sorted(HEADER_FIELDS)}")
    if not all(isinstance(value, str) for value in header.values()):
        raise _fail("header", "the header's fields are strings")
    if header["format"] != FORMAT:
        raise _fail("header", f"the format is {header['format']!r}, not {FORMAT!r}")
    if header["origin"] != f"{header['host']}/ledger":
        raise _fail("header", "the checkpoint origin is not <host>/ledger")
    if not re.fullmatch(r"[0-9a-f]{64}", header["ledger_key"]):
        raise _fail("header", "ledger_key is not 64 lower-case hex digits")
    key = bytes.fromhex(header["ledger_key"])
    try:
        name, verifier = parse_verifier_key(header["checkpoint_verifier"])
    except CheckpointError as error:
        raise _fail("header", f"checkpoint_verifier: {error.message}") from None
    if (name, verifier) != (header["origin"], key):
        raise _fail("header", "checkpoint_verifier is not the ledger key under the origin")
    return _Header(header["host"], header["currency"], header["origin"], key)


def _survey(path: Path) -> _Survey:
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
            parsed = _parse_line(line)
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
    return _Survey(entries, disorder, referenced)


def count_entries(path: Path) -> int:
    """The number of entry lines in an exported log (for a progress bar)."""
    with path.open("rb") as file:
        return sum(1 for line in file if line.startswith(b'{"i":'))


# --- signatures ------------------------------------------------------------------------------

_Signature = tuple[int, bytes, bytes, bytes]  # entry, public key, signed bytes, signature


def _first_bad(chunk: list[_Signature]) -> tuple[int, str] | None:
    """The first entry of `chunk` whose signature does not verify (run in a worker process)."""
    for index, public_key, signed, sig in chunk:
        try:
            verify(public_key, signed, sig)
        except InvalidSignature as error:
            return index, error.message
    return None


def _bad_signature(index: int, message: str) -> AuditFailure:
    return _fail("bad-signature", f"the signature does not verify: {message}", index)


class _Signatures:
    """Signature checks in entry order: at once, or in chunks sent to worker processes.

    With workers, the replay runs ahead of the checks; `settle` waits for all that was sent
    and raises the first bad signature, which the caller lets take precedence over any
    problem it found later in the file.
    """

    def __init__(self, pool: ProcessPoolExecutor | None, workers: int) -> None:
        self.pool = pool
        self.batch: list[_Signature] = []
        self.pending: deque[Future[tuple[int, str] | None]] = deque()
        self.in_flight = 2 * workers + 1

    def check(self, index: int, public_key: bytes, signed: bytes, sig: bytes) -> None:
        if self.pool is None:
            try:
                verify(public_key, signed, sig)
            except InvalidSignature as error:
                raise _bad_signature(index, error.message) from None
            return
        self.batch.append((index, public_key, signed, sig))
        if len(self.batch) >= CHUNK:
            self.pending.append(self.pool.submit(_first_bad, self.batch))
            self.batch = []
            if len(self.pending) > self.in_flight:
                self._raise_bad(self.pending.popleft().result())

    def settle(self) -> None:
        batch, self.batch = self.batch, []
        while self.pending:
            self._raise_bad(self.pending.popleft().result())
        self._raise_bad(_first_bad(batch))

    @staticmethod
    def _raise_bad(result: tuple[int, str] | None) -> None:
        if result is not None:
            raise _bad_signature(*result)


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def _signatures(workers: int) -> Iterator[_Signatures]:
    if workers <= 0:
        yield _Signatures(None, 0)
        return
    # A fork copies other threads' locks in whatever state they are (a progress bar may be
    # drawing): fork only a single-threaded caller, else spawn, which asks the caller's main
    # module to be import-safe (`if __name__ == "__main__"`).
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    try:
        yield _Signatures(pool, workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- the replay ------------------------------------------------------------------------------


def _check_genesis(sr: SignedRecord, header: _Header) -> None:
    g = sr.body
    if not isinstance(g, Genesis):
        raise _fail("genesis", f"entry 0 is a {sr.type} record, not the genesis", 0)
    if (g.ledger, g.currency) != (header.host, header.currency):
        raise _fail("genesis", "the genesis names another host or unit than the header", 0)
    if g.ledger_key != header.ledger_key or g.kid != kid_of(header.ledger_key):
        raise _fail("genesis", "the genesis names another ledger key than the header", 0)


class _Replay:
    """The second pass's state: the ledger, the tree, the checkpoints seen and the tallies."""

    def __init__(
        self,
        header: _Header,
        survey: _Survey,
        signatures: _Signatures,
        witnesses: Sequence[str] = (),
    ) -> None:
        self.header = header
        self.witnesses = list(witnesses)
        self.witnessed: dict[str, int] = {}
        self.survey = survey
        self.signatures = signatures
        self.state = LedgerState(
            header.host, header.currency, header.ledger_key, kid_of(header.ledger_key)
        )
        self.state.referenced = survey.referenced
        self.tree = CompactRange()
        self.checkpoint: Checkpoint | None = None
        self.checkpoints = 0
        self.counts: defaultdict[str, int] = defaultdict(int)
        self.rotations: list[tuple[int, bytes]] = []  # (entry, new ledger key)

    def run(self, lines: Iterator[bytes], progress: Callable[[int], None]) -> None:
        state, tree, counts = self.state, self.tree, self.counts
        check_signature = self.signatures.check
        match_entry = _ENTRY_LINE.fullmatch
        a2b = binascii.a2b_base64
        latest = 0  # the latest `created` of the entries so far
        count = 0
        for line in lines:
            match = match_entry(line)
            if match is not None:
                index, b64 = int(match[1]), match[2]
            else:
                parsed = _parse_line(line)
                if isinstance(parsed, str):
                    self._checkpoint(parsed, count)
                    continue
                if parsed is None:
                    raise _fail(
                        "malformed-record",
                        f"after entry {count - 1} comes a line that is neither an entry"
                        " nor a checkpoint",
                        count,
                    )
                index, b64 = parsed
            if index != count:
                raise self._disorder(count, index)
            try:
                leaf = a2b(b64, strict_mode=True)
            except binascii.Error:
                raise _fail("malformed-record", "the leaf is not strict base64", count) from None
            if not _spare_bits_clear(b64):
                raise _fail("malformed-record", "the leaf is not canonical base64", count)
            try:
                sr = parse_leaf(leaf)
            except (FormatError, RecursionError) as error:
                message = error.message if isinstance(error, SouError) else "nested too deeply"
                raise _fail("malformed-record", message, count) from None
            if count == 0:
                _check_genesis(sr, self.header)
            try:
                public_key = signer_public_key(state, sr)
            except SouError as error:
                raise _fail("rule-violation", error.message, count) from None
            check_signature(count, public_key, sr.signed, sr.sig)
            body = sr.body
            # Only operations (signed by the devices, checked against the server's clock when
            # accepted) bound the acceptance order; the ledger's own records may be dated as the
            # operator chooses (a pilot's history is loaded after a genesis of today), and a
            # closed day carries no time.
            created = 0
            if isinstance(body, Operation):
                created = body.created
                if body.expires < latest - CLOCK_SKEW:
                    raise _fail(
                        "rule-violation",
                        f"the record expired at {sr.record['expires']}, yet it comes after a record"
                        f" created at {format_time(latest)}",
                        count,
                    )
            try:
                result = apply_record(state, sr, now=None)
            except SouError as error:
                raise _fail("rule-violation", error.message, count) from None
            if type(result) is Duplicate:
                raise _fail("duplicate", f"the same record as entry {result.index}", count)
            if sr.type == RecordType.LEDGER_KEY:  # what follows is signed by the key it names
                self.rotations.append((count, state.ledger_key))
            if created > latest:
                latest = created
            counts[sr.type] += 1
            tree.append(leaf_hash(leaf))
            count += 1
            if count % FORGET_EVERY == 0:
                state.forget_before(latest - CLOCK_SKEW - REPLAY_MARGIN)
                progress(count)
        progress(count)

    def _disorder(self, position: int, index: int) -> AuditFailure:
        disorder = self.survey.disorder
        if disorder is None or disorder[0] != position:  # the file changed under our feet
            disorder = (position, index, "missing-entry" if index > position else "out-of-order")
        _, found, kind = disorder
        if kind == "missing-entry":
            return _fail(kind, f"entry {position} is missing: entry {found} follows", position)
        return _fail(kind, f"entry {found} stands where entry {position} belongs", position)

    def _checkpoint(self, text: str, count: int) -> None:
        where = count - 1 if count else None  # the entry line it follows
        origin = self.header.origin
        try:
            # signed by the ledger key in force after the entries it covers
            checkpoint = open_checkpoint(text, name=origin, public_key=self.state.ledger_key)
        except CheckpointError as error:
            raise _fail("checkpoint-signature", error.message, where) from None
        if checkpoint.origin != origin:
            raise _fail("checkpoint-signature", f"a checkpoint of {checkpoint.origin}", where)
        previous = self.checkpoint
        if previous is not None and checkpoint.size <= previous.size:
            raise _fail(
                "checkpoint-order",
                f"a checkpoint of size {checkpoint.size} after one of size {previous.size}",
                where,
            )
        if checkpoint.size != count:
            raise _fail(
                "checkpoint-size",
                f"a checkpoint of size {checkpoint.size} stands after {count} entries",
                where,
            )
        if checkpoint.root != self.tree.root():
            start = previous.size if previous is not None else 0
            raise _fail(
                "checkpoint-root",
                f"the checkpoint of size {count} signs another tree:"
                f" entries {start} to {count - 1} are not those the ledger signed",
                start,
            )
        for vkey in self.witnesses:
            try:
                if cosigned_at(text, vkey) is not None:
                    self.witnessed[vkey] = checkpoint.size
            except CheckpointError as error:
                raise _fail("witness", error.message, where) from None
        self.checkpoint = checkpoint
        self.checkpoints += 1

    def report(self) -> AuditReport:
        count = self.state.size
        if count == 0:
            raise _fail("header", "the log has no genesis entry")
        final = self.checkpoint
        if final is None or final.size != count:
            start = final.size if final is not None else 0
            raise _fail(
                "unauthenticated-tail",
                f"no checkpoint covers entries {start} to {count - 1}",
                start,
            )
        circulation, paper, backing = check_invariants(self.state)
        return AuditReport(
            host=self.header.host,
            currency=self.header.currency,
            ledger_key=self.header.ledger_key.hex(),
            entries=count,
            checkpoints=self.checkpoints,
            root=final.root.hex(),
            checkpoint_size=final.size,
            counts=MappingProxyType(dict(sorted(self.counts.items()))),
            circulation=circulation,
            paper=paper,
            backing=backing,
            checkpoint=final.text,
            rotations=tuple((entry, key.hex()) for entry, key in self.rotations),
            witnessed=MappingProxyType(dict(self.witnessed)),
        )

    def check_witnessed(self) -> None:
        """Each witness required cosigned at least one checkpoint of the file."""
        for vkey in self.witnesses:
            if vkey not in self.witnessed:
                name = vkey.split("+")[0]
                raise _fail("witness", f"no checkpoint of this log is cosigned by {name}")

    def check_trusted(self, ledger_key: bytes) -> None:
        """The key the auditor trusts must be the genesis's or one a rotation handed over to
        (which signed, with its proof, that it took over from the key before it)."""
        chain = [self.header.ledger_key, *(key for _, key in self.rotations)]
        if ledger_key not in chain:
            raise _fail(
                "genesis",
                f"this log is signed by the ledger key {self.header.ledger_key.hex()}"
                + (" and those it rotated to" if self.rotations else "")
                + f", not by the key given {ledger_key.hex()}",
                0,
            )


def check_invariants(state: LedgerState) -> tuple[int, int, int]:
    """FORMATS.md §3 over the replayed accounts; (circulation, paper, backing) if they hold."""
    debits: dict[str, int] = {}
    credits: dict[str, int] = {}
    holders = backing = 0
    for account in state.accounts.values():
        debits[account.unit] = debits.get(account.unit, 0) + account.debits
        credits[account.unit] = credits.get(account.unit, 0) + account.credits
        if account.no_overdraft and account.balance < 0:
            raise _fail("invariant", f"account {account.number} is overdrawn")
        if account.is_holder and account.unit == state.currency:
            holders += account.balance
        if account.kind in BACKING_KINDS:
            backing += account.balance
    for unit in sorted(debits):
        if debits[unit] != credits[unit]:
            raise _fail("invariant", f"{unit}: debits {debits[unit]} ≠ credits {credits[unit]}")

    def balance(name: str) -> int:
        account: Account | None = state.system_account(name)
        return 0 if account is None else account.balance

    circulation, paper = -balance(SystemName.ISSUANCE), balance(SystemName.PAPER)
    if circulation != holders + paper:
        raise _fail(
            "invariant",
            f"circulation {circulation} ≠ holders' balances {holders} + paper {paper}",
        )
    if backing != circulation:
        raise _fail("invariant", f"backing {backing} ≠ circulation {circulation}")
    return circulation, paper, backing


def _ignore(count: int) -> None:
    pass


def verify_log(
    path: Path,
    *,
    ledger_key: bytes | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    witnesses: Sequence[str] = (),
) -> AuditReport:
    """Verifies an exported log; raises `AuditFailure` at the first problem.

    `witnesses` are the verifier keys of witnesses whose cosignature the auditor requires:
    each must have cosigned one of the file's checkpoints (the report says up to which size).

    `ledger_key` is the ledger's public key as the auditor knows it (else the file's own is
    taken on trust): the genesis's, or one the log's rotations handed over to. `workers` is
    the number of processes that verify signatures: by default one per CPU for large logs,
    none (all in this process) for small ones.
    """
    with path.open("rb") as file:
        header = _read_header(file.readline() or None)
    survey = _survey(path)
    if workers is None:
        cpus = _available_cpus()
        workers = cpus if cpus > 1 and survey.entries >= POOL_THRESHOLD else 0
    with _signatures(workers) as signatures, path.open("rb") as file:
        for vkey in witnesses:
            try:
                parse_witness_vkey(vkey)
            except CheckpointError as error:
                raise _fail("witness", error.message) from None
        replay = _Replay(header, survey, signatures, witnesses)
        file.readline()
        try:
            replay.run(iter(file), progress or _ignore)
            report = replay.report()
            if ledger_key is not None:
                replay.check_trusted(ledger_key)
            replay.check_witnessed()
        except AuditFailure:
            signatures.settle()  # a bad signature earlier in the file comes first
            raise
        signatures.settle()
    return report
