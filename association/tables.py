"""The association's tables: the reserve's bank accounts and statements, reserve statements,
the auditor's time-boxed access, and the paper notes delivered to the exchange offices.

None of this is in the log. Statement files are kept whole with their SHA-256 (a second
import of the same file is refused); each statement line is matched to the log entry or the
payout batch it accounts for, or resolved by hand with a note. The same Alembic migrations
make these tables.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.ports import TableBase


class BankAccount(TableBase):
    """A bank account of the reserve, and the ledger account whose euros it holds."""

    __tablename__ = "bank_accounts"
    iban: Mapped[str] = mapped_column(String(34), primary_key=True)
    label: Mapped[str] = mapped_column(String(140))
    ledger_account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), unique=True
    )


class BankStatement(TableBase):
    """An imported statement of a reserve bank account (the file itself, and its balances)."""

    __tablename__ = "bank_statements"
    __table_args__ = (CheckConstraint("opening_date <= closing_date", name="dates"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    iban: Mapped[str] = mapped_column(
        String(34), ForeignKey("bank_accounts.iban", ondelete="RESTRICT"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(20))
    opening_date: Mapped[str] = mapped_column(String(10))
    opening_balance: Mapped[int] = mapped_column(BigInteger)
    closing_date: Mapped[str] = mapped_column(String(10))
    closing_balance: Mapped[int] = mapped_column(BigInteger)
    imported: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class StatementLine(TableBase):
    """One line of a statement, and what accounts for it."""

    __tablename__ = "statement_lines"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount"),
        CheckConstraint("status IN ('open', 'matched', 'resolved')", name="status"),
        CheckConstraint(
            "status <> 'matched' OR entry IS NOT NULL OR batch IS NOT NULL", name="matched_to"
        ),
        CheckConstraint("status <> 'resolved' OR note IS NOT NULL", name="resolved_note"),
    )
    statement: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("bank_statements.id", ondelete="RESTRICT"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    date: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)  # cents, negative for money out
    label: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(140), index=True)
    status: Mapped[str] = mapped_column(String(10))
    entry: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT"), unique=True
    )
    batch: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("payout_batches.id", ondelete="RESTRICT"), unique=True
    )
    note: Mapped[str | None] = mapped_column(Text)


class ReserveStatementRow(TableBase):
    """A published reserve statement: the signed note, and what its holders' proofs need."""

    __tablename__ = "reserve_statements"
    __table_args__ = (CheckConstraint("status IN ('OK', 'SHORTFALL', 'UNCHECKED')", name="status"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    date: Mapped[str] = mapped_column(String(10), unique=True)
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)
    liabilities: Mapped[int] = mapped_column(BigInteger)
    reserve: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text)  # the signed note, with its cosignatures
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    balances: Mapped[bytes] = mapped_column(LargeBinary)  # JSON {account: cents} at the checkpoint
    created: Mapped[int] = mapped_column(BigInteger)


class AuditorGrant(TableBase):
    """A time-boxed, read-only access granted to an auditor's key."""

    __tablename__ = "auditor_grants"
    __table_args__ = (CheckConstraint("expires > granted", name="window"),)
    kid: Mapped[str] = mapped_column(
        String(8), ForeignKey("keys.kid", ondelete="RESTRICT"), primary_key=True
    )
    granted: Mapped[int] = mapped_column(BigInteger)
    expires: Mapped[int] = mapped_column(BigInteger)


class AuditorVisit(TableBase):
    """Every request an auditor's key made: the access log the association keeps."""

    __tablename__ = "auditor_visits"
    # INTEGER on SQLite, where only that type makes the key an auto-numbered rowid
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kid: Mapped[str] = mapped_column(String(8), index=True)
    at: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)


