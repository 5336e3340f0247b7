"""Reconversion: fee rules, the merchant's request, the treasurer's batch and its SEPA file.

The merchant asks for a quote (fee and net under the association's rule for its kind), then
signs a `reconversion` record with exactly that fee: posted at once, it takes the units out
of circulation and moves their euros to `payouts` (owed to the merchant) and the fee to the
association. The treasurer approves the waiting reconversions in a batch by signing one
`payout` record each (posted together, all or nothing) and downloads the batch's pain.001
file; the batch is marked executed when the bank has paid it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from ledger.acts import record_act
from ledger.context import LedgerUnitOfWork
from ledger.errors import InvalidReference
from ledger.numbering import next_number
from ledger.posting import Posted, post_record, post_records
from ledger.records import SignedRecord
from merchants.business_day import PARIS, business_day
from merchants.errors import (
    FeeMismatch,
    MerchantError,
    NotAMerchant,
    ReconversionRefused,
    UnknownBatch,
    UnknownMerchant,
)
from merchants.profiles import merchant_profile
from merchants.reconversion import (
    FeeRule,
    FeeSchedule,
    MerchantKind,
    Quote,
    prepare_reconversion,
)
from merchants.sepa import Debtor, Payout, credit_transfer_file
from merchants.tables import FEE_RULES, PAYOUT_BATCHES, RECONVERSIONS

R, B = RECONVERSIONS, PAYOUT_BATCHES


def set_fee_rule(
    uow: LedgerUnitOfWork, *, rule: FeeRule, membership_required: bool, now: int
) -> None:
    """The association sets (or changes) the fee of one kind of merchant."""
    values = {
        "rate": rule.rate,
        "minimum": rule.minimum,
        "membership_required": membership_required,
        "updated": now,
    }
    conn = uow.connection
    if conn.execute(select(FEE_RULES.c.kind).where(FEE_RULES.c.kind == rule.kind.value)).first():
        conn.execute(update(FEE_RULES).where(FEE_RULES.c.kind == rule.kind.value).values(values))
    else:
        conn.execute(insert(FEE_RULES).values(kind=rule.kind.value, **values))
    record_act(
        uow,
        "fee_rule.set",
        rule.kind.value,
        {"rate": rule.rate, "minimum": rule.minimum, "membership_required": membership_required},
    )


def quote_reconversion(uow: LedgerUnitOfWork, *, account: int, gross: int, now: int) -> Quote:
    """The fee and net the merchant would get for `gross` cents now, or why it may not."""
    try:
        profile = merchant_profile(uow, account=account)
    except UnknownMerchant:
        raise NotAMerchant("only an approved merchant may reconvert units to euros") from None
    if profile.status != "approved":
        raise ReconversionRefused(f"merchant {account} is not approved")
    row = uow.connection.execute(select(FEE_RULES).where(FEE_RULES.c.kind == profile.kind)).first()
    rules = [] if row is None else [FeeRule(MerchantKind(profile.kind), row.rate, row.minimum)]
    schedule = FeeSchedule.of(rules, membership_required=bool(row and row.membership_required))
    return prepare_reconversion(
        schedule,
        account_kind="merchant",
        merchant_kind=profile.kind,
        membership_paid=profile.membership_paid(business_day(now, *profile.closing, PARIS)),
        gross=gross,
    )


def request_reconversion(uow: LedgerUnitOfWork, *, record: SignedRecord, now: int) -> Posted:
    """Posts the merchant's signed reconversion if the association's rules allow it."""
    if record.type != "reconversion":
        raise InvalidReference("this is not a reconversion record")
    account = int(record.record["from"])
    quoted = quote_reconversion(uow, account=account, gross=record.record["amount"], now=now)
    if record.record["fee"] != quoted.fee:
        raise FeeMismatch(f"the fee for {quoted.gross} cents is {quoted.fee} cents", fee=quoted.fee)
    posted = post_record(uow, record=record, now=now)
    if not posted.retry:
        profile = merchant_profile(uow, account=account)
        uow.connection.execute(
            insert(R).values(
                entry=posted.index,
                record_id=record.id,
                account=account,
                amount=quoted.gross,
                fee=quoted.fee,
                requested=now,
                creditor=f"{profile.legal_name}\n{profile.iban}\n{profile.bic or ''}",
            )
        )
    return posted


@dataclass(frozen=True, slots=True)
class Waiting:
    entry: int
    record_id: str
    account: int
    amount: int
    fee: int
    requested: int
    name: str
    iban: str
    bic: str | None

    @property
    def net(self) -> int:
        return self.amount - self.fee


def waiting_reconversions(uow: LedgerUnitOfWork) -> list[Waiting]:
    """Reconversions not yet in a batch, oldest first: what the treasurer approves."""
    rows = uow.connection.execute(select(R).where(R.c.batch.is_(None)).order_by(R.c.entry))
    out = []
    for row in rows:
        name, iban, bic = row.creditor.split("\n")
        out.append(
            Waiting(
                row.entry,
                row.record_id,
                row.account,
                row.amount,
                row.fee,
                row.requested,
                name,
                iban,
                bic or None,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    message_id: str
    status: str
    count: int
    total: int
    sepa_file: bytes


def approve_batch(
    uow: LedgerUnitOfWork,
    *,
    payouts: Sequence[SignedRecord],
    debtor: Debtor,
    now: int,
    execution_date: dt.date | None = None,
) -> Batch:
    """Posts the treasurer's `payout` records together and makes the batch's SEPA file.

    Each record pays the net of one waiting reconversion; any refusal refuses the batch.
    """
    if not payouts:
        raise InvalidReference("a batch pays at least one reconversion")
    waiting = {w.record_id: w for w in waiting_reconversions(uow)}
    chosen = []
    for record in payouts:
        if record.type != "payout":
            raise InvalidReference("a batch is made of payout records")
        found = waiting.get(record.record["reconversion"])
        if found is None:
            raise InvalidReference("a payout must pay a reconversion waiting for approval")
        chosen.append(found)
    if len({w.record_id for w in chosen}) != len(chosen):
        raise InvalidReference("a reconversion is paid once")
    outcomes = post_records(uow, records=list(payouts), now=now)
    for outcome in outcomes:
        if not isinstance(outcome, Posted):
            raise outcome  # the caller's unit of work rolls back the whole batch
    number = next_number(uow.connection, B.c.id)
    message_id = f"SOU-{uow.ledger.currency}-{number:06d}"
    sepa = credit_transfer_file(
        debtor,
        [
            Payout(w.record_id, w.name, w.iban, w.net, f"Reconversion {w.record_id[:12]}", w.bic)
            for w in chosen
        ],
        message_id=message_id,
        created=now,
        execution_date=execution_date or business_day(now) + dt.timedelta(days=1),
    )
    uow.connection.execute(
        insert(B).values(
            id=number,
            message_id=message_id,
            created=now,
            approved_by=payouts[0].kid,
            status="approved",
            executed=None,
            sepa_file=sepa,
            sepa_sha256=hashlib.sha256(sepa).hexdigest(),
        )
    )
    for w, outcome in zip(chosen, outcomes, strict=True):
        assert isinstance(outcome, Posted)
        uow.connection.execute(
            update(R).where(R.c.entry == w.entry).values(batch=number, payout_entry=outcome.index)
        )
    total = sum(w.net for w in chosen)
    record_act(uow, "payouts.approve", number, {"payouts": len(chosen), "net": total})
    return Batch(number, message_id, "approved", len(chosen), total, sepa)


def batch(uow: LedgerUnitOfWork, *, number: int) -> Batch:
    row = uow.connection.execute(select(B).where(B.c.id == number)).first()
    if row is None:
        raise UnknownBatch(f"no payout batch {number}")
    count, total = uow.connection.execute(
        select(func.count(), func.coalesce(func.sum(R.c.amount - R.c.fee), 0)).where(
            R.c.batch == number
        )
    ).one()
    return Batch(row.id, row.message_id, row.status, count, total, bytes(row.sepa_file))


def mark_executed(uow: LedgerUnitOfWork, *, number: int, now: int) -> Batch:
    """The bank paid the batch (its statement shows the transfers)."""
    found = batch(uow, number=number)
    if found.status == "executed":
        raise MerchantError(f"batch {number} is already marked executed")
    uow.connection.execute(
        update(B).where(B.c.id == number).values(status="executed", executed=now)
    )
    record_act(uow, "payouts.executed", number)
    return batch(uow, number=number)


@dataclass(frozen=True, slots=True)
class BatchSummary:
    id: int
    message_id: str
    status: str
    count: int
    total: int
    created: int
    executed: int | None


def batches(
    uow: LedgerUnitOfWork, *, before: int | None = None, limit: int = 20
) -> list[BatchSummary]:
    """Past payout batches, newest first: `limit` of them with ids below `before` (a page)."""
    sums = (
        select(
            R.c.batch.label("batch"),
            func.count().label("payouts"),
            func.sum(R.c.amount - R.c.fee).label("total"),
        )
        .where(R.c.batch.is_not(None))
        .group_by(R.c.batch)
        .subquery()
    )
    query = (
        select(
            B.c.id,
            B.c.message_id,
            B.c.status,
            B.c.created,
            B.c.executed,
            sums.c.payouts,
            sums.c.total,
        )
        .outerjoin(sums, sums.c.batch == B.c.id)
        .order_by(B.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(B.c.id < before)
    return [
        BatchSummary(
            int(r.id),
            r.message_id,
            r.status,
            int(r.payouts or 0),
            int(r.total or 0),
            int(r.created),
            None if r.executed is None else int(r.executed),
        )
        for r in uow.connection.execute(query)
    ]
