"""What the ledger expects on the reserve's bank accounts, and the reserve check.

The ledger expects, on each reserve bank account, the movements it has already booked on the
matching `reserve:*` account: cash deposits by the offices, conversions by bank transfer and
(on the digital account, which pays them) the payout batches of reconversions, each a single
debit line of the batch's total; those no statement line accounts for yet are in transit.
`association.reconciliation` matches statement lines with these expectations. `reserve_check`
is FORMATS.md §3 invariant 3 as data: per bank account, the bank's latest closing balance
against the ledger's, and what explains a difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from association.bank_import import BankAccountView, LineView, bank_accounts, statement_lines
from association.matching import Expectation, Kind
from association.rf import rf_reference
from association.tables import BANK_STATEMENTS, STATEMENT_LINES
from ledger.ports import LedgerUnitOfWork
from merchants.business_day import local_time
from merchants.sepa import END_TO_END_LENGTH
from merchants.tables import PAYOUT_BATCHES, RECONVERSIONS

__all__ = ["BankAccountCheck", "InTransit", "reserve_check"]

BS, SL, B, R = BANK_STATEMENTS, STATEMENT_LINES, PAYOUT_BATCHES, RECONVERSIONS


@dataclass(frozen=True, slots=True)
class InTransit:
    """A movement the ledger has booked and no statement line accounts for yet.

    ``amount`` is signed as the bank will book it: deposits and conversions positive, a payout
    batch negative. ``kind`` is ``deposit``, ``conversion`` or ``payout-batch``; ``entry`` is
    the log entry (deposits, conversions), ``batch`` the payout batch's number.
    """

    kind: str
    amount: int
    date: str
    reference: str | None
    entry: int | None = None
    batch: int | None = None


@dataclass(frozen=True, slots=True)
class BankAccountCheck:
    """FORMATS.md §3 invariant 3 for one reserve bank account.

    ``ledger`` is what the ledger says the bank account holds: the `reserve:*` balance, plus,
    on the digital account, the reconversions payable and the fees earned (still held in it).
    ``expected`` is that minus the movements in transit (booked by the ledger, not yet by the
    bank); ``bank`` the latest statement's closing balance (None before any import) and
    ``difference`` = bank − expected. Open lines (booked by the bank, not yet accounted for)
    explain some of it; ``unexplained`` is the rest. All amounts are cents.
    """

    iban: str
    reserve: str
    label: str
    ledger_account: int
    reserve_balance: int
    payouts_held: int
    fees_held: int
    in_transit: tuple[InTransit, ...]
    statement: int | None
    statement_date: str | None
    bank: int | None
    open_lines: tuple[LineView, ...]

    @property
    def ledger(self) -> int:
        return self.reserve_balance + self.payouts_held + self.fees_held

    @property
    def expected(self) -> int:
        return self.ledger - sum(t.amount for t in self.in_transit)

    @property
    def difference(self) -> int | None:
        return None if self.bank is None else self.bank - self.expected

    @property
    def unexplained(self) -> int | None:
        difference = self.difference
        return None if difference is None else difference - sum(x.amount for x in self.open_lines)

    @property
    def balanced(self) -> bool:
        """The bank holds exactly what the ledger says, counting what the bank has booked."""
        return self.difference == 0


def _paris_date(instant: int) -> dt.date:
    return local_time(instant).date()


# --- what the ledger expects on a bank account --------------------------------------------


def _entry_expectations(
    uow: LedgerUnitOfWork, account: BankAccountView
) -> list[tuple[Expectation, InTransit]]:
    """Deposits and bank conversions credited to the account's reserve, no line matched yet."""
    matched = select(SL.c.entry).where(SL.c.entry.is_not(None))
    rows = uow.reads.postings(
        credit=account.ledger_account,
        types=("deposit", "conversion"),
        excluding=matched,
        records=True,
    )
    out = []
    for row in rows:
        if row.type == "conversion" and row.record.get("method") == "import":
            continue  # an opening balance from another platform: already in the bank account
        date = _paris_date(row.accepted)
        if row.type == "conversion":
            kind, reference = Kind.CONVERSION, rf_reference(int(row.record["to"]))
        else:
            kind, reference = Kind.DEPOSIT, None
        expectation = Expectation(f"entry:{row.entry}", kind, row.amount, reference, date)
        transit = InTransit(kind.value, row.amount, date.isoformat(), reference, entry=row.entry)
        out.append((expectation, transit))
    return out


