"""The log's side of the ledger's storage: its head, its entries, the Merkle tree's stored
nodes (for proofs, and the frontier a writer appends to) and the checkpoints with their
witnesses' cosignatures, in SQLAlchemy Core.

`LogStore` is a base of `ledger.persistence.store.LedgerStore`, which makes its connection
and fast path (`ledger.persistence.fast`); callers use them as `uow.store.<method>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, tuple_, update

from ledger.errors import InvalidProof
from ledger.log import (
    CompactRange,
    NodeRef,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    nodes_for,
    verify_inclusion,
)
from ledger.persistence import tables as t
from ledger.persistence.fast import FastPath, Head

E = t.ENTRIES
N = t.TREE_NODES
C = t.CHECKPOINTS
H = t.LOG_HEAD
K2 = t.COSIGNATURES


@dataclass(frozen=True, slots=True)
class StoredEntry:
    index: int
    record_id: str
    type: str
    signed: bytes
    sig: bytes
    accepted: int

    @property
    def leaf(self) -> bytes:
        return self.signed + self.sig


class LogStore:
    """The log, its tree and its checkpoints (a base of `LedgerStore`, which sets these)."""

    connection: Connection
    _fast: FastPath
    _head: Head  # as the writer read it, under its lock

    # --- the head and the ledger key -----------------------------------------------------------

    def size(self) -> int:
        size: int = self.connection.execute(select(H.c.size).where(H.c.id == 1)).scalar_one()
        return size

    def ledger_kid(self) -> str | None:
        """The kid of the ledger key in force, if a rotation named it (else the genesis's)."""
        kid: str | None = self.connection.execute(
            select(H.c.ledger_kid).where(H.c.id == 1)
        ).scalar_one()
        return kid

    def set_ledger_kid(self, kid: str) -> None:
        """Names the key in force after a rotation (posted in the same unit of work)."""
        self.connection.execute(update(H).where(H.c.id == 1).values(ledger_kid=kid))

    def genesis_key(self) -> bytes | None:
        """The ledger key the genesis entry names (None before the genesis)."""
        signed = self.connection.execute(
            select(E.c.signed).where(E.c.idx == 0)
        ).scalar_one_or_none()
        if signed is None:
            return None
        return bytes.fromhex(json.loads(bytes(signed).split(b"\n", 1)[1])["ledger_key"])

    # --- entries -------------------------------------------------------------------------------

    def entries(self, start: int, end: int) -> Iterator[StoredEntry]:
        rows = self.connection.execute(
            select(E.c.idx, E.c.record_id, E.c.type, E.c.signed, E.c.sig, E.c.accepted)
            .where(E.c.idx >= start, E.c.idx < end)
            .order_by(E.c.idx)
        )
        for row in rows:
            yield StoredEntry(
                row.idx, row.record_id, row.type, bytes(row.signed), bytes(row.sig), row.accepted
            )

    def entries_by_id(self, ids: Iterable[str]) -> dict[str, StoredEntry]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.connection.execute(
            select(E.c.idx, E.c.record_id, E.c.type, E.c.signed, E.c.sig, E.c.accepted).where(
                self._fast.among(E.c.record_id, wanted)
            )
        )
        return {
            row.record_id: StoredEntry(
                row.idx, row.record_id, row.type, bytes(row.signed), bytes(row.sig), row.accepted
            )
            for row in rows
        }

    # --- the tree ------------------------------------------------------------------------------

    def nodes(self, refs: Iterable[NodeRef]) -> dict[NodeRef, bytes]:
        refs = set(refs)
        leaves = sorted(index for level, index in refs if level == 0)
        inner = sorted((level, index) for level, index in refs if level > 0)
        found: dict[NodeRef, bytes] = {}
        if leaves:
            rows = self.connection.execute(
                select(E.c.idx, E.c.leaf_hash).where(self._fast.among(E.c.idx, leaves))
            )
            found.update({(0, idx): bytes(h) for idx, h in rows})
        if inner:
            nodes = self.connection.execute(
                select(N.c.level, N.c.idx, N.c.hash).where(tuple_(N.c.level, N.c.idx).in_(inner))
            )
            found.update({(level, idx): bytes(h) for level, idx, h in nodes})
        missing = refs - found.keys()
        if missing:
            raise LookupError(f"tree nodes missing from storage: {sorted(missing)[:5]}")
        return found

    def frontier(self, size: int) -> CompactRange:
        refs = CompactRange.frontier_refs(size)
        nodes = self.nodes(refs)
        return CompactRange(size, [nodes[ref] for ref in refs])

    def _frontier_at(self, size: int) -> CompactRange:
        """The tree's frontier at `size`: from the head row when it was written at that size
        (no reads), else from the stored tree nodes."""
        head_size, stored = self._head.size, self._head.frontier
        if head_size == size and stored is not None and stored[:8] == size.to_bytes(8, "big"):
            hashes = stored[8:]
            if len(hashes) == 32 * size.bit_count():
                return CompactRange(size, [hashes[i : i + 32] for i in range(0, len(hashes), 32)])
        return self.frontier(size)

    def leaf_in_tree(self, index: int, size: int) -> bool:
        """Whether the stored entry `index` is the leaf the stored tree of `size` holds."""
        row = self.connection.execute(select(E.c.signed, E.c.sig).where(E.c.idx == index)).first()
        if row is None or not 0 <= index < size:
            return False
        nodes = self.nodes(nodes_for(inclusion_ranges(index, size)))
        root = self.frontier(size).root()
        try:
            path = inclusion_proof(index, size, nodes)
            verify_inclusion(leaf_hash(bytes(row.signed) + bytes(row.sig)), index, size, path, root)
        except (InvalidProof, LookupError):
            return False
        return True

    # --- checkpoints and cosignatures ----------------------------------------------------------

    def latest_checkpoint(self) -> tuple[int, str] | None:
        row = self.connection.execute(
            select(C.c.size, C.c.note).order_by(C.c.size.desc()).limit(1)
        ).first()
        return None if row is None else (row.size, row.note)

    def checkpoints(self) -> list[tuple[int, str]]:
        rows = self.connection.execute(select(C.c.size, C.c.note).order_by(C.c.size))
        return [(size, note) for size, note in rows]

    def checkpoint_note(self, size: int) -> str | None:
        note: str | None = self.connection.execute(
            select(C.c.note).where(C.c.size == size)
        ).scalar()
        return note

    def add_checkpoint(self, size: int, root: bytes, note: str, *, now: int) -> None:
        self.connection.execute(insert(C).values(size=size, root=root, note=note, created=now))

    def cosignatures(self, size: int | None = None) -> dict[int, list[str]]:
        """The witnesses' cosignature lines, by checkpoint size (of `size` only, if given)."""
        query = select(K2.c.size, K2.c.line).order_by(K2.c.size, K2.c.witness)
        if size is not None:
            query = query.where(K2.c.size == size)
        found: dict[int, list[str]] = {}
        for row_size, line in self.connection.execute(query):
            found.setdefault(row_size, []).append(line)
        return found

    def add_cosignature(self, size: int, witness: str, line: str, *, now: int) -> bool:
        """Keeps a witness's line on checkpoint `size`; False if it had one there already."""
        known = self.connection.execute(
            select(K2.c.line).where(K2.c.size == size, K2.c.witness == witness)
        ).first()
        if known is not None:
            return False
        self.connection.execute(
            insert(K2).values(size=size, witness=witness, line=line, received=now)
        )
        return True
