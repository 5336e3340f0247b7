"""The errors of the association's domain: references, bank statements, proofs and exports.

Each is a `SouError` with a stable `code`, so the command line and the HTTP layer map them
like the ledger's own errors; they carry no HTTP status. Statement errors say where the file
is wrong (`line`, counting from 1) so a treasurer can fix or report it.
"""

from __future__ import annotations

from ledger.errors import FormatError, NotAuthorized, SouError
from merchants.errors import InvalidIban

__all__ = ["InvalidIban"]  # one IBAN error for the whole service, from merchants.iban


class AssociationError(SouError):
    title = "The association's books refused an operation or a document."
    code = "association-error"


# --- references and payment codes ---------------------------------------------------------


class InvalidCreditorReference(AssociationError):
    title = "The text is not a valid ISO 11649 creditor reference (RF and check digits)."
    code = "invalid-creditor-reference"


class InvalidPaymentCode(AssociationError):
    title = "The EPC QR payload cannot be built from these fields (length, IBAN, amount, charset)."
    code = "invalid-payment-code"


# --- exchange offices and top-ups ----------------------------------------------------------


class NotAnOfficeOperation(AssociationError):
    title = "An exchange office records cash conversions, paper notes and deposits, nothing else."
    code = "not-an-office-operation"


class BankConversionNotAtOffice(AssociationError):
    title = "A bank-transfer conversion is posted by the treasurer against its bank statement line."
    code = "bank-conversion-not-at-office"


class BankAccountNotConfigured(AssociationError):
    title = "The association's reserve bank account is not configured (SOU_RESERVE_IBAN)."
    code = "bank-account-not-configured"


# --- memberships ----------------------------------------------------------------------------


class MembershipError(AssociationError):
    title = "The membership fee cannot be recorded so."
    code = "membership-error"


class MembershipFeeNotSet(MembershipError):
    title = "No membership fee is set for this year and category."
    code = "membership-fee-not-set"


class MembershipAlreadyPaid(MembershipError):
    title = "This member's fee for this year is already recorded."
    code = "membership-already-paid"


class MembershipCategoryMismatch(MembershipError):
    title = "This category is not this kind of account's (merchant: a shop; resident, reduced)."
    code = "membership-category-mismatch"


class MembershipTransferInvalid(MembershipError):
    title = "The entry is not a transfer of exactly the fee from the member to the association."
    code = "membership-transfer-invalid"


class MembershipTransferMissing(MembershipError):
    title = "The member has made no payment of the fee to the association that is not used yet."
    code = "membership-transfer-missing"


class MembershipTransferUsed(MembershipError):
    title = "This transfer already paid another membership fee."
    code = "membership-transfer-used"


class UnknownMembershipReceipt(MembershipError):
    title = "No membership receipt has this number."
    code = "unknown-membership-receipt"


class MembershipLapsed(MembershipError):
    title = "The association refuses conversions to a member whose fee for this year is unpaid."
    code = "membership-lapsed"


# --- bank statements ----------------------------------------------------------------------


class StatementError(AssociationError):
    title = "A bank statement cannot be accepted."
    code = "statement-error"


class MalformedStatement(StatementError):
    title = "The bank statement file is not well formed; `line` says where (from 1) when known."
    code = "malformed-statement"

    def __init__(self, message: str, *, line: int | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}", line=line)
        self.line = line


class UnbalancedStatement(MalformedStatement):
    title = "The opening balance plus the lines does not give the closing balance."
    code = "unbalanced-statement"


class WrongAccount(StatementError):
    title = "The statement is for another bank account (or currency) than the one expected."
    code = "wrong-account"


class BrokenChain(StatementError):
    title = "The statement does not follow the previous one: dates or balances do not chain."
    code = "broken-chain"


class BalanceMismatch(StatementError):
    title = (
        "The bank's closing balance is not the ledger's reserve plus the payouts and fees it holds."
    )
    code = "balance-mismatch"


class DuplicateStatement(StatementError):
    title = "This very file (same SHA-256) was already imported."
    code = "duplicate-statement"


class InvalidExpectation(StatementError):
    title = "An expected movement is not well formed (amount, reference)."
    code = "invalid-expectation"


class UnknownBankAccount(StatementError):
    title = "No reserve bank account is registered with this IBAN (or for this reserve)."
    code = "unknown-bank-account"


class BankAccountExists(StatementError):
    title = "This IBAN, or this reserve, has a registered bank account already."
    code = "bank-account-exists"


