"""Exchange offices and top-ups by bank transfer: what enters the reserve through a counter.

An office's agent signs four kinds of record on the tablet — a cash conversion, paper notes
handed out, paper notes exchanged for digital units, and a deposit of the collected cash at
the bank — and the ledger's rules judge each (who signs for which office, no overdraft, euros
backing units). This module only keeps other records away from the office's door: a bank
conversion is the treasurer's, posted against the statement line that shows the euros, so it
can never be recorded here without euros received. It also reads an office's figures, and
gives a member what their bank needs to top up by transfer: the association's reserve account
and the member's ISO 11649 reference, as text and as an EPC QR payload.

The paper notes the association hands to an office (or takes back from it) are inventory,
not money (FORMATS.md §3), so they are not in the log: the treasurer records each delivery here,
and an office's stock of notes is what it received, less what it issued (`paper_issue`),
plus what it took back for digital units (`paper_exchange`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select

from association.epc_qr import TransferCode, epc_payload
from association.errors import (
    BankAccountNotConfigured,
    BankConversionNotAtOffice,
    NotAnOfficeOperation,
)
from association.memberships import check_conversion
from association.rf import format_rf, rf_reference
from association.tables import NOTE_DELIVERIES
from association.text import checked_note
from ledger.accounts import SYSTEM_ACCOUNTS
from ledger.acts import record_act
from ledger.errors import FormatError, InvalidTransfer, UnknownAccount
from ledger.ports import LedgerUnitOfWork
from ledger.posting import Posted, post_record
from ledger.records import MAX_AMOUNT, SignedRecord
from merchants.sepa import Debtor

OFFICE_OPERATIONS = ("conversion", "paper_issue", "paper_exchange", "deposit")
TOP_UP_KINDS = ("resident", "merchant", "association")
_PAPER = next(number for number, name, _, _ in SYSTEM_ACCOUNTS if name == "paper")


def record_office_operation(uow: LedgerUnitOfWork, *, record: SignedRecord, now: int) -> Posted:
    """Posts an office's signed record; a retry of the same bytes gets the original entry."""
    if record.type not in OFFICE_OPERATIONS:
        raise NotAnOfficeOperation(
            f"a {record.type} record is not an exchange office's operation", record_type=record.type
        )
    if record.type == "conversion" and record.record["method"] != "cash":
        raise BankConversionNotAtOffice(
            "a bank conversion is recorded by the treasurer, against the bank statement line "
            "showing the euros received"
        )
    if record.type == "conversion":
        check_conversion(uow, to=int(record.record["to"]), now=now)
    return post_record(uow, record=record, now=now)


@dataclass(frozen=True, slots=True)
class OfficeView:
    """An office's cash account and what went through it, in euro cents."""

    number: int
    name: str | None
    status: str
    cash: int  # collected and not yet deposited
    converted: int  # euros received for cash conversions
    paper_issued: int  # euros received for paper notes handed out
    paper_exchanged: int  # paper notes taken back for digital units
    deposited: int  # cash taken to the reserve's bank accounts


def office_view(uow: LedgerUnitOfWork, *, number: int) -> OfficeView:
    account = uow.reads.account(number)
    if account is None or account.kind != "office_cash":
        raise UnknownAccount(f"no exchange office {number}", account=str(number))
    received = uow.reads.totals_by_type(credit=number)
    deposited = sum(uow.reads.totals_by_type(debit=number).values())
    return OfficeView(
        number=number,
        name=account.name,
        status=account.status,
        cash=account.balance,
        converted=received.get("conversion", 0),
        paper_issued=received.get("paper_issue", 0),
        paper_exchanged=_paper_exchanged(uow, office=number),
        deposited=deposited,
    )


def _paper_exchanged(uow: LedgerUnitOfWork, *, office: int) -> int:
    # No leg of a paper exchange touches the office's account (the notes move from `paper`
    # to the holder, the euros between the reserves): only the signed record names it.
    legs = uow.reads.postings(debit=_PAPER, types=["paper_exchange"], records=True)
    return sum(leg.amount for leg in legs if leg.record["office"] == str(office))


def record_note_delivery(
    uow: LedgerUnitOfWork, *, office: int, amount: int, note: str, kid: str, now: int
) -> int:
    """Records notes (face value in cents) handed to an office, or taken back from it when
    negative, with a note (the notes' serial numbers, the courier…); returns the office's
    notes received in all."""
    account = uow.reads.account(office)
    if account is None or account.kind != "office_cash":
        raise UnknownAccount(f"no exchange office {office}", account=str(office))
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < abs(amount) <= MAX_AMOUNT:
        raise FormatError("notes delivered are a non-zero number of cents")
    uow.connection.execute(
        insert(NOTE_DELIVERIES).values(
            office=office, amount=amount, note=checked_note(note), kid=kid, recorded=now
        )
    )
    record_act(uow, "office.notes", office, {"amount": amount})
    return notes_delivered(uow, office=office).get(office, 0)


def notes_delivered(uow: LedgerUnitOfWork, *, office: int | None = None) -> dict[int, int]:
    """Cents of notes each office (or `office` alone) received from the association, less
    those it gave back."""
    query = select(NOTE_DELIVERIES.c.office, func.sum(NOTE_DELIVERIES.c.amount)).group_by(
        NOTE_DELIVERIES.c.office
    )
    if office is not None:
        query = query.where(NOTE_DELIVERIES.c.office == office)
    return {int(number): int(total) for number, total in uow.connection.execute(query)}


@dataclass(frozen=True, slots=True)
class TopUp:
    """A member's top-up by bank transfer: where to send euros, and the reference to quote."""

    account: int
    code: TransferCode

    @property
    def reference(self) -> str:
        """The member's reference in print form (groups of four)."""
        assert self.code.reference is not None
        return format_rf(self.code.reference)

    @property
    def payload(self) -> str:
        return epc_payload(self.code)


def top_up(
    uow: LedgerUnitOfWork, *, account: int, debtor: Debtor | None, amount: int | None
) -> TopUp:
    """What a member's bank needs to send euros to the reserve for `account`.

    The euros become units when the treasurer imports the statement line bearing the
    member's reference; the amount is optional (the member may type it in the bank's app).
    """
    if debtor is None:
        raise BankAccountNotConfigured(
            "the association's reserve bank account is not configured (SOU_RESERVE_IBAN)"
        )
    found = uow.reads.account(account)
    if found is None:
        raise UnknownAccount(f"no account {account}", account=str(account))
    if found.kind not in TOP_UP_KINDS:
        raise InvalidTransfer(f"account {account} is not a member's account: no top-up")
    code = TransferCode(
        name=debtor.name,
        iban=debtor.iban,
        bic=debtor.bic or None,
        amount=amount,
        reference=rf_reference(account),
        note=f"Recharge {uow.ledger.currency} compte {account}",
    )
    return TopUp(account=account, code=code)
