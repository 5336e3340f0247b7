"""The closed sets of words that records and the state use: record types, key roles, account
kinds and statuses.

They are `StrEnum`s, so each member equals (and hashes as) its string: records, their
canonical JSON and signed bytes, and the stored rows hold exactly the strings they did, and a
string read back from storage compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class RecordType(StrEnum):
    GENESIS = "genesis"
    LEDGER_KEY = "ledger_key"
    ACCOUNT = "account"
    KEY = "key"
    TRANSFER = "transfer"
    CONVERSION = "conversion"
    PAPER_ISSUE = "paper_issue"
    PAPER_EXCHANGE = "paper_exchange"
    DEPOSIT = "deposit"
    RECONVERSION = "reconversion"
    PAYOUT = "payout"
    DAY = "day"


class Role(StrEnum):
    """What an enrolled key may sign (its account's holder, or an operator of the reserve)."""

    RESIDENT = "resident"
    MERCHANT = "merchant"
    CASHIER = "cashier"
    AGENT = "agent"
    TREASURER = "treasurer"
    AUDITOR = "auditor"


class AccountKind(StrEnum):
    """Holders' kinds first, then the system accounts' (the order of the schema's message)."""

    RESIDENT = "resident"
    MERCHANT = "merchant"
    ASSOCIATION = "association"
    ISSUANCE = "issuance"
    PAPER = "paper"
    WORLD = "world"
    RESERVE = "reserve"
    OFFICE_CASH = "office_cash"
    PAYOUTS = "payouts"
    FEES = "fees"


class SystemName(StrEnum):
    """The names of the system accounts the rules post to."""

    ISSUANCE = "issuance"
    PAPER = "paper"
    WORLD = "world"
    RESERVE_DIGITAL = "reserve:digital"
    RESERVE_PAPER = "reserve:paper"
    PAYOUTS = "payouts"
    ASSOCIATION = "association"


class AccountStatus(StrEnum):
    OPEN = "open"
    FROZEN = "frozen"
    CLOSED = "closed"


class KeyStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class KeyAction(StrEnum):
    ENROL = "enrol"
    REVOKE = "revoke"


class ConversionMethod(StrEnum):
    CASH = "cash"
    BANK = "bank"
    IMPORT = "import"  # an opening balance brought from another platform (its reserve fund)


class Reserve(StrEnum):
    """Which of the reserve's euros an office's deposit goes to."""

    DIGITAL = "digital"
    PAPER = "paper"
