"""The errors of the merchants' domain: bank details, business days, fees, reconversions, SEPA.

They extend the one tree of `ledger.errors`: each class has a stable `code`, carries no HTTP
status, and keeps its details in `detail`. Values that are simply malformed (an IBAN with a
wrong checksum, a closing hour of 25, a fee rate of 2,555 %) are also `FormatError`s, so the
web layer's table treats them like every other malformed input; a reconversion the rules
refuse is a `ReconversionRefused` whose subclass says why.
"""

from __future__ import annotations

from ledger.errors import FormatError, SouError


class MerchantError(SouError):
    title = "A merchant operation or setting was refused."
    code = "merchant-error"


class InvalidBusinessDay(MerchantError, FormatError):
    title = "The closing time or the time zone of a business day is not valid."
    code = "invalid-business-day"


class InvalidBankDetails(MerchantError, FormatError):
    title = "The bank details are not valid."
    code = "invalid-bank-details"


class InvalidIban(InvalidBankDetails):
    title = "The IBAN is not valid (structure, country, length or check digits)."
    code = "invalid-iban"


class InvalidBic(InvalidBankDetails):
    title = "The BIC is not valid (structure or country)."
    code = "invalid-bic"


class InvalidFeeRule(MerchantError, FormatError):
    title = "The fee rule is outside 0–5 % or cannot be applied to whole cents exactly."
    code = "invalid-fee-rule"


class StatementError(MerchantError):
    title = "The lines given for a day statement do not belong to that day or are inconsistent."
    code = "invalid-statement"


class ReconversionRefused(MerchantError):
    title = "The reconversion is refused."
    code = "reconversion-refused"


class NotAMerchant(ReconversionRefused):
    title = "Only an approved merchant's account may reconvert units to euros."
    code = "reconversion-not-a-merchant"


class MembershipFeeUnpaid(ReconversionRefused):
    title = "The merchant's membership fee is unpaid: reconversion is suspended until it is paid."
    code = "reconversion-membership-unpaid"


class BelowMinimum(ReconversionRefused):
    title = "The amount is below the minimum reconversion amount."
    code = "reconversion-below-minimum"


class NoFeeRule(ReconversionRefused):
    title = "The association has set no fee rule for this kind of merchant."
    code = "reconversion-no-fee-rule"


class SepaError(MerchantError):
    title = "The SEPA credit-transfer file cannot be made from this batch."
    code = "sepa-error"


class UnknownMerchant(MerchantError):
    title = "No merchant profile has this account number."
    code = "unknown-merchant"


class MerchantNotApproved(MerchantError):
    title = "The merchant is not approved by the association (yet)."
    code = "merchant-not-approved"


class DayNotOver(MerchantError):
    title = "A business day that has not started cannot be closed."
    code = "day-not-started"


class DayStatementChanged(MerchantError):
    title = "The signed day record does not match the day's statement (fetch it again)."
    code = "day-statement-changed"


class FeeMismatch(ReconversionRefused):
    title = "The signed reconversion's fee is not the association's fee for this amount."
    code = "reconversion-fee-mismatch"


class UnknownBatch(MerchantError):
    title = "No payout batch has this number."
    code = "unknown-batch"


class MerchantAlreadyDecided(MerchantError):
    title = "The merchant's application has already been approved or refused."
    code = "merchant-already-decided"
