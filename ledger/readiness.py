"""Whether this process may take traffic: the checks behind `GET /readyz`.

Five checks, each cheap enough for a load balancer to ask every few seconds: the database
answers; its schema is at the migrations' head; the ledger key this process signs with is the
one the genesis names (after a rotation, the one in force); and the stored log agrees with
the latest signed checkpoint (the log holds at least that many entries, and the root of its
stored tree at that size is the root the checkpoint signs, recomputed from the O(log n)
stored nodes of the tree's frontier); and this process found nothing wrong with the stored
ledger (ledger.integrity: a seal that failed, the self-check's findings). A check that fails
says why in a few words, never with a secret. Deeper checks (every leaf hashed again,
balances folded from postings) are the self-check's (ledger.selfcheck), which runs in the
background, not in a probe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ledger.checkpoint import open_checkpoint
from ledger.context import Ledger
from ledger.errors import CheckpointError
from ledger.persistence.migrate import is_current
from ledger.persistence.store import LedgerStore
from ledger.persistence.tables import ENTRIES

OK = "ok"


@dataclass(frozen=True, slots=True)
class Readiness:
    checks: dict[str, str]  # name -> "ok" or why not

    @property
    def ready(self) -> bool:
        return all(outcome == OK for outcome in self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, outcome in self.checks.items() if outcome != OK]


def check_readiness(ledger: Ledger) -> Readiness:
    checks: dict[str, str] = {}
    try:
        with ledger.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        checks["database"] = f"unreachable ({type(error.orig).__name__})"
        return Readiness(checks)
    checks["database"] = OK
    try:
        current = is_current(ledger.engine)
    except DBAPIError:
        current = False
    checks["migrations"] = OK if current else "not at the migrations' head: run `sou db upgrade`"
    if not current:
        return Readiness(checks)
    with ledger.engine.connect() as connection:
        store = LedgerStore(connection)
        checks["ledger_key"] = _ledger_key(
            ledger, connection.execute(_GENESIS).scalar(), store.ledger_kid()
        )
        checks["log"] = _log(ledger, store)
    checks["integrity"] = ledger.integrity.summary() or OK
    return Readiness(checks)


_GENESIS = select(ENTRIES.c.signed).where(ENTRIES.c.idx == 0)


def _ledger_key(ledger: Ledger, signed: bytes | None, rotated_to: str | None) -> str:
    if signed is None:
        return "the log has no genesis: run `sou db upgrade`"
    if rotated_to is not None:
        if rotated_to != ledger.key.kid:
            return "the ledger key loaded was retired by a rotation: load the new one"
        return OK
    try:
        genesis = json.loads(bytes(signed).split(b"\n", 1)[1])
        named = genesis["ledger_key"]
    except (ValueError, IndexError, KeyError, TypeError):
        return "the genesis entry cannot be read"
    if named != ledger.key.public_bytes.hex():
        return "the ledger key loaded is not the one the genesis names"
    return OK


def _log(ledger: Ledger, store: LedgerStore) -> str:
    latest = store.latest_checkpoint()
    if latest is None:
        return OK  # nothing signed yet: nothing to disagree with
    size, note = latest
    try:
        checkpoint = open_checkpoint(note, name=ledger.origin, public_key=ledger.key.public_bytes)
    except CheckpointError:
        return f"the checkpoint of size {size} does not verify with the ledger key"
    if checkpoint.size != size:
        return f"the checkpoint stored for size {size} signs size {checkpoint.size}"
    if store.size() < size:
        return f"the log holds fewer entries than its checkpoint of size {size}"
    try:
        root = store.frontier(size).root()
    except KeyError:
        return f"the stored tree lacks nodes of its frontier at size {size}"
    if root != checkpoint.root:
        return f"the stored tree's root at size {size} is not the checkpoint's"
    return OK
