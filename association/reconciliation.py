"""Reconciling the reserve's bank statements with the ledger, and top-ups by bank transfer.

The ledger expects, on each reserve bank account, the movements it has already booked on the
matching `reserve:*` account (`association.reserve_check`). `match_open_lines` pairs the open
statement lines of an account with those expectations (`association.matching`: reference
first, then amount and date window). A credit line bearing a member's creditor reference (RF,
whose body is the member's account number) is a top-up: the treasurer signs a bank
`conversion` for exactly that member and amount, and `post_bank_conversion` posts it and
matches the line to it in the same unit of work, so that units are never created by bank
transfer without the euros' line. Whatever is left, the treasurer matches by hand with what
the ledger expects (`match_line`: a deposit the bank booked for another amount, a batch booked
later than the window) or resolves with a note (bank fees…). `reserve_check` (FORMATS.md §3
invariant 3 as data) is in `association.reserve_check`, and importable from here too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row, select, update
from sqlalchemy.exc import IntegrityError

from association.bank_import import (
    BankAccountView,
    LineView,
    bank_account,
    line_view,
    statement_line,
)
from association.errors import LineMatchRefused, LineNotOpen, TopUpRefused
from association.matching import Kind, match
from association.reserve_check import expectations
from association.rf import rf_reference
from association.statements import StatementLine
from association.tables import BANK_STATEMENTS, STATEMENT_LINES
from association.text import checked_note
from ledger.acts import record_act
from ledger.errors import FormatError
from ledger.ports import LedgerUnitOfWork
from ledger.posting import Posted, post_record
from ledger.records import SignedRecord
from merchants.tables import PAYOUT_BATCHES

__all__ = [
    "match_line",
    "match_open_lines",
    "post_bank_conversion",
    "resolve_line",
]

BS, SL, B = BANK_STATEMENTS, STATEMENT_LINES, PAYOUT_BATCHES


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
    expected = expectations(uow, account, {v.reference for v in views if v.reference})
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
    found = uow.reads.entries(indexes=[entry])
    return found[0].record_id if found else None


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
    expected = {e.id: e for e, _ in expectations(uow, account, set())}
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