class UnknownStatementLine(StatementError):
    title = "No imported statement has this number, or it has no such line."
    code = "unknown-statement-line"


class LineNotOpen(StatementError):
    title = "The statement line is already matched or resolved."
    code = "line-not-open"


class TopUpRefused(StatementError):
    title = "The bank conversion does not account for this statement line (account, amount, line)."
    code = "top-up-refused"


class LineMatchRefused(StatementError):
    title = "The statement line cannot be matched with this deposit, conversion or payout batch."
    code = "line-match-refused"


# --- proofs of liabilities and the reserve statement --------------------------------------


class LiabilityError(AssociationError):
    title = "The Merkle sum tree cannot be built, or a holder's proof does not verify."
    code = "liability-error"


class NegativeBalance(LiabilityError):
    title = "A holder balance is negative: a sum tree of liabilities has no negative leaves."
    code = "negative-balance"


class InvalidLiabilityProof(LiabilityError):
    title = "The holder's proof does not lead to the published root and total."
    code = "invalid-liability-proof"


class ReserveStatementError(AssociationError):
    title = "The reserve statement is malformed, wrongly signed or lacks a required signature."
    code = "invalid-reserve-statement"


class UnknownReserveStatement(AssociationError):
    title = "No reserve statement was published with this id."
    code = "unknown-reserve-statement"


class StatementAlreadyPublished(AssociationError):
    title = "A reserve statement was already published for this date (one per date)."
    code = "reserve-statement-exists"


# --- exports ------------------------------------------------------------------------------


class ExportError(AssociationError):
    title = "An accounting export cannot be written from these entries."
    code = "export-error"


class UnbalancedEntry(ExportError):
    title = "A journal entry's debits do not equal its credits."
    code = "unbalanced-entry"


# --- the auditor's access -----------------------------------------------------------------


class AuditorError(AssociationError):
    title = "The auditor's access cannot be granted or used as asked."
    code = "auditor-error"


class NotAnAuditorKey(AuditorError):
    title = "Access is granted only to an active key enrolled with the role `auditor`."
    code = "not-an-auditor-key"


class InvalidGrant(AuditorError):
    title = "An auditor's window lasts from 1 to 366 days."
    code = "invalid-grant"


class AuditAccessNotGranted(AuditorError, NotAuthorized):
    title = "This auditor key was granted no access window."
    code = "audit-access-not-granted"


class AuditAccessExpired(AuditorError, NotAuthorized):
    title = "This auditor key's access window is over (or has not begun)."
    code = "audit-access-expired"


# --- the members' register ------------------------------------------------------------------


class MemberError(AssociationError):
    title = "The members' register refused the change."
    code = "member-error"


class InvalidMemberDetails(MemberError, FormatError):
    title = "A member's name is 1 to 140 characters; a contact is an email address or a phone."
    code = "invalid-member-details"


class AccountNotEmpty(MemberError):
    title = "The account still holds units: reconvert them or give them to the association first."
    code = "account-not-empty"


class MalformedMemberFile(MemberError, FormatError):
    title = "The members' file cannot be read: a CSV or XLSX file with a header row is expected."
    code = "malformed-member-file"


class MemberImportRefused(MemberError):
    title = "Lines of the members' file are in error (see the preview); nothing was written."
    code = "member-import-refused"


# --- imports from another platform ----------------------------------------------------------


class PlatformImportError(AssociationError):
    title = "The import from another platform was refused; nothing was written."
    code = "platform-import-error"


class MalformedImportFile(PlatformImportError, FormatError):
    title = "A file of the import cannot be read: wrong columns, a bad amount or a bad date."
    code = "malformed-import-file"


class ImportUnknownOwner(PlatformImportError):
    title = "An account or a transfer of the import names a user the users' file does not hold."
    code = "import-unknown-owner"


class ImportDuplicateLogin(PlatformImportError):
    title = "Two users (or two accounts of one user) of the import share one login."
    code = "import-duplicate-login"


class ImportNegativeBalance(PlatformImportError):
    title = "A member's account of the import is negative: settle it on the old platform first."
    code = "import-negative-balance"


class ImportUnbalanced(PlatformImportError):
    title = "The import's reconciliation shows a difference: balances, debit account or history."
    code = "import-unbalanced"


class ImportRecordsMismatch(PlatformImportError):
    title = "The signed opening balances do not match the import's plan (preview it again)."
    code = "import-records-mismatch"


class ImportAlreadyDone(PlatformImportError):
    title = "These files were already imported."
    code = "import-already-done"
