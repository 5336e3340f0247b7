"""The merchants' tables: profiles, fee rules and reconversions with their payout batches.

None of this is in the log. Profiles hold personal data (names, addresses, IBANs) that must
stay erasable; fee rules are the association's settings; reconversions and batches track
the treasurer's work on records that are in the log (`reconversion` and `payout`), which
remain the reference for every cent. The same Alembic migrations make these tables.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.ports import TableBase

KINDS = ("business", "cae", "local_authority", "association")


class MerchantProfile(TableBase):
    """An approved (or pending) merchant: who it is, where its euros go, when its day closes."""

    __tablename__ = "merchants"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("status IN ('pending', 'approved')", name="status"),
        CheckConstraint("closing_minutes BETWEEN 0 AND 1439", name="closing_minutes"),
        CheckConstraint("parent IS NULL OR parent <> account", name="parent_other"),
    )
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    # an entrepreneur of a CAE: its own account, tills and takings, under the CAE's profile
    parent: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("merchants.account", ondelete="RESTRICT"), index=True
    )
    analytic_code: Mapped[str | None] = mapped_column(String(20))
    legal_name: Mapped[str] = mapped_column(String(140))
    address: Mapped[str] = mapped_column(Text)
    activity: Mapped[str] = mapped_column(String(140))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(10))
    closing_minutes: Mapped[int] = mapped_column(SmallInteger)  # local time the day ends
    membership_paid_until: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD
    applied: Mapped[int] = mapped_column(BigInteger)
    approved: Mapped[int | None] = mapped_column(BigInteger)
    # a refused application stays `pending` here (the status check predates refusals): it
    # is refused when `refused` is set, with the reason the treasurer gave
    refused: Mapped[int | None] = mapped_column(BigInteger)
    refusal_reason: Mapped[str | None] = mapped_column(String(280))
    # where the directory's map shows it, as the treasurer confirmed it: microdegrees (WGS 84)
    latitude_e6: Mapped[int | None] = mapped_column(Integer)
    longitude_e6: Mapped[int | None] = mapped_column(Integer)


class FeeRuleRow(TableBase):
    """The association's reconversion fee for one kind of merchant."""

    __tablename__ = "fee_rules"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("rate BETWEEN 0 AND 500", name="rate"),
        CheckConstraint("minimum >= 1", name="minimum"),
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    rate: Mapped[int] = mapped_column(SmallInteger)  # basis points
    minimum: Mapped[int] = mapped_column(BigInteger)  # cents
    membership_required: Mapped[bool] = mapped_column(Boolean)
    updated: Mapped[int] = mapped_column(BigInteger)


class PayoutBatch(TableBase):
    """Reconversions the treasurer approved together, paid by one SEPA credit-transfer file."""

    __tablename__ = "payout_batches"
    __table_args__ = (CheckConstraint("status IN ('approved', 'executed')", name="status"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    created: Mapped[int] = mapped_column(BigInteger)
    approved_by: Mapped[str] = mapped_column(String(8))  # the treasurer's kid
    status: Mapped[str] = mapped_column(String(10))
    executed: Mapped[int | None] = mapped_column(BigInteger)
    sepa_file: Mapped[bytes] = mapped_column(LargeBinary)
    sepa_sha256: Mapped[str] = mapped_column(String(64))


class Reconversion(TableBase):
    """A merchant's reconversion in the log, and where the treasurer's payout of it stands."""

    __tablename__ = "reconversions"
    __table_args__ = (
        CheckConstraint("amount > 0 AND fee >= 0 AND fee <= amount", name="amounts"),
        CheckConstraint("(batch IS NULL) = (payout_entry IS NULL)", name="paid_in_a_batch"),
    )
    entry: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(String(64), unique=True)
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.account", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    requested: Mapped[int] = mapped_column(BigInteger)
    batch: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("payout_batches.id", ondelete="RESTRICT"), index=True
    )
    payout_entry: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT"), unique=True
    )
    creditor: Mapped[str] = mapped_column(Text)  # name and IBAN at the time of the request


def _table(model: type[TableBase]) -> Table:
    return cast(Table, model.__table__)


MERCHANTS = _table(MerchantProfile)
FEE_RULES = _table(FeeRuleRow)
PAYOUT_BATCHES = _table(PayoutBatch)
RECONVERSIONS = _table(Reconversion)
