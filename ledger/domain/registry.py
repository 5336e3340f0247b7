"""Every record type, by name: adding one is a module beside these and a line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.domain import (
    account,
    conversion,
    day,
    deposit,
    genesis,
    key,
    ledger_key,
    paper_exchange,
    paper_issue,
    payout,
    reconversion,
    transfer,
)
from ledger.domain.kind import LedgerKind, OperationKind

Kind = LedgerKind[Any] | OperationKind[Any]

KINDS: Mapping[str, Kind] = dict(  # a plain dict: looked up on the payments' hot path
    {
        kind.type: kind
        for kind in (
            genesis.KIND,
            ledger_key.KIND,
            account.KIND,
            key.KIND,
            transfer.KIND,
            conversion.KIND,
            paper_issue.KIND,
            paper_exchange.KIND,
            deposit.KIND,
            reconversion.KIND,
            payout.KIND,
            day.KIND,
        )
    }
)
LEDGER_SIGNED = frozenset(name for name, kind in KINDS.items() if isinstance(kind, LedgerKind))