class NoteDelivery(TableBase):
    """Paper notes (their face value in cents) the association handed to an exchange office;
    negative, notes it took back from it. Inventory, not money (FORMATS.md §3): the office's stock
    is what it received, less what it issued, plus what it took back for digital units."""

    __tablename__ = "note_deliveries"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount"),)
    # INTEGER on SQLite, where only that type makes the key an auto-numbered rowid
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    office: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(8))  # the treasurer's device that recorded it
    recorded: Mapped[int] = mapped_column(BigInteger)


class MembershipFee(TableBase):
    """The membership fee of one year and category, in euro cents, set by the treasurer."""

    __tablename__ = "membership_fees"
    __table_args__ = (
        CheckConstraint("category IN ('resident', 'merchant', 'reduced')", name="category"),
        CheckConstraint("amount > 0", name="amount"),
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(10), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class MembershipPayment(TableBase):
    """A member's fee for a year, numbered as its receipt: paid in euros at an office (the
    association's own funds, not the reserve: nothing in the log), or in the currency by a
    signed transfer to the association's account, whose entry it names (once)."""

    __tablename__ = "membership_payments"
    __table_args__ = (
        CheckConstraint("category IN ('resident', 'merchant', 'reduced')", name="category"),
        CheckConstraint("method IN ('euros', 'currency')", name="method"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("(method = 'currency') = (entry IS NOT NULL)", name="entry_method"),
        UniqueConstraint("account", "year"),
    )
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10))
    entry: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT"), unique=True
    )
    office: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT")
    )
    at: Mapped[int] = mapped_column(BigInteger)
    by: Mapped[str] = mapped_column(String(80))  # the actor: `key <kid> (<role>)`, `shell:…`


class AssociationSetting(TableBase):
    """One of the association's rules, by name (`refuse_conversions_to_lapsed`: on or off)."""

    __tablename__ = "association_settings"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PlatformImport(TableBase):
    """An import from another platform (association.platform_import): its files' SHA-256 (a
    second import of the same files is refused), the accounts it opened and what it brought."""

    __tablename__ = "platform_imports"
    __table_args__ = (CheckConstraint("source IN ('cyclos', 'generic')", name="source"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(10))
    at: Mapped[int] = mapped_column(BigInteger)
    by: Mapped[str] = mapped_column(String(80))
    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)  # cents brought, Σ opening balances
    transfers: Mapped[int] = mapped_column(Integer)  # archived transfers
    reconciliation: Mapped[str] = mapped_column(Text)  # the printed reconciliation, JSON


class ArchivedTransfer(TableBase):
    """A transfer of the old platform's history, read-only, as one new account saw it: one row
    per account concerned (a transfer between two members is two rows). Personal data: read
    by the member and the treasurer only, erased with the member's data."""

    __tablename__ = "archived_transfers"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    import_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("platform_imports.id", ondelete="RESTRICT"), index=True
    )
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), index=True
    )
    date: Mapped[str] = mapped_column(String(25))  # as the old platform dated it, ISO 8601
    amount: Mapped[int] = mapped_column(BigInteger)  # cents, + received, − paid
    counterparty: Mapped[str] = mapped_column(String(140))  # the other side's name, or —
    other: Mapped[int | None] = mapped_column(  # the other side's new account, if a member
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT")
    )
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(80))  # the old platform's number


def _table(model: type[TableBase]) -> Table:
    return cast(Table, model.__table__)


BANK_ACCOUNTS = _table(BankAccount)
BANK_STATEMENTS = _table(BankStatement)
STATEMENT_LINES = _table(StatementLine)
RESERVE_STATEMENTS = _table(ReserveStatementRow)
AUDITOR_GRANTS = _table(AuditorGrant)
AUDITOR_VISITS = _table(AuditorVisit)
NOTE_DELIVERIES = _table(NoteDelivery)
MEMBERSHIP_FEES = _table(MembershipFee)
MEMBERSHIP_PAYMENTS = _table(MembershipPayment)
ASSOCIATION_SETTINGS = _table(AssociationSetting)
PLATFORM_IMPORTS = _table(PlatformImport)
ARCHIVED_TRANSFERS = _table(ArchivedTransfer)
