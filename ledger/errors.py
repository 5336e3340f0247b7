"""The one tree of errors raised by Sou's domain.

Every rejection the ledger can give is a class here, so that callers (the HTTP layer, the
command line, the offline verifier) map each to a stable, documented code. Domain errors
carry no HTTP status: `wallet_api/errors.py` owns that table.
"""

from __future__ import annotations


class SouError(Exception):
    """Base of every error Sou raises on purpose. `code` is stable and documented."""

    code = "sou-error"

    def __init__(self, message: str = "", **detail: object) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.detail = detail


# --- formats and values -------------------------------------------------------------------


class FormatError(SouError):
    """A value or record is not in the expected format."""

    code = "malformed"


class MalformedRecord(FormatError):
    """The signed record or its envelope is not well formed."""

    code = "malformed-record"


class NotCanonical(FormatError):
    """The signed bytes are not the canonical (RFC 8785) form of the record."""

    code = "not-canonical"


class InvalidAmount(FormatError):
    """An amount is not a whole number of cents in the allowed range."""

    code = "invalid-amount"


class CurrencyMismatch(FormatError):
    """Amounts in different units were mixed, or a record names another unit."""

    code = "currency-mismatch"


# --- the ledger's rules -------------------------------------------------------------------


class LedgerError(SouError):
    """The ledger refused an operation."""

    code = "ledger-error"


class AuthenticationError(LedgerError):
    """The challenge or the bearer token is missing, unknown, used, expired or wrong."""

    code = "unauthenticated"


class InvalidSignature(LedgerError):
    """The signature does not verify for this key and these bytes."""

    code = "invalid-signature"


class InvalidPublicKey(LedgerError):
    """The public key is not a usable Ed25519 key (malformed, non-canonical or small order)."""

    code = "invalid-public-key"


class UnknownKey(LedgerError):
    """No device key with this id is enrolled."""

    code = "unknown-key"


class RevokedKey(LedgerError):
    """The device key was revoked."""

    code = "revoked-key"


class NotAuthorized(LedgerError):
    """This key may not sign this operation for this account."""

    code = "not-authorized"


class RefundLimitExceeded(NotAuthorized):
    """This refund would take the cashier past its refunds of the day."""

    code = "refund-limit"


class WrongLedger(LedgerError):
    """The record names another ledger (host) than this one."""

    code = "wrong-ledger"


class ExpiredRecord(LedgerError):
    """The record is expired, not yet valid, or its validity window is too long."""

    code = "expired"


class UnknownAccount(LedgerError):
    """No account has this number."""

    code = "unknown-account"


class UnknownMemo(LedgerError):
    """No entry has a memo kept under this index (none was written, or it was erased)."""

    code = "unknown-memo"


class AccountNotOpen(LedgerError):
    """The account is frozen or closed."""

    code = "account-not-open"


class InsufficientFunds(LedgerError):
    """The balance does not cover the amount (no overdraft)."""

    code = "insufficient-funds"


class InvalidTransfer(LedgerError):
    """The transfer is not allowed between these accounts (same account, other ledger, kind)."""

    code = "invalid-transfer"


class DuplicateConflict(LedgerError):
    """The key's nonce was already used for a different record."""

    code = "duplicate-conflict"


class PaymentRequestError(LedgerError):
    """The payment request is unknown, expired, already paid, or does not match the transfer."""

    code = "payment-request"


class UnknownPaymentRequest(PaymentRequestError):
    """No payment request with this id is registered."""

    code = "unknown-payment-request"


class DayAlreadyClosed(LedgerError):
    """This business day of this merchant is already closed."""

    code = "day-closed"


class InvalidDay(LedgerError):
    """The day record's figures are inconsistent, or not the figures of that day."""

    code = "invalid-day"


class InvalidReference(LedgerError):
    """The referenced payment does not exist or cannot be refunded this way."""

    code = "invalid-reference"


class EnrolmentError(LedgerError):
    """The enrolment code is unknown, used or expired, or the key cannot be enrolled."""

    code = "enrolment"


class InvariantViolation(LedgerError):
    """A ledger invariant would not hold after this operation; nothing was written."""

    code = "invariant-violation"


class ConcurrencyConflict(LedgerError):
    """The database could not serialise this transaction; it is safe to retry."""

    code = "concurrency-conflict"


class DatabaseUnavailable(LedgerError):
    """The database did not answer (a restart, a failover): nothing is known to be written, and
    the same signed record may be sent again (it is idempotent)."""

    code = "database-unavailable"


class LedgerKeyRotated(LedgerError):
    """The ledger key was rotated: this process holds a retired key and signs nothing more.
    Restart it with the new key file."""

    code = "ledger-key-rotated"


class AccountQuarantined(LedgerError):
    """This account's stored balance is not backed by the signed log (its seal fails):
    nothing touching it is done until the association has looked into it."""

    code = "account-quarantined"


class LogUnverifiable(LedgerError):
    """The stored log no longer matches what this process signed: it writes nothing more
    until the database is repaired (`sou audit db` names the damage)."""

    code = "log-unverifiable"


class BadSetting(SouError):
    """A `SOU_*` setting cannot be used as given."""

    code = "bad-setting"


class BackupError(SouError):
    """A backup cannot be taken, or an archive cannot be restored: the message says why."""

    code = "backup-error"


# --- key files ----------------------------------------------------------------------------


class KeyFileExposed(SouError):
    """A key file is readable or writable by others than its owner, or not owned by the
    running user: it must be mode 0600 (or stricter) and belong to the service's user."""

    code = "key-file-exposed"


# --- the log and its audit ----------------------------------------------------------------


class LogError(SouError):
    """The log, a proof or a checkpoint is not valid."""

    code = "log-error"


class InvalidProof(LogError):
    """An inclusion or consistency proof does not verify."""

    code = "invalid-proof"


class CheckpointError(LogError):
    """A checkpoint is malformed, wrongly signed, or inconsistent with the log."""

    code = "invalid-checkpoint"


class AuditFailure(LogError):
    """The exported log failed verification at a given entry."""

    code = "audit-failure"

    def __init__(self, message: str, *, entry: int | None, kind: str) -> None:
        super().__init__(message, entry=entry, kind=kind)
        self.entry = entry
        self.kind = kind
