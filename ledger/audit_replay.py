"""The offline audit's second pass (`ledger.audit`): every entry replayed into a full
in-memory `LedgerState` with the server's own rules (`ledger.rules`), every signature sent to
be verified, the Merkle tree rebuilt and each signed checkpoint (and its witnesses'
cosignatures) checked against it."""

from __future__ import annotations

import binascii
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from types import MappingProxyType

from ledger.audit_file import ENTRY_LINE, Header, Survey, parse_line, spare_bits_clear
from ledger.audit_report import AuditReport, check_invariants, fail
from ledger.audit_signatures import Signatures
from ledger.checkpoint import Checkpoint, open_checkpoint
from ledger.domain.enums import RecordType
from ledger.domain.genesis import Genesis
from ledger.domain.kind import Operation
from ledger.errors import AuditFailure, CheckpointError, FormatError, SouError
from ledger.log import CompactRange, leaf_hash
from ledger.records import SignedRecord, format_time, parse_leaf
from ledger.rules import CLOCK_SKEW, Duplicate, apply_record, signer_public_key
from ledger.signing import kid_of
from ledger.state import LedgerState
from ledger.witness import cosigned_at

FORGET_EVERY = 1000  # entries between two sweeps of the idempotency keys
# Seconds beyond the clock skew for which nonces and paid requests are kept: a payment request
# lives ten minutes, so one paid long before the horizon can no longer be paid again.
REPLAY_MARGIN = 1200


def _check_genesis(sr: SignedRecord, header: Header) -> None:
    g = sr.body
    if not isinstance(g, Genesis):
        raise fail("genesis", f"entry 0 is a {sr.type} record, not the genesis", 0)
    if (g.ledger, g.currency) != (header.host, header.currency):
        raise fail("genesis", "the genesis names another host or unit than the header", 0)
    if g.ledger_key != header.ledger_key or g.kid != kid_of(header.ledger_key):
        raise fail("genesis", "the genesis names another ledger key than the header", 0)


class Replay:
    """The second pass's state: the ledger, the tree, the checkpoints seen and the tallies."""

    def __init__(
        self,
        header: Header,
        survey: Survey,
        signatures: Signatures,
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
        match_entry = ENTRY_LINE.fullmatch
        a2b = binascii.a2b_base64
        latest = 0  # the latest `created` of the entries so far
        count = 0
        for line in lines:
            match = match_entry(line)
            if match is not None:
                index, b64 = int(match[1]), match[2]
            else:
                parsed = parse_line(line)
                if isinstance(parsed, str):
                    self._checkpoint(parsed, count)
                    continue
                if parsed is None:
                    raise fail(
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
                raise fail("malformed-record", "the leaf is not strict base64", count) from None
            if not spare_bits_clear(b64):
                raise fail("malformed-record", "the leaf is not canonical base64", count)
            try:
                sr = parse_leaf(leaf)
            except (FormatError, RecursionError) as error:
                message = error.message if isinstance(error, SouError) else "nested too deeply"
                raise fail("malformed-record", message, count) from None
            if count == 0:
                _check_genesis(sr, self.header)
            try:
                public_key = signer_public_key(state, sr)
            except SouError as error:
                raise fail("rule-violation", error.message, count) from None
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
                    raise fail(
                        "rule-violation",
                        f"the record expired at {sr.record['expires']}, yet it comes after a record"
                        f" created at {format_time(latest)}",
                        count,
                    )
            try:
                result = apply_record(state, sr, now=None)
            except SouError as error:
                raise fail("rule-violation", error.message, count) from None
            if type(result) is Duplicate:
                raise fail("duplicate", f"the same record as entry {result.index}", count)
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
            return fail(kind, f"entry {position} is missing: entry {found} follows", position)
        return fail(kind, f"entry {found} stands where entry {position} belongs", position)

    def _checkpoint(self, text: str, count: int) -> None:
        where = count - 1 if count else None  # the entry line it follows
        origin = self.header.origin
        try:
            # signed by the ledger key in force after the entries it covers
            checkpoint = open_checkpoint(text, name=origin, public_key=self.state.ledger_key)
        except CheckpointError as error:
            raise fail("checkpoint-signature", error.message, where) from None
        if checkpoint.origin != origin:
            raise fail("checkpoint-signature", f"a checkpoint of {checkpoint.origin}", where)
        previous = self.checkpoint
        if previous is not None and checkpoint.size <= previous.size:
            raise fail(
                "checkpoint-order",
                f"a checkpoint of size {checkpoint.size} after one of size {previous.size}",
                where,
            )
        if checkpoint.size != count:
            raise fail(
                "checkpoint-size",
                f"a checkpoint of size {checkpoint.size} stands after {count} entries",
                where,
            )
        if checkpoint.root != self.tree.root():
            start = previous.size if previous is not None else 0
            raise fail(
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
                raise fail("witness", error.message, where) from None
        self.checkpoint = checkpoint
        self.checkpoints += 1

    def report(self) -> AuditReport:
        count = self.state.size
        if count == 0:
            raise fail("header", "the log has no genesis entry")
        final = self.checkpoint
        if final is None or final.size != count:
            start = final.size if final is not None else 0
            raise fail(
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
                raise fail("witness", f"no checkpoint of this log is cosigned by {name}")

    def check_trusted(self, ledger_key: bytes) -> None:
        """The key the auditor trusts must be the genesis's or one a rotation handed over to
        (which signed, with its proof, that it took over from the key before it)."""
        chain = [self.header.ledger_key, *(key for _, key in self.rotations)]
        if ledger_key not in chain:
            raise fail(
                "genesis",
                f"this log is signed by the ledger key {self.header.ledger_key.hex()}"
                + (" and those it rotated to" if self.rotations else "")
                + f", not by the key given {ledger_key.hex()}",
                0,
            )
