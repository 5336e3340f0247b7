"""The reserve's dashboard (with the compliance panel) and its check against the bank."""

from __future__ import annotations

from pydantic import BaseModel

from wallet_api.schemas.common import LatestStatementOut, Out, StatementLineOut


class MeasureOut(Out):
    amount: int
    threshold: int
    usage_bp: int
    level: str


class ComplianceOut(Out):
    since: int
    until: int
    level: str
    payment_volume: MeasureOut
    outstanding: MeasureOut


class ReserveOut(Out):
    number: int
    name: str
    balance: int
    iban: str | None
    label: str | None


class ReserveOfficeOut(Out):
    number: int
    name: str
    cash: int
    paper_issued: int
    paper_exchanged: int
    notes_delivered: int
    paper_stock: int


class ReserveMonthOut(Out):
    month: str
    circulation: int
    backing: int


class BankCheckOut(Out):
    iban: str
    reserve: str
    label: str
    ledger: int
    in_transit: int
    expected: int
    bank: int | None
    statement_date: str | None
    difference: int | None
    open_lines: int
    unexplained: int | None
    balanced: bool


class DashboardOut(Out):
    circulation: int
    circulation_digital: int
    circulation_paper: int
    backing: int
    balanced: bool
    coverage_bp: int | None
    reserves: list[ReserveOut]
    offices: list[ReserveOfficeOut]
    office_cash: int
    payouts_payable: int
    fees_earned: int
    paper_stock_known: bool
    holders: dict[str, int]
    history: list[ReserveMonthOut]
    compliance: ComplianceOut
    banks: list[BankCheckOut]
    latest_statement: LatestStatementOut | None


class InTransitOut(BaseModel):
    kind: str
    amount: int
    date: str
    reference: str | None
    entry: int | None
    batch: int | None


class BankAccountCheckOut(BaseModel):
    iban: str
    reserve: str
    label: str
    ledger_account: str
    statement: int | None
    statement_date: str | None
    bank: int | None
    reserve_balance: int
    payouts_held: int
    fees_held: int
    ledger: int
    expected: int
    difference: int | None
    unexplained: int | None
    balanced: bool
    in_transit: list[InTransitOut]
    open_lines: list[StatementLineOut]
