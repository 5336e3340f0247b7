"""`LedgerReads` (ledger/ports.py) in SQLAlchemy Core, over one unit of work's connection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    union_all,
)

from ledger.accounts import Account, Key
from ledger.persistence.store import LedgerStore, StoredEntry
from ledger.persistence.tables import (
    ACCOUNTS,
    CHECKPOINTS,
    DAYS,
    ENTRIES,
    HOLDERS,
    KEYS,
    PAYMENT_REQUESTS,
    POSTINGS,
)
from ledger.read_models import (
    AccountInfo,
    EntryInfo,
    HolderInfo,
    KeyInfo,
    KindTotal,
    PaymentFigures,
    PostingLine,
    TransferLine,
)
from ledger.state import RegisteredRequest

A, E, P = ACCOUNTS, ENTRIES, POSTINGS


def _posting_filters(
    *,
    touching: Iterable[int] | None,
    debit: int | None,
    credit: int | None,
    types: Iterable[str] | None,
    unit: str | None,
    accepted: tuple[int, int] | None,
    entries: tuple[int, int] | None,
    among: Select[Any] | None,
    excluding: Select[Any] | None,
) -> list[ColumnElement[bool]]:
    """The conditions of `LedgerReads.postings` on postings joined with their entries."""
    where: list[ColumnElement[bool]] = []
    if touching is not None:
        numbers = sorted(set(touching))
        where.append(or_(P.c.debit.in_(numbers), P.c.credit.in_(numbers)))
    if debit is not None:
        where.append(P.c.debit == debit)
    if credit is not None:
        where.append(P.c.credit == credit)
    if types is not None:
        where.append(E.c.type.in_(sorted(set(types))))
    if unit is not None:
        where.append(P.c.unit == unit)
    if accepted is not None:
        where += [E.c.accepted >= accepted[0], E.c.accepted < accepted[1]]
    if entries is not None:
        where += [P.c.entry >= entries[0], P.c.entry < entries[1]]
    if among is not None:
        where.append(P.c.entry.in_(among.scalar_subquery()))
    if excluding is not None:
        where.append(P.c.entry.not_in(excluding.scalar_subquery()))
    return where


class SqlLedgerReads:
    def __init__(self, store: LedgerStore) -> None:
        self.connection = store.connection
        self.store = store

    def request_bytes(self, payreq: str) -> bytes:
        return self.store.payment_request(payreq)

    def account(self, number: int) -> Account | None:
        return self.store.account(number)

    def key(self, kid: str) -> Key | None:
        return self.store.keys([kid]).get(kid)

    def log_size(self) -> int:
        return self.store.size()

    def system_accounts(self) -> dict[str, int]:
        return self.store.system_accounts()

    def key_labels(self, kids: Iterable[str]) -> dict[str, str | None]:
        wanted = sorted(set(kids))
        if not wanted:
            return {}
        rows = self.connection.execute(
            select(KEYS.c.kid, KEYS.c.label).where(KEYS.c.kid.in_(wanted))
        )
        return {kid: label for kid, label in rows}

    def keys(
        self, *, kids: Iterable[str] | None = None, account: int | None = None
    ) -> list[KeyInfo]:
        query = select(KEYS.c.kid, KEYS.c.account, KEYS.c.role, KEYS.c.status, KEYS.c.label)
        if kids is not None:
            query = query.where(KEYS.c.kid.in_(sorted(set(kids))))
        if account is not None:
            query = query.where(KEYS.c.account == account)
        rows = self.connection.execute(query.order_by(KEYS.c.kid))
        return [KeyInfo(r.kid, int(r.account), r.role, r.status, r.label) for r in rows]

    def accounts(
        self,
        *,
        numbers: Iterable[int] | None = None,
        kinds: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
    ) -> list[AccountInfo]:
        query = select(
            A.c.number,
            A.c.kind,
            A.c.name,
            A.c.unit,
            A.c.status,
            (A.c.credits - A.c.debits).label("balance"),
            A.c.opened_idx,
        )
        if numbers is not None:
            query = query.where(A.c.number.in_(sorted(set(numbers))))
        if kinds is not None:
            query = query.where(A.c.kind.in_(sorted(set(kinds))))
        if names is not None:
            query = query.where(A.c.name.in_(sorted(set(names))))
        return [
            AccountInfo(
                int(r.number), r.kind, r.name, r.unit, r.status, int(r.balance), int(r.opened_idx)
            )
            for r in self.connection.execute(query.order_by(A.c.number))
        ]

    def kind_totals(self, kinds: Iterable[str], *, closed: bool = True) -> dict[str, KindTotal]:
        query = select(A.c.kind, func.count(), func.sum(A.c.credits - A.c.debits)).where(
            A.c.kind.in_(sorted(set(kinds)))
        )
        if not closed:
            query = query.where(A.c.status != "closed")
        rows = self.connection.execute(query.group_by(A.c.kind))
        return {kind: KindTotal(int(count), int(total or 0)) for kind, count, total in rows}

    def holders(self, numbers: Iterable[int]) -> dict[int, HolderInfo]:
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        rows = self.connection.execute(
            select(HOLDERS.c.account, HOLDERS.c.name, HOLDERS.c.detail).where(
                HOLDERS.c.account.in_(wanted)
            )
        )
        return {int(r.account): HolderInfo(r.name, r.detail) for r in rows}

    def balances_at(self, size: int) -> dict[int, int]:
        totals: dict[int, int] = defaultdict(int)
        for column, sign in ((P.c.credit, 1), (P.c.debit, -1)):
            rows = self.connection.execute(
                select(column, func.sum(P.c.amount)).where(P.c.entry < size).group_by(column)
            )
            for number, amount in rows:
                totals[int(number)] += sign * int(amount)
        return dict(totals)

    def postings(
        self,
        *,
        touching: Iterable[int] | None = None,
        debit: int | None = None,
        credit: int | None = None,
        types: Iterable[str] | None = None,
        unit: str | None = None,
        accepted: tuple[int, int] | None = None,
        entries: tuple[int, int] | None = None,
        among: Select[Any] | None = None,
        excluding: Select[Any] | None = None,
        records: bool = False,
    ) -> list[PostingLine]:
        where = _posting_filters(
            touching=touching,
            debit=debit,
            credit=credit,
            types=types,
            unit=unit,
            accepted=accepted,
            entries=entries,
            among=among,
            excluding=excluding,
        )
        query = (
            select(P, E.c.type, E.c.accepted)
            .join(E, E.c.idx == P.c.entry)
            .where(*where)
            .order_by(P.c.entry, P.c.leg)
        )
        if records:
            query = query.add_columns(E.c.signed)
        return [
            PostingLine(
                r.entry,
                r.leg,
                r.unit,
                r.debit,
                r.credit,
                r.amount,
                r.type,
                r.accepted,
                bytes(r.signed) if records else None,
            )
            for r in self.connection.execute(query)
        ]

    def totals_by_type(
        self,
        *,
        touching: Iterable[int] | None = None,
        debit: int | None = None,
        credit: int | None = None,
        types: Iterable[str] | None = None,
        unit: str | None = None,
        accepted: tuple[int, int] | None = None,
        entries: tuple[int, int] | None = None,
        among: Select[Any] | None = None,
        excluding: Select[Any] | None = None,
    ) -> dict[str, int]:
        where = _posting_filters(
            touching=touching,
            debit=debit,
            credit=credit,
            types=types,
            unit=unit,
            accepted=accepted,
            entries=entries,
            among=among,
            excluding=excluding,
        )
        rows = self.connection.execute(
            select(E.c.type, func.sum(P.c.amount))
            .join(E, E.c.idx == P.c.entry)
            .where(*where)
            .group_by(E.c.type)
        )
        return {kind: int(total) for kind, total in rows}

    def entries(
        self, *, indexes: Iterable[int] | None = None, types: Iterable[str] | None = None
    ) -> list[EntryInfo]:
        query = select(
            E.c.idx, E.c.record_id, E.c.type, E.c.kid, E.c.ref_idx, E.c.accepted, E.c.signed
        )
        if indexes is not None:
            query = query.where(E.c.idx.in_(sorted(set(indexes))))
        if types is not None:
            query = query.where(E.c.type.in_(sorted(set(types))))
        return [
            EntryInfo(r.idx, r.record_id, r.type, r.kid, r.ref_idx, r.accepted, bytes(r.signed))
            for r in self.connection.execute(query.order_by(E.c.idx))
        ]

    def entry_span(self, start: int, end: int) -> tuple[int, int] | None:
        # Two walks of the index on acceptance time, from each end of the range, each stopping
        # at its first row: the cost does not grow with the history.
        first = self.connection.execute(
            select(E.c.idx)
            .where(E.c.accepted >= start, E.c.accepted < end)
            .order_by(E.c.accepted, E.c.idx)
            .limit(1)
        ).scalar()
        if first is None:
            return None
        last = self.connection.execute(
            select(E.c.idx)
            .where(E.c.accepted >= start, E.c.accepted < end)
            .order_by(E.c.accepted.desc(), E.c.idx.desc())
            .limit(1)
        ).scalar_one()
        return first, last

    def first_accepted(self) -> int | None:
        first = self.connection.execute(select(func.min(E.c.accepted))).scalar()
        return None if first is None else int(first)

    def payment_figures(self, start: int, end: int) -> PaymentFigures:
        payer, payee = A.alias("payer"), A.alias("payee")
        to_merchant = payee.c.kind == "merchant"
        between: ColumnElement[bool] = and_(payer.c.kind == "merchant", to_merchant)
        row = self.connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(P.c.amount), 0),
                func.coalesce(func.sum(case((between, P.c.amount), else_=0)), 0),
                func.coalesce(func.sum(case((to_merchant, P.c.amount), else_=0)), 0),
                func.count(distinct(case((payer.c.kind == "resident", P.c.debit)))),
                func.count(distinct(case((to_merchant, P.c.credit)))),
            )
            .select_from(P)
            .join(E, E.c.idx == P.c.entry)
            .join(payer, payer.c.number == P.c.debit)
            .join(payee, payee.c.number == P.c.credit)
            .where(
                E.c.type == "transfer",
                E.c.ref_idx.is_(None),
                E.c.accepted >= start,
                E.c.accepted < end,
            )
        ).one()
        return PaymentFigures(*(int(v) for v in row))

    def transfer_lines(self, account: int, first: int, last: int) -> list[TransferLine]:
        refunded = E.alias("refunded")

        def side(mine: Column[int], other: Column[int], incoming: bool) -> Select[Any]:
            # each side walks its (account, entry) index over the span of the entries
            return (
                select(
                    literal(incoming).label("incoming"),
                    P.c.entry,
                    other.label("counterpart"),
                    P.c.amount,
                    E.c.record_id,
                    E.c.kid,
                    E.c.accepted,
                    E.c.payreq,
                    refunded.c.record_id.label("ref"),
                    PAYMENT_REQUESTS.c.kid.label("till"),
                )
                .join(E, E.c.idx == P.c.entry)
                .outerjoin(refunded, refunded.c.idx == E.c.ref_idx)
                .outerjoin(PAYMENT_REQUESTS, PAYMENT_REQUESTS.c.payreq == E.c.payreq)
                .where(
                    mine == account,
                    P.c.entry.between(first, last),
                    E.c.idx.between(first, last),  # said twice, so the planner walks both ranges
                    E.c.type == "transfer",
                )
            )

        rows = self.connection.execute(
            union_all(side(P.c.credit, P.c.debit, True), side(P.c.debit, P.c.credit, False))
        ).all()
        # SQLite answers the literal as 0 or 1
        return [TransferLine(bool(row[0]), *row[1:]) for row in rows]

    def closed_days(self, account: int, dates: Iterable[str]) -> dict[str, int]:
        rows = self.connection.execute(
            select(DAYS.c.date, DAYS.c.entry).where(
                DAYS.c.account == account, DAYS.c.date.in_(list(dates))
            )
        )
        return {r.date: r.entry for r in rows}

    def checkpoint_root(self, size: int) -> bytes | None:
        root = self.connection.execute(
            select(CHECKPOINTS.c.root).where(CHECKPOINTS.c.size == size)
        ).scalar()
        return None if root is None else bytes(root)

    def payment_request(self, payreq: str) -> RegisteredRequest | None:
        R = PAYMENT_REQUESTS
        row = self.connection.execute(
            select(R.c.merchant, R.c.amount, R.c.expires).where(R.c.payreq == payreq)
        ).first()
        return None if row is None else RegisteredRequest(row.merchant, row.amount, row.expires)

    def payment_of(self, payreq: str) -> StoredEntry | None:
        row = self.connection.execute(
            select(E.c.idx, E.c.record_id, E.c.type, E.c.signed, E.c.sig, E.c.accepted).where(
                E.c.payreq == payreq
            )
        ).first()
        if row is None:
            return None
        return StoredEntry(
            row.idx, row.record_id, row.type, bytes(row.signed), bytes(row.sig), row.accepted
        )
