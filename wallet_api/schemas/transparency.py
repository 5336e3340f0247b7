"""The public totals."""

from __future__ import annotations

from wallet_api.schemas.common import LatestStatementOut, Out


class TransparencyOut(Out):
    circulation: int
    circulation_digital: int
    circulation_paper: int
    backing: int
    coverage_bp: int | None
    payouts_payable: int
    holders: dict[str, int]
    latest_statement: LatestStatementOut | None
    latest_note: str | None
