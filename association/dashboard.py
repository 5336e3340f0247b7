"""The reserve dashboard: what the units in circulation are, and the euros that back them.

A read model over the ledger's tables, not a method of its aggregates. Circulation is digital
(the sum of holder balances in the local unit) plus paper (the `paper` account: notes held by
the public); backing is the reserve accounts plus the cash at the offices, and FORMATS.md §3 wants
them equal. The coverage ratio is given in whole basis points, rounded down, so that 100 %
means fully covered and no float is ever involved. Payouts payable and fees earned are shown
apart: they are euros held in the bank that back no unit.

The paper-note *stock* of an office (notes delivered, not yet handed out) is not in the log,
which knows money only (FORMATS.md §3: notes in stock are inventory): the treasurer records the
notes delivered to each office beside it (`association.offices.record_note_delivery`). The
log knows, per office, the notes it put into circulation (`paper_issue`) and the notes it
took back (`paper_exchange`); the stock is delivered − issued + taken back, and a negative
stock means notes handed out that no delivery accounts for.

Each reserve bank account's check (its latest statement against the ledger, what is in
transit and what is unexplained) comes from `association.reserve_check`.

History: circulation and backing at the end of every month (Europe/Paris), from the postings
by the time their entry was accepted; the current month's point is its figure so far.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from association.compliance import Compliance, compliance, outstanding_digital
from association.offices import notes_delivered
from association.reserve_check import BankAccountCheck, reserve_check
from association.tables import BANK_ACCOUNTS, BANK_STATEMENTS, RESERVE_STATEMENTS
from ledger.accounts import BACKING_KINDS, HOLDER_KINDS
from ledger.ports import LedgerUnitOfWork
from ledger.queries import check_rows

PARIS = ZoneInfo("Europe/Paris")
FULL_COVERAGE_BP = 10_000


@dataclass(frozen=True, slots=True)
class ReserveAccount:
    """A reserve ledger account, and the bank account that holds its euros if registered."""

    number: int
    name: str
    balance: int
    iban: str | None
    label: str | None


@dataclass(frozen=True, slots=True)
class Office:
    """An exchange office: its cash not yet deposited, and the paper notes it moved."""

    number: int
    name: str
    cash: int
    paper_issued: int  # notes put into circulation by this office (paper_issue)
    paper_exchanged: int  # notes taken back for digital units (paper_exchange)
    notes_delivered: int  # notes the association handed to it, less those it took back
    paper_stock: int  # delivered - issued + taken back: the notes it should hold


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: str  # YYYY-MM
    circulation: int
    backing: int


@dataclass(frozen=True, slots=True)
class StatementBank:
    """A bank statement named by a reserve statement, as the association imported it."""

    sha256: str
    iban: str | None
    closing_date: str | None
    closing_balance: int | None


@dataclass(frozen=True, slots=True)
class LatestStatement:
    """The latest published reserve statement and, for a shortfall, what it is made of."""

    id: int
    date: str
    status: str
    checkpoint_size: int
    liabilities: int
    reserve: int
    cosignatures: int
    banks: tuple[StatementBank, ...]

    @property
    def shortfall(self) -> int:
        return max(0, self.liabilities - self.reserve)

    @property
    def difference(self) -> int:
        """Reserve minus liabilities: negative for a shortfall."""
        return self.reserve - self.liabilities


@dataclass(frozen=True, slots=True)
class Dashboard:
    circulation_digital: int
    circulation_paper: int
    reserves: tuple[ReserveAccount, ...]
    offices: tuple[Office, ...]
    payouts_payable: int
    fees_earned: int
    holders: Mapping[str, int]  # open or frozen holder accounts, by kind
    history: tuple[MonthPoint, ...]
    compliance: Compliance
    latest_statement: LatestStatement | None
    banks: tuple[BankAccountCheck, ...]  # FORMATS.md §3 invariant 3, per reserve bank account
    paper_stock_known: bool = True  # from the deliveries recorded (see the module's docstring)

    @property
    def circulation(self) -> int:
        return self.circulation_digital + self.circulation_paper

    @property
    def office_cash(self) -> int:
        return sum(office.cash for office in self.offices)

    @property
    def backing(self) -> int:
        return sum(reserve.balance for reserve in self.reserves) + self.office_cash

    @property
    def coverage_bp(self) -> int | None:
        """Backing ÷ circulation in basis points, rounded down; None if nothing circulates."""
        return coverage_bp(self.backing, self.circulation)

    @property
    def balanced(self) -> bool:
        return self.backing == self.circulation


def coverage_bp(backing: int, circulation: int) -> int | None:
    if circulation <= 0:
        return None
    return backing * FULL_COVERAGE_BP // circulation


def system_numbers(uow: LedgerUnitOfWork) -> dict[str, int]:
    """Account numbers of the system accounts, by name (`issuance`, `paper`, …)."""
    return uow.reads.system_accounts()


def _accounts(uow: LedgerUnitOfWork) -> list[tuple[int, str, str | None, str | None, int]]:
    accounts = uow.reads.accounts(kinds=["paper", "payouts", "fees", *BACKING_KINDS])
    holders = uow.reads.holders(a.number for a in accounts)
    return [
        (a.number, a.kind, a.name, h.name if (h := holders.get(a.number)) else None, a.balance)
        for a in accounts
    ]


def holder_counts(uow: LedgerUnitOfWork) -> dict[str, int]:
    totals = uow.reads.kind_totals(HOLDER_KINDS, closed=False)
    counts: dict[str, int] = dict.fromkeys(sorted(HOLDER_KINDS), 0)
    counts.update({kind: total.accounts for kind, total in totals.items()})
    return counts


def _paper_by_office(uow: LedgerUnitOfWork) -> dict[tuple[int, str], int]:
    """Cents of notes issued and exchanged, per office, read from the records themselves
    (the office is a field of the record, not an account of its unit legs)."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for entry in uow.reads.entries(types=["paper_issue", "paper_exchange"]):
        record = entry.record
        totals[(int(record["office"]), entry.type)] += int(record["amount"])
    return totals


