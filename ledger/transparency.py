"""What the ledger publishes about its log: checkpoints, proofs and pages of entries.

A checkpoint is signed for the current tree size when one is asked for and the log grew
since the last one; it is stored, and never two differ for one size, since the tree nodes
it is computed from are append-only. Proofs are computed from O(log n) stored nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.checkpoint import sign_checkpoint
from ledger.context import LedgerUnitOfWork
from ledger.errors import CheckpointError, LedgerKeyRotated, LogError
from ledger.log import (
    CompactRange,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    nodes_for,
)
from ledger.persistence.store import StoredEntry
from ledger.signing import SigningKey
from ledger.witness import cosigned_at, key_id, parse_witness_vkey

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class PublishedCheckpoint:
    size: int
    note: str


def latest_checkpoint(
    uow: LedgerUnitOfWork, *, now: int | None = None, key: SigningKey | None = None
) -> PublishedCheckpoint:
    """The checkpoint of the current log, signed now if the log grew since the last one.

    It is signed by the ledger key in force: this process's, or `key` when a rotation in this
    unit of work has just handed over to it. Call it in a writing unit of work, and commit.
    """
    key = key or uow.ledger.key
    store = uow.store
    size = store.size()
    latest = store.latest_checkpoint()
    if latest is not None and latest[0] == size:
        return PublishedCheckpoint(*latest)
    in_force = store.ledger_kid()
    if in_force is not None and in_force != key.kid:
        raise LedgerKeyRotated(
            f"the ledger key in force is {in_force}; this process holds {key.kid}"
        )
    root = store.frontier(size).root() if size else CompactRange().root()
    checkpoint = sign_checkpoint(
        uow.ledger.origin,
        size,
        root,
        name=uow.ledger.origin,
        private_key=key.private_key,
    )
    store.add_checkpoint(
        size, root, checkpoint.text, now=uow.ledger.clock() if now is None else now
    )
    return PublishedCheckpoint(size, checkpoint.text)


def witnessed(uow: LedgerUnitOfWork, checkpoint: PublishedCheckpoint) -> PublishedCheckpoint:
    """The checkpoint with the witnesses' cosignature lines it received (ledger.witness)."""
    lines = uow.store.cosignatures(checkpoint.size).get(checkpoint.size, [])
    return PublishedCheckpoint(checkpoint.size, checkpoint.note + "".join(lines))


def receive_cosignature(
    uow: LedgerUnitOfWork, *, size: int, line: str, witnesses: Sequence[str]
) -> bool:
    """Keeps a configured witness's cosignature of the stored checkpoint of `size`; True if
    it is new. Refused unless it verifies under one of `witnesses` (verifier keys)."""
    note = uow.store.checkpoint_note(size)
    if note is None:
        raise LogError(f"no checkpoint of size {size} was published")
    line = line.removesuffix("\n") + "\n"
    if "\n" in line[:-1]:
        raise CheckpointError("a cosignature is one signature line")
    for vkey in witnesses:
        if cosigned_at(note + line, vkey) is not None:
            name, key = parse_witness_vkey(vkey)
            return uow.store.add_cosignature(
                size, f"{name}+{key_id(name, key).hex()}", line, now=uow.ledger.clock()
            )
    raise CheckpointError("this is not a cosignature by a witness this ledger is configured with")


def _check_size(uow: LedgerUnitOfWork, size: int) -> None:
    if size > uow.store.size():
        raise LogError(f"the log has fewer than {size} entries")


def inclusion(uow: LedgerUnitOfWork, *, entry: int, size: int) -> list[bytes]:
    _check_size(uow, size)
    if not 0 <= entry < size:
        raise LogError("the entry must be below the tree size")
    nodes = uow.store.nodes(nodes_for(inclusion_ranges(entry, size)))
    return inclusion_proof(entry, size, nodes)


def consistency(uow: LedgerUnitOfWork, *, old: int, new: int) -> list[bytes]:
    _check_size(uow, new)
    if not 0 < old <= new:
        raise LogError("a consistency proof needs 0 < old <= new")
    nodes = uow.store.nodes(nodes_for(consistency_ranges(old, new)))
    return consistency_proof(old, new, nodes)


def entries(uow: LedgerUnitOfWork, *, start: int, end: int) -> list[StoredEntry]:
    if start < 0 or end <= start:
        raise LogError("need 0 <= start < end")
    return list(uow.store.entries(start, min(end, start + MAX_PAGE)))
