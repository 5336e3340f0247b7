"""The exported log: every entry and checkpoint of the ledger in one file, for offline audit.

The file is JSON Lines (one compact JSON object per line, ASCII and so UTF-8): a header naming
the ledger (`format` `sou-log/1`, host, unit, checkpoint origin, ledger public key and C2SP
verifier key), then one line `{"i": index, "leaf": base64}` per entry in index order, each
stored checkpoint `{"checkpoint": note}` right after the entry line that completes its tree
size. Nothing in the file is trusted by itself: `ledger.audit` checks the header against the
genesis entry and every entry against the signed checkpoints. Entries are read in pages, so
the export's memory does not grow with the log.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from ledger.audit_file import FORMAT
from ledger.checkpoint import verifier_key
from ledger.context import LedgerUnitOfWork
from ledger.errors import LogError
from ledger.transparency import latest_checkpoint

PAGE = 1000


@dataclass(frozen=True, slots=True)
class ExportSummary:
    entries: int
    checkpoints: int
    size: int  # bytes written


def _line(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":")) + "\n"


def export_log(
    uow: LedgerUnitOfWork,
    out: TextIO,
    *,
    now: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Writes the whole log to `out`, ending with a checkpoint over every entry.

    It signs that checkpoint first if the log grew since the last one: the caller commits.
    """
    # The file stops at this checkpoint even if writers append meanwhile (READ COMMITTED).
    size = latest_checkpoint(uow, now=now).size
    store, ledger = uow.store, uow.ledger
    cosigned = store.cosignatures()  # the witnesses' lines go with their checkpoints
    checkpoints = [
        (s, note + "".join(cosigned.get(s, []))) for s, note in store.checkpoints() if s <= size
    ]
    genesis = store.genesis_key()
    if genesis is None:
        raise LogError("the log has no genesis entry")
    header = {
        "format": FORMAT,
        "host": ledger.host,
        "currency": ledger.currency,
        "origin": ledger.origin,
        # the genesis's key, where the audit's chain of keys starts (FORMATS.md §5)
        "ledger_key": genesis.hex(),
        "checkpoint_verifier": verifier_key(ledger.origin, genesis),
    }
    written = 0

    def write(line: str) -> None:
        nonlocal written
        out.write(line)
        written += len(line)  # ASCII only (json.dumps escapes the rest)

    waiting = iter(checkpoints)
    due = next(waiting, None)

    def checkpoints_up_to(count: int) -> None:
        nonlocal due
        while due is not None and due[0] <= count:
            write(_line({"checkpoint": due[1]}))
            due = next(waiting, None)

    write(_line(header))
    checkpoints_up_to(0)
    index = 0
    for start in range(0, size, PAGE):
        for entry in store.entries(start, min(start + PAGE, size)):
            if entry.index != index:
                raise LogError(f"entry {index} is missing from storage")
            leaf = binascii.b2a_base64(entry.leaf, newline=False).decode("ascii")
            write(f'{{"i":{index},"leaf":"{leaf}"}}\n')
            index += 1
            checkpoints_up_to(index)
        if progress is not None:
            progress(index)
    if index != size:
        raise LogError(f"entry {index} is missing from storage")
    return ExportSummary(entries=size, checkpoints=len(checkpoints), size=written)