def _reserves_and_offices(
    uow: LedgerUnitOfWork,
) -> tuple[tuple[ReserveAccount, ...], tuple[Office, ...], dict[str, int]]:
    banks = {
        int(r.ledger_account): (r.iban, r.label)
        for r in uow.connection.execute(select(BANK_ACCOUNTS))
    }
    paper = _paper_by_office(uow)
    delivered = notes_delivered(uow)
    reserves, offices, others = [], [], {}
    for number, kind, name, holder, balance in _accounts(uow):
        if kind == "reserve":
            iban, label = banks.get(number, (None, None))
            reserves.append(ReserveAccount(number, name or str(number), balance, iban, label))
        elif kind == "office_cash":
            issued, taken_back = paper[(number, "paper_issue")], paper[(number, "paper_exchange")]
            received = delivered.get(number, 0)
            offices.append(
                Office(
                    number,
                    holder or name or str(number),
                    balance,
                    issued,
                    taken_back,
                    received,
                    received - issued + taken_back,
                )
            )
        else:
            others[kind] = balance
    return tuple(reserves), tuple(offices), others


def month_of(unix: int) -> str:
    return dt.datetime.fromtimestamp(unix, PARIS).strftime("%Y-%m")


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def history(uow: LedgerUnitOfWork, *, now: int) -> tuple[MonthPoint, ...]:
    """Circulation and backing at the end of each month, from the first posting to now."""
    issuance = system_numbers(uow)["issuance"]
    backing = {a.number for a in uow.reads.accounts(kinds=BACKING_KINDS)}
    moves: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in uow.reads.postings(touching=[issuance, *backing]):
        debit, credit, amount = p.debit, p.credit, p.amount
        delta = moves[month_of(p.accepted)]
        delta[0] += (amount if debit == issuance else 0) - (amount if credit == issuance else 0)
        delta[1] += (amount if credit in backing else 0) - (amount if debit in backing else 0)
    if not moves:
        return ()
    points, month, last = [], min(moves), max(max(moves), month_of(now))
    circulation = backing_total = 0
    while month <= last:
        step = moves.get(month, [0, 0])
        circulation, backing_total = circulation + step[0], backing_total + step[1]
        points.append(MonthPoint(month, circulation, backing_total))
        month = _next_month(month)
    return tuple(points)


def _statement_banks(uow: LedgerUnitOfWork, digests: Sequence[str]) -> tuple[StatementBank, ...]:
    rows = {
        r.sha256: r
        for r in uow.connection.execute(
            select(BANK_STATEMENTS).where(BANK_STATEMENTS.c.sha256.in_(list(digests)))
        )
    }
    banks = []
    for digest in digests:
        row = rows.get(digest)
        if row is None:  # the digest of no file: no bank statement had been imported
            banks.append(StatementBank(digest, None, None, None))
        else:
            banks.append(StatementBank(digest, row.iban, row.closing_date, row.closing_balance))
    return tuple(banks)


def latest_statement(uow: LedgerUnitOfWork) -> LatestStatement | None:
    row = uow.connection.execute(
        select(RESERVE_STATEMENTS).order_by(RESERVE_STATEMENTS.c.date.desc()).limit(1)
    ).first()
    if row is None:
        return None
    body, _, signatures = row.note.partition("\n\n")
    digests = [
        line.removeprefix("bank-statement ")
        for line in body.splitlines()
        if line.startswith("bank-statement ")
    ]
    return LatestStatement(
        id=row.id,
        date=row.date,
        status=row.status,
        checkpoint_size=row.checkpoint_size,
        liabilities=row.liabilities,
        reserve=row.reserve,
        cosignatures=max(0, len(signatures.splitlines()) - 1),
        banks=_statement_banks(uow, digests),
    )


def dashboard(uow: LedgerUnitOfWork, *, now: int) -> Dashboard:
    """Every figure of the reserve, as the ledger holds them now (refused, with the alarm
    raised, if an account row is not the one the ledger sealed)."""
    check_rows(uow)
    reserves, offices, others = _reserves_and_offices(uow)
    return Dashboard(
        circulation_digital=outstanding_digital(uow),
        circulation_paper=others.get("paper", 0),
        reserves=reserves,
        offices=offices,
        payouts_payable=others.get("payouts", 0),
        fees_earned=others.get("fees", 0),
        holders=holder_counts(uow),
        history=history(uow, now=now),
        compliance=compliance(uow, now=now),
        latest_statement=latest_statement(uow),
        banks=tuple(reserve_check(uow)),
    )
