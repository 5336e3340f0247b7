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

The steps live beside it: `ledger.audit_file` (the file's lines, its header, the first pass),
`ledger.audit_signatures` (the signature checks, in worker processes), `ledger.audit_replay`
(the second pass: rules, tree, checkpoints and witnesses) and `ledger.audit_report` (the
report, the final invariants and the failures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ledger.audit_file import read_header, survey_log
from ledger.audit_replay import Replay
from ledger.audit_report import AuditReport, fail
from ledger.audit_signatures import available_cpus, signature_checks
from ledger.errors import AuditFailure, CheckpointError
from ledger.witness import parse_witness_vkey

POOL_THRESHOLD = 5_000  # entries from which worker processes pay for their start-up


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
        header = read_header(file.readline() or None)
    survey = survey_log(path)
    if workers is None:
        cpus = available_cpus()
        workers = cpus if cpus > 1 and survey.entries >= POOL_THRESHOLD else 0
    with signature_checks(workers) as signatures, path.open("rb") as file:
        for vkey in witnesses:
            try:
                parse_witness_vkey(vkey)
            except CheckpointError as error:
                raise fail("witness", error.message) from None
        replay = Replay(header, survey, signatures, witnesses)
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
