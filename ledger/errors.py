"""The one tree of errors raised by Sou's domain.

Every rejection the ledger can give is a class here, so that callers (the HTTP layer, the
command line, the offline verifier) map each to a stable, documented code. Domain errors
carry no HTTP status: `wallet_api/errors.py` owns that table.
"""

from __future__ import annotations


class SouError(Exception):
    """Base of every error Sou raises on purpose. Each class names its refusal: `code` is
    stable and documented (the problem type), `title` is its one-line English summary (the
    problem's title, and the message when none is given)."""

    code = "sou-error"
    title = "Sou refused the operation."

    def __init__(self, message: str = "", **detail: object) -> None:
        self.message = message or self.title
        super().__init__(self.message)
        self.detail = detail


# --- formats and values -------------------------------------------------------------------


class FormatError(SouError):
    title = "A value or record is not in the expected format."
    code = "malformed"


class MalformedRecord(FormatError):
    title = "The signed record or its envelope is not well formed."
    code = "malformed-record"


class NotCanonical(FormatError):
    title = "The signed bytes are not the canonical (RFC 8785) form of the record."
    code = "not-canonical"


class InvalidAmount(FormatError):
    title = "An amount is not a whole number of cents in the allowed range."
    code = "invalid-amount"


class CurrencyMismatch(FormatError):
    title = "Amounts in different units were mixed, or a record names another unit."
    code = "currency-mismatch"


# --- the ledger's rules -------------------------------------------------------------------


class LedgerError(SouError):
    title = "The ledger refused an operation."
    code = "ledger-error"


class AuthenticationError(LedgerError):
    title = "The challenge or the bearer token is missing, unknown, used, expired or wrong."
    code = "unauthenticated"


class InvalidSignature(LedgerError):
    title = "The signature does not verify for this key and these bytes."
    code = "invalid-signature"


class InvalidPublicKey(LedgerError):
    title = "The public key is not a usable Ed25519 key (malformed, non-canonical or small order)."
    code = "invalid-public-key"


class UnknownKey(LedgerError):
    title = "No device key with this id is enrolled."
    code = "unknown-key"


class RevokedKey(LedgerError):
    title = "The device key was revoked."
    code = "revoked-key"


class NotAuthorized(LedgerError):
    title = "This key may not sign this operation for this account."
    code = "not-authorized"


class RefundLimitExceeded(NotAuthorized):
    title = "This refund would take the cashier past its refunds of the day."
    code = "refund-limit"


class WrongLedger(LedgerError):
    title = "The record names another ledger (host) than this one."
    code = "wrong-ledger"


class ExpiredRecord(LedgerError):
    title = "The record is expired, not yet valid, or its validity window is too long."
    code = "expired"


class UnknownAccount(LedgerError):
    title = "No account has this number."
    code = "unknown-account"


class UnknownMemo(LedgerError):
    title = "No entry has a memo kept under this index (none was written, or it was erased)."
    code = "unknown-memo"


class AccountNotOpen(LedgerError):
    title = "The account is frozen or closed."
    code = "account-not-open"


class InsufficientFunds(LedgerError):
    title = "The balance does not cover the amount (no overdraft)."
    code = "insufficient-funds"


class InvalidTransfer(LedgerError):
    title = "The transfer is not allowed between these accounts (same account, other ledger, kind)."
    code = "invalid-transfer"


class DuplicateConflict(LedgerError):
    title = "The key's nonce was already used for a different record."
    code = "duplicate-conflict"


class PaymentRequestError(LedgerError):
    title = "The payment request is unknown, expired, already paid, or does not match the transfer."
    code = "payment-request"


class UnknownPaymentRequest(PaymentRequestError):
    title = "No payment request with this id is registered."
    code = "unknown-payment-request"


class DayAlreadyClosed(LedgerError):
    title = "This business day of this merchant is already closed."
    code = "day-closed"


class InvalidDay(LedgerError):
    title = "The day record's figures are inconsistent, or not the figures of that day."
    code = "invalid-day"


class InvalidReference(LedgerError):
    title = "The referenced payment does not exist or cannot be refunded this way."
    code = "invalid-reference"


class EnrolmentError(LedgerError):
    title = "The enrolment code is unknown, used or expired, or the key cannot be enrolled."
    code = "enrolment"


class ConsentRequired(LedgerError):
    title = "The member has not accepted the privacy notice: no account is opened without it."
    code = "consent-required"


class InvariantViolation(LedgerError):
    title = "A ledger invariant would not hold after this operation; nothing was written."
    code = "invariant-violation"


class ConcurrencyConflict(LedgerError):
    title = "The database could not serialise this transaction; it is safe to retry."
    code = "concurrency-conflict"


class DatabaseUnavailable(LedgerError):
    """Nothing is known to be written: the same signed record may be sent again (it is
    idempotent)."""

    title = "The database did not answer (a restart, a failover)."
    code = "database-unavailable"


class LedgerKeyRotated(LedgerError):
    """It signs nothing more; restart it with the new key file."""

    title = "The ledger key was rotated: this process holds a retired key."
    code = "ledger-key-rotated"


class AccountQuarantined(LedgerError):
    """Its seal fails: nothing touching it is done until the association has looked into it."""

    title = "This account's stored balance is not backed by the signed log."
    code = "account-quarantined"


class LogUnverifiable(LedgerError):
    """It writes nothing more until the database is repaired (`sou audit db` names the damage)."""

    title = "The stored log no longer matches what this process signed."
    code = "log-unverifiable"


class NumbersExhausted(LedgerError):
    title = "Every number of this kind is taken."
    code = "numbers-exhausted"


class BadSetting(SouError):
    title = "A `SOU_*` setting cannot be used as given."
    code = "bad-setting"


class BackupError(SouError):
    title = "A backup cannot be taken, or an archive cannot be restored: the message says why."
    code = "backup-error"


# --- key files ----------------------------------------------------------------------------


class KeyFileExposed(SouError):
    """Or it is not owned by the running user: it must be mode 0600 (or stricter) and belong to the
    service's user."""

    title = "A key file is readable or writable by others than its owner."
    code = "key-file-exposed"


# --- the log and its audit ----------------------------------------------------------------


class LogError(SouError):
    title = "The log, a proof or a checkpoint is not valid."
    code = "log-error"


class InvalidProof(LogError):
    title = "An inclusion or consistency proof does not verify."
    code = "invalid-proof"


class CheckpointError(LogError):
    title = "A checkpoint is malformed, wrongly signed, or inconsistent with the log."
    code = "invalid-checkpoint"


class AuditFailure(LogError):
    title = "The exported log failed verification at a given entry."
    code = "audit-failure"

    def __init__(self, message: str, *, entry: int | None, kind: str) -> None:
        super().__init__(message, entry=entry, kind=kind)
        self.entry = entry
        self.kind = kind


# --- the service's setup ------------------------------------------------------------------


class SetupError(SouError):
    title = "The settings, the key file and the database do not belong together."
    code = "setup"


class PilotError(SouError):
    title = "The pilot's demo data cannot be loaded into this ledger."
    code = "pilot"
