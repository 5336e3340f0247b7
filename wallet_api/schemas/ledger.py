"""What `GET /v1/ledger` describes: the ledger's host, unit and keys."""

from __future__ import annotations

from wallet_api.schemas.common import Out


class LedgerOut(Out):
    host: str
    currency: str
    unit_name: str
    ledger_key: str
    checkpoint_verifier: str
    source_url: str  # the running version's source code (AGPL-3.0-or-later, section 13)