def _batch_expectations(
    uow: LedgerUnitOfWork, line_references: set[str]
) -> list[tuple[Expectation, InTransit]]:
    """Payout batches no line matched yet: one debit of the batch's total each, expected the
    day after approval. Its reference is the one the bank reports, among the message id, the
    payment information id and the transfers' end-to-end ids, else the message id."""
    conn = uow.connection
    matched = select(SL.c.batch).where(SL.c.batch.is_not(None))
    batches = conn.execute(
        select(B.c.id, B.c.message_id, B.c.created, func.sum(R.c.amount - R.c.fee).label("total"))
        .join(R, R.c.batch == B.c.id)
        .where(B.c.id.not_in(matched))
        .group_by(B.c.id, B.c.message_id, B.c.created)
        .order_by(B.c.id)
    ).all()
    out = []
    for batch in batches:
        ids = conn.execute(select(R.c.record_id).where(R.c.batch == batch.id)).scalars()
        references = [
            batch.message_id,
            f"{batch.message_id}-1",
            *(i[:END_TO_END_LENGTH] for i in ids),
        ]
        reference = next((r for r in references if r in line_references), batch.message_id)
        date = _paris_date(batch.created) + dt.timedelta(days=1)
        total = int(batch.total)
        expectation = Expectation(f"batch:{batch.id}", Kind.PAYOUT, total, reference, date)
        transit = InTransit("payout-batch", -total, date.isoformat(), reference, batch=batch.id)
        out.append((expectation, transit))
    return out


def expectations(
    uow: LedgerUnitOfWork, account: BankAccountView, line_references: set[str]
) -> list[tuple[Expectation, InTransit]]:
    expected = _entry_expectations(uow, account)
    if account.reserve == "digital":  # payouts are paid from the digital reserve's account
        expected += _batch_expectations(uow, line_references)
    return expected


# --- the reserve check --------------------------------------------------------------------


def _balances(uow: LedgerUnitOfWork, names: Sequence[str]) -> dict[str, int]:
    return {str(a.name): a.balance for a in uow.reads.accounts(names=names)}


def _check(uow: LedgerUnitOfWork, account: BankAccountView) -> BankAccountCheck:
    balances = _balances(uow, ("reserve:digital", "reserve:paper", "payouts", "association"))
    digital = account.reserve == "digital"
    latest = uow.connection.execute(
        select(BS.c.id, BS.c.closing_date, BS.c.closing_balance)
        .where(BS.c.iban == account.iban)
        .order_by(BS.c.closing_date.desc(), BS.c.id.desc())
        .limit(1)
    ).first()
    mine = _statement_ids(uow, account.iban)
    open_lines = [v for v in statement_lines(uow, status=("open",)) if v.statement in mine]
    references = {v.reference for v in open_lines if v.reference}
    return BankAccountCheck(
        iban=account.iban,
        reserve=account.reserve,
        label=account.label,
        ledger_account=account.ledger_account,
        reserve_balance=balances[f"reserve:{account.reserve}"],
        payouts_held=balances["payouts"] if digital else 0,
        fees_held=balances["association"] if digital else 0,
        in_transit=tuple(t for _, t in expectations(uow, account, references)),
        statement=None if latest is None else int(latest.id),
        statement_date=None if latest is None else str(latest.closing_date),
        bank=None if latest is None else int(latest.closing_balance),
        open_lines=tuple(open_lines),
    )


def _statement_ids(uow: LedgerUnitOfWork, iban: str) -> set[int]:
    return set(uow.connection.execute(select(BS.c.id).where(BS.c.iban == iban)).scalars())


def reserve_check(uow: LedgerUnitOfWork) -> list[BankAccountCheck]:
    """FORMATS.md §3 invariant 3 for every registered reserve bank account, digital first."""
    return [_check(uow, account) for account in bank_accounts(uow)]
