"""The database tables, as typed SQLAlchemy models.

The log (`entries`, `postings`, `tree_nodes`, `checkpoints`) is append-only: triggers made
by the migrations refuse any UPDATE or DELETE. `accounts` and `keys` are the state the log
replays into, kept for speed; `log_head` is the one row every writer locks to append.
Personal data (names) lives in `holders`, outside the log, so it can be erased.
The Alembic migrations, not `create_all`, make the schema; a test checks they agree.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class LogHead(Base):
    __tablename__ = "log_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # The tree's right frontier at `size` (8-byte size, then its hashes), so that a writer
    # appends without reading tree nodes; ignored unless its size is the head's.
    frontier: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The kid of the ledger key in force since the latest `ledger_key` rotation (null before
    # any: the genesis's). A writer reads it with the head, so that a process still holding a
    # retired key signs nothing more.
    ledger_kid: Mapped[str | None] = mapped_column(String(8))


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("kid", "nonce"),
        UniqueConstraint("payreq"),
        CheckConstraint("idx >= 0", name="index_positive"),
        CheckConstraint("length(sig) = 64", name="sig_length"),
        CheckConstraint("length(leaf_hash) = 32", name="leaf_hash_length"),
        CheckConstraint("ref_idx IS NULL OR ref_idx < idx", name="ref_before"),
        Index(None, "ref_idx"),
        Index(None, "accepted"),
    )
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    record_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    kid: Mapped[str] = mapped_column(String(8))
    nonce: Mapped[str | None] = mapped_column(String(64))
    payreq: Mapped[str | None] = mapped_column(String(64))
    ref_idx: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT")
    )
    signed: Mapped[bytes] = mapped_column(LargeBinary)
    sig: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    accepted: Mapped[int] = mapped_column(BigInteger)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("debits >= 0 AND credits >= 0", name="totals_positive"),
        CheckConstraint("NOT no_overdraft OR credits >= debits", name="no_overdraft"),
        CheckConstraint("status IN ('open', 'frozen', 'closed')", name="status"),
        CheckConstraint("number > 0", name="number_positive"),
    )
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unit: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    no_overdraft: Mapped[bool] = mapped_column(Boolean)
    debits: Mapped[int] = mapped_column(BigInteger)
    credits: Mapped[int] = mapped_column(BigInteger)
    opened_idx: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT")
    )
    # the row's seal, with the latest entry it is sealed as of (ledger.integrity); null until
    # the service, which holds the ledger key, seals it (migration 0010)
    seal: Mapped[bytes | None] = mapped_column(LargeBinary)


class Posting(Base):
    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit <> credit", name="two_accounts"),
        Index(None, "debit", "entry"),
        Index(None, "credit", "entry"),
    )
    # No foreign keys (migration 0007): postings are derived from the signed log, written only
    # by `LedgerStore.append` with their entry, between accounts locked in that transaction.
    entry: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leg: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    unit: Mapped[str] = mapped_column(String(10))
    debit: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)


class DeviceKey(Base):
    __tablename__ = "keys"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'revoked')", name="status"),
        CheckConstraint("length(public_key) = 32", name="public_key_length"),
    )
    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10))
    refund_limit: Mapped[int | None] = mapped_column(BigInteger)
    issued_by: Mapped[str | None] = mapped_column(String(8))
    label: Mapped[str | None] = mapped_column(String(80))
    enrolled_idx: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT")
    )


class EnrolmentCode(Base):
    __tablename__ = "enrolment_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT")
    )
    role: Mapped[str] = mapped_column(String(12))
    refund_limit: Mapped[int | None] = mapped_column(BigInteger)
    issued_by: Mapped[str | None] = mapped_column(String(8))
    expires: Mapped[int] = mapped_column(BigInteger)
    used_by: Mapped[str | None] = mapped_column(String(8))


class TreeNode(Base):
    __tablename__ = "tree_nodes"
    __table_args__ = (
        CheckConstraint("level >= 1", name="level_above_leaves"),
        CheckConstraint("length(hash) = 32", name="hash_length"),
    )
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class Checkpoint(Base):
    __tablename__ = "checkpoints"
    __table_args__ = (CheckConstraint("length(root) = 32", name="root_length"),)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    created: Mapped[int] = mapped_column(BigInteger)


class Cosignature(Base):
    """A witness's cosignature line on a stored checkpoint (ledger.witness)."""

    __tablename__ = "cosignatures"
    size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("checkpoints.size", ondelete="RESTRICT"), primary_key=True
    )
    witness: Mapped[str] = mapped_column(String(120), primary_key=True)  # its name+key ID
    line: Mapped[str] = mapped_column(Text)
    received: Mapped[int] = mapped_column(BigInteger)


class PaymentRequest(Base):
    __tablename__ = "payment_requests"
    payreq: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(BigInteger, CheckConstraint("amount > 0", name="amount"))
    expires: Mapped[int] = mapped_column(BigInteger)
    pr: Mapped[bytes] = mapped_column(LargeBinary)
    registered: Mapped[int] = mapped_column(BigInteger)
    kid: Mapped[str | None] = mapped_column(String(8), index=True)  # the till that signed it


class ClosedDay(Base):
    """A merchant's closed business day: the `day` record that closed it (one per date)."""

    __tablename__ = "days"
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), primary_key=True
    )
    date: Mapped[str] = mapped_column(String(10), primary_key=True)
    entry: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT"), unique=True
    )
    record_id: Mapped[str] = mapped_column(String(64))


class AdminAct(Base):
    """Who did what: an administrative act and the key (or shell) that did it, append-only
    (ledger.acts)."""

    __tablename__ = "admin_acts"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(80))
    act: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text)  # JSON


class AuthChallenge(Base):
    """A one-time challenge a device signs to get a short-lived reading token."""

    __tablename__ = "auth_challenges"
    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    kid: Mapped[str] = mapped_column(String(8), index=True)
    expires: Mapped[int] = mapped_column(BigInteger)
    used: Mapped[bool] = mapped_column(Boolean)


class Holder(Base):
    """Personal data about an account's holder, kept outside the log so it can be erased."""

    __tablename__ = "holders"
    account: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.number", ondelete="RESTRICT"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(140))
    detail: Mapped[str | None] = mapped_column(Text)


class Memo(Base):
    """The text a record's `memo` commits to, and its salt (ledger.memos): beside the log,
    so that it can be erased."""

    __tablename__ = "memos"
    entry: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("entries.idx", ondelete="RESTRICT"), primary_key=True
    )
    text: Mapped[str] = mapped_column(String(140))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


LOG_HEAD = _table(LogHead)
ENTRIES = _table(Entry)
ACCOUNTS = _table(Account)
POSTINGS = _table(Posting)
KEYS = _table(DeviceKey)
ENROLMENT_CODES = _table(EnrolmentCode)
TREE_NODES = _table(TreeNode)
CHECKPOINTS = _table(Checkpoint)
PAYMENT_REQUESTS = _table(PaymentRequest)
HOLDERS = _table(Holder)
AUTH_CHALLENGES = _table(AuthChallenge)
DAYS = _table(ClosedDay)
ADMIN_ACTS = _table(AdminAct)
COSIGNATURES = _table(Cosignature)
MEMOS = _table(Memo)
IMMUTABLE_TABLES = ("entries", "postings", "tree_nodes", "checkpoints", "days", "admin_acts")
