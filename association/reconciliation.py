"""Reconciling the reserve's bank statements with the ledger, and top-ups by bank transfer.

The ledger expects, on each reserve bank account, the movements it has already booked on the
matching `reserve:*` account: cash deposits by the offices, conversions by bank transfer and
(on the digital account, which pays them) the payout batches of reconversions, each a single
debit line of the batch's total. `match_open_lines` pairs the open statement lines of an
account with those expectations (`association.matching`: reference first, then amount and date
window). A credit line bearing a member's creditor reference (RF, whose body is the member's
account number) is a top-up: the treasurer signs a bank `conversion` for exactly that member
and amount, and `post_bank_conversion` posts it and matches the line to it in the same unit of
work, so that units are never created by bank transfer without the euros' line. Whatever is
left, the treasurer matches by hand with what the ledger expects (`match_line`: a deposit
the bank booked for another amount, a batch booked later than the window) or resolves with a
note (bank fees…). `reserve_check` is FORMATS.md §3 invariant 3
as data: per bank account, the bank's latest closing balance against the ledger's, and what
explains a difference.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, func, select, update
from sqlalchemy.exc import IntegrityError

from association.bank_import import (
    BankAccountView,
    LineView,
    bank_account,
    bank_accounts,
    line_view,
    statement_line,
    statement_lines,
)
from association.errors import LineMatchRefused, LineNotOpen, TopUpRefused
from association.matching import Expectation, Kind, match
from association.rf import rf_reference
from association.statements import StatementLine
from association.tables import BANK_STATEMENTS, STATEMENT_LINES
from association.text import checked_note
from ledger.acts import record_act
from ledger.context import LedgerUnitOfWork
from ledger.errors import FormatError
from ledger.persistence.tables import ACCOUNTS, ENTRIES, POSTINGS
from ledger.posting import Posted, post_record
from ledger.records import SignedRecord
from merchants.business_day import local_time
from merchants.sepa import END_TO_END_LENGTH
from merchants.tables import PAYOUT_BATCHES, RECONVERSIONS

__all__ = [
    "BankAccountCheck",
    "InTransit",
    "match_line",
    "match_open_lines",
    "post_bank_conversion",
    "reserve_check",
    "resolve_line",
]

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
    rows = uow.connection.execute(
        select(POSTINGS.c.entry, POSTINGS.c.amount, ENTRIES.c.type, ENTRIES.c.signed)
        .add_columns(ENTRIES.c.accepted)
        .join(ENTRIES, ENTRIES.c.idx == POSTINGS.c.entry)
        .where(
            POSTINGS.c.credit == account.ledger_account,
            ENTRIES.c.type.in_(("deposit", "conversion")),
            POSTINGS.c.entry.not_in(matched),
        )
        .order_by(POSTINGS.c.entry)
    )
    out = []
    for row in rows:
        date = _paris_date(row.accepted)
        if row.type == "conversion":
            record = json.loads(bytes(row.signed).split(b"\n", 1)[1])
            kind, reference = Kind.CONVERSION, rf_reference(int(record["to"]))
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


def _expectations(
    uow: LedgerUnitOfWork, account: BankAccountView, line_references: set[str]
) -> list[tuple[Expectation, InTransit]]:
    expected = _entry_expectations(uow, account)
    if account.reserve == "digital":  # payouts are paid from the digital reserve's account
        expected += _batch_expectations(uow, line_references)
    return expected


# --- matching -----------------------------------------------------------------------------


def _open_rows(uow: LedgerUnitOfWork, iban: str) -> list[Row[tuple[object, ...]]]:
    return list(
        uow.connection.execute(
            select(SL)
            .join(BS, BS.c.id == SL.c.statement)
            .where(BS.c.iban == iban, SL.c.status == "open")
            .order_by(SL.c.statement, SL.c.line)
        )
    )


def _as_line(view: LineView) -> StatementLine:
    booked = dt.date.fromisoformat(view.date)
    return StatementLine(booked, booked, view.amount, view.label, view.reference)


def _mark_matched(
    uow: LedgerUnitOfWork, line: LineView, target: str, now: int, note: str | None = None
) -> None:
    kind, _, number = target.partition(":")
    where = (SL.c.statement == line.statement) & (SL.c.line == line.line) & (SL.c.status == "open")
    conn = uow.connection
    # The row lock of this update orders two treasurers matching the same line: the second
    # finds it matched and its whole unit of work (its conversion too) is rolled back.
    values = {"status": "matched", kind: int(number), "note": note}
    try:
        done = conn.execute(update(SL).where(where).values(**values))
    except IntegrityError as error:  # another line took the same entry or batch meanwhile
        raise LineMatchRefused(
            f"the {kind} {number} was matched with another line meanwhile",
            statement=line.statement,
            line=line.line,
        ) from error
    if done.rowcount != 1:
        raise LineNotOpen(
            f"line {line.line} of statement {line.statement} was matched meanwhile",
            statement=line.statement,
            line=line.line,
        )
    if kind == "batch":  # FORMATS.md §7: a payout batch is executed when the statement shows it
        conn.execute(
            update(B)
            .where(B.c.id == int(number), B.c.status == "approved")
            .values(status="executed", executed=now)
        )


def match_open_lines(uow: LedgerUnitOfWork, *, account: BankAccountView, now: int) -> int:
    """Matches the account's open lines (of every statement) with what the ledger expects;
    the number of lines matched. A line bearing a member's reference is only ever matched
    with a conversion to that member: a deposit of the same amount is not a top-up."""
    views = [line_view(row) for row in _open_rows(uow, account.iban)]
    if not views:
        return 0
    expected = _expectations(uow, account, {v.reference for v in views if v.reference})
    conversions = [e for e, _ in expected if e.kind is Kind.CONVERSION]
    others = [e for e, _ in expected if e.kind is not Kind.CONVERSION]
    count = 0
    for group, candidates in (
        ([v for v in views if v.member is not None], conversions),
        ([v for v in views if v.member is None], others),
    ):
        result = match(candidates, [_as_line(v) for v in group])
        for found in result.matches:
            _mark_matched(uow, group[found.line_index], found.expectation.id, now)
            count += 1
    return count


# --- top-ups by bank transfer and manual resolution -------------------------------------


def _iban_of(uow: LedgerUnitOfWork, statement: int) -> str:
    return str(uow.connection.execute(select(BS.c.iban).where(BS.c.id == statement)).scalar_one())


def _record_id(uow: LedgerUnitOfWork, entry: int) -> str | None:
    found = uow.connection.execute(select(ENTRIES.c.record_id).where(ENTRIES.c.idx == entry))
    return found.scalar()


def post_bank_conversion(
    uow: LedgerUnitOfWork, *, statement: int, line: int, record: SignedRecord, now: int
) -> Posted:
    """Posts the treasurer's bank `conversion` for a top-up line and matches the line to it.

    The record must credit the member the line's creditor reference names with exactly the
    line's amount, on a credit line of the digital reserve's account still open; a retry of the
    record that matched the line returns its entry again.
    """
    found = statement_line(uow, statement=statement, line=line)
    if record.type != "conversion" or record.record.get("method") != "bank":
        raise TopUpRefused("a top-up is posted by a conversion record of method bank")
    if found.status != "open":
        if found.entry is not None and _record_id(uow, found.entry) == record.id:
            return post_record(uow, record=record, now=now)  # a retry: the original entry
        raise LineNotOpen(
            f"line {line} of statement {statement} is {found.status} already",
            statement=statement,
            line=line,
        )
    account = bank_account(uow, iban=_iban_of(uow, statement))
    if account.reserve != "digital":
        raise TopUpRefused("top-ups by bank transfer arrive on the digital reserve's account")
    if found.member is None:
        raise TopUpRefused("the line is not a credit bearing a member's creditor reference")
    if record.record["to"] != str(found.member) or record.record["amount"] != found.amount:
        raise TopUpRefused(
            f"the line credits {found.amount} cents for account {found.member}, not"
            f" {record.record['amount']} cents for account {record.record['to']}",
            account=str(found.member),
            amount=found.amount,
        )
    posted = post_record(uow, record=record, now=now)
    if posted.retry:
        taken = uow.connection.execute(select(SL.c.line).where(SL.c.entry == posted.index))
        if taken.first() is not None:
            raise TopUpRefused("this conversion accounts for another statement line already")
    _mark_matched(uow, found, f"entry:{posted.index}", now)
    return posted


def _open_line(uow: LedgerUnitOfWork, statement: int, line: int) -> LineView:
    found = statement_line(uow, statement=statement, line=line)
    if found.status != "open":
        raise LineNotOpen(
            f"line {line} of statement {statement} is {found.status} already",
            statement=statement,
            line=line,
        )
    return found


def match_line(
    uow: LedgerUnitOfWork,
    *,
    statement: int,
    line: int,
    entry: int | None = None,
    batch: int | None = None,
    note: str,
    now: int,
) -> LineView:
    """The treasurer matches an open line by hand with a deposit or conversion (`entry`) or
    a payout batch (`batch`) the ledger still expects on the line's bank account, whatever
    the amounts, with a note saying why. The movement is no longer in transit, and a
    difference of amounts stays in the reserve check as unexplained, for all to see. A line
    bearing a member's creditor reference only ever stands for a conversion to that member.
    """
    if (entry is None) == (batch is None):
        raise FormatError("a line is matched with one entry or one payout batch")
    note = checked_note(note)
    found = _open_line(uow, statement, line)
    account = bank_account(uow, iban=_iban_of(uow, statement))
    target = f"entry:{entry}" if entry is not None else f"batch:{batch}"
    expected = {e.id: e for e, _ in _expectations(uow, account, set())}
    expectation = expected.get(target)
    if expectation is None:
        raise LineMatchRefused(
            f"the ledger expects no {target.replace(':', ' ')} on the bank account"
            f" {account.iban} (matched already, or not a movement of that account)",
            statement=statement,
            line=line,
        )
    if (found.amount > 0) != (expectation.kind.sign > 0):
        raise LineMatchRefused(
            f"a {'credit' if found.amount > 0 else 'debit'} line cannot stand for a"
            f" {expectation.kind.value}",
            statement=statement,
            line=line,
        )
    if found.member is not None and expectation.reference != rf_reference(found.member):
        raise LineMatchRefused(
            f"the line is a top-up for account {found.member}: only a conversion to that"
            " account accounts for it",
            statement=statement,
            line=line,
        )
    _mark_matched(uow, found, target, now, note)
    record_act(uow, "bank.match", f"{statement}/{line}", {"note": note})
    return statement_line(uow, statement=statement, line=line)


def resolve_line(uow: LedgerUnitOfWork, *, statement: int, line: int, note: str) -> LineView:
    """The treasurer explains a line nothing in the ledger accounts for (bank fees…)."""
    note = checked_note(note)
    _open_line(uow, statement, line)
    uow.connection.execute(
        update(SL)
        .where(SL.c.statement == statement, SL.c.line == line)
        .values(status="resolved", note=note)
    )
    record_act(uow, "bank.resolve", f"{statement}/{line}", {"note": note})
    return statement_line(uow, statement=statement, line=line)


# --- the reserve check --------------------------------------------------------------------


def _balances(uow: LedgerUnitOfWork, names: Sequence[str]) -> dict[str, int]:
    rows = uow.connection.execute(
        select(ACCOUNTS.c.name, ACCOUNTS.c.credits - ACCOUNTS.c.debits).where(
            ACCOUNTS.c.name.in_(list(names))
        )
    )
    return {str(name): int(balance) for name, balance in rows}


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
        in_transit=tuple(t for _, t in _expectations(uow, account, references)),
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
