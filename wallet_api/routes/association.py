"""The association's office: merchants' approval, fee rules, and payout batches.

Every route needs the treasurer's bearer token (reading ones also admit an auditor inside
the window the treasurer granted it); payouts are moreover signed, one record per
reconversion, by the treasurer's key.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from association import members
from association.errors import BankAccountNotConfigured
from ledger.accounts import Key
from ledger.errors import FormatError
from ledger.records import parse_envelope
from merchants.payouts import (
    Batch,
    approve_batch,
    batch,
    mark_executed,
    set_fee_rule,
    waiting_reconversions,
)
from merchants.profiles import (
    Application,
    Profile,
    apply_merchant,
    approve_merchant,
    merchant_profile,
    record_membership,
)
from merchants.reconversion import FeeRule, MerchantKind
from merchants.sepa import Debtor
from merchants.tables import FEE_RULES
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.routes.audit import AuditReader, download
from wallet_api.schemas import (
    AccountNumber,
    ApplicationIn,
    BatchIn,
    BatchOut,
    FeeRuleIn,
    FeeRuleOut,
    MembershipIn,
    MerchantOut,
    ReconversionOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])
BatchNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="a payout batch")]
KindPath = Annotated[str, Path(pattern="^(business|cae|local_authority|association)$")]


def _merchant_out(p: Profile) -> MerchantOut:
    return MerchantOut(
        account=str(p.account),
        kind=p.kind,
        parent=None if p.parent is None else str(p.parent),
        analytic_code=p.analytic_code,
        legal_name=p.legal_name,
        address=p.address,
        activity=p.activity,
        iban=p.iban,
        bic=p.bic,
        status=p.status,
        closing_minutes=p.closing_minutes,
        membership_paid_until=p.membership_paid_until.isoformat()
        if p.membership_paid_until
        else None,
    )


def _batch_out(b: Batch) -> BatchOut:
    return BatchOut(id=b.id, message_id=b.message_id, status=b.status, count=b.count, total=b.total)


@router.post("/merchants", status_code=201)
def apply(body: ApplicationIn, uow: UnitOfWorkDep, device: OptionalDevice) -> MerchantOut:
    """Registers a merchant's application: its account exists, frozen until approval."""
    access.treasurer(device)
    account = apply_merchant(
        uow, application=Application(**body.model_dump()), now=uow.ledger.clock()
    )
    uow.commit()
    return _merchant_out(merchant_profile(uow, account=account))


@router.get("/merchants/{number}/profile")
def profile(number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice) -> MerchantOut:
    """The merchant's profile: for its own merchant key and the treasurer."""
    if device is None or device.role != "treasurer":
        access.merchant_owner(uow, device, number)
    return _merchant_out(merchant_profile(uow, account=number))


@router.post("/merchants/{number}/approve")
def approve(number: AccountNumber, uow: UnitOfWorkDep, device: OptionalDevice) -> MerchantOut:
    """The treasurer approves the merchant: its account opens to payments."""
    access.treasurer(device)
    approve_merchant(uow, account=number, now=uow.ledger.clock())
    uow.commit()
    return _merchant_out(merchant_profile(uow, account=number))


@router.post("/merchants/{number}/membership")
def membership(
    number: AccountNumber, body: MembershipIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> MerchantOut:
    """Records the merchant's membership fee as paid until a date."""
    access.treasurer(device)
    try:
        until = dt.date.fromisoformat(body.paid_until)
    except ValueError:
        raise FormatError(f"{body.paid_until} is not a calendar date") from None
    record_membership(uow, account=number, paid_until=until)
    uow.commit()
    return _merchant_out(merchant_profile(uow, account=number))


@router.put("/fee-rules/{kind}")
def put_fee_rule(
    kind: KindPath, body: FeeRuleIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> FeeRuleOut:
    """Sets the reconversion fee of one kind of merchant (0 to 500 basis points)."""
    access.treasurer(device)
    rule = FeeRule(MerchantKind(kind), body.rate, body.minimum)
    set_fee_rule(
        uow, rule=rule, membership_required=body.membership_required, now=uow.ledger.clock()
    )
    uow.commit()
    return FeeRuleOut(kind=kind, **body.model_dump())


@router.get("/fee-rules")
def get_fee_rules(uow: ReadingUnitOfWork) -> list[FeeRuleOut]:
    """The association's fee rules: public, as members may know them."""
    rows = uow.connection.execute(select(FEE_RULES).order_by(FEE_RULES.c.kind))
    return [
        FeeRuleOut(
            kind=r.kind, rate=r.rate, minimum=r.minimum, membership_required=r.membership_required
        )
        for r in rows
    ]


@router.get("/reconversions/waiting")
def waiting(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[ReconversionOut]:
    """Reconversions waiting for the treasurer's approval, oldest first."""
    return [
        ReconversionOut(
            entry=w.entry,
            record_id=w.record_id,
            account=str(w.account),
            amount=w.amount,
            fee=w.fee,
            net=w.net,
        )
        for w in waiting_reconversions(uow)
    ]


@router.post("/payout-batches", status_code=201)
def post_batch(
    body: BatchIn, uow: UnitOfWorkDep, device: OptionalDevice, request: Request
) -> BatchOut:
    """Approves reconversions in one batch: the treasurer's signed payouts, all or nothing."""
    access.treasurer(device)
    debtor: Debtor | None = request.app.state.debtor
    if debtor is None:
        raise BankAccountNotConfigured(
            "the association's reserve bank account is not configured (SOU_RESERVE_IBAN)"
        )
    records = [parse_envelope(envelope) for envelope in body.payouts]
    made = approve_batch(uow, payouts=records, debtor=debtor, now=uow.ledger.clock())
    uow.commit()
    return _batch_out(made)


@router.get("/payout-batches/{number}")
def get_batch(number: BatchNumber, uow: ReadingUnitOfWork, _reader: AuditReader) -> BatchOut:
    return _batch_out(batch(uow, number=number))


@router.get("/payout-batches/{number}/sepa.xml", response_class=Response)
def get_batch_file(number: BatchNumber, uow: ReadingUnitOfWork, _reader: AuditReader) -> Response:
    """The batch's SEPA credit-transfer file (pain.001.001.09) for the bank."""
    found = batch(uow, number=number)
    return download(found.sepa_file, "application/xml", f"{found.message_id}.xml")


@router.post("/payout-batches/{number}/executed")
def post_executed(number: BatchNumber, uow: UnitOfWorkDep, device: OptionalDevice) -> BatchOut:
    """Marks the batch executed: the bank statement shows the transfers."""
    access.treasurer(device)
    done = mark_executed(uow, number=number, now=uow.ledger.clock())
    uow.commit()
    return _batch_out(done)


# --- a member's data rights (association.members, docs/PRIVACY.md) -----------------------------


MemberNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="the member's account")]


class ErasedOut(BaseModel):
    account: str
    holder: bool
    devices: int
    merchant: bool
    memos: int
    bank_lines: int


@router.get("/members/{number}/export")
def get_member_export(
    number: MemberNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """Everything held about the holder of account `number`, as JSON: for the treasurer (a
    member's request at the office) and for the member's own devices."""
    _member_reader(device, number)
    data = members.member_data(uow, number=number)
    return download(members.member_json(data), "application/json", f"sou-{number}.json")


@router.get("/members/{number}/export.html", response_class=Response)
def get_member_page(
    number: MemberNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """The same, as a page a person reads (and prints)."""
    _member_reader(device, number)
    page = members.member_html(members.member_data(uow, number=number))
    return Response(page, media_type="text/html; charset=utf-8")


@router.post("/members/{number}/erase")
def post_member_erase(
    number: MemberNumber, uow: UnitOfWorkDep, device: OptionalDevice
) -> ErasedOut:
    """Erases the personal data of a closed account (the treasurer): the log, the accounts
    and the audit still verify."""
    access.treasurer(device)
    erased = members.erase_member(uow, number=number)
    uow.commit()
    return ErasedOut(
        account=str(erased.account),
        holder=erased.holder,
        devices=erased.devices,
        merchant=erased.merchant,
        memos=erased.memos,
        bank_lines=erased.bank_lines,
    )


@router.post("/memos/{entry}/erase", status_code=204)
def post_memo_erase(
    uow: UnitOfWorkDep,
    device: OptionalDevice,
    entry: Annotated[int, Path(ge=0, le=2**63 - 1, description="the entry's index")],
) -> Response:
    """Erases one entry's memo (the treasurer, on request of the payer or of someone the text
    names): the record keeps its commitment and still verifies (ledger.memos)."""
    access.treasurer(device)
    members.erase_memo(uow, entry=entry)
    uow.commit()
    return Response(status_code=204)


def _member_reader(device: Key | None, number: int) -> None:
    """The treasurer, or the member's own key (not a till's: a shop's data is its owner's)."""
    if access.signed_in(device).role != "treasurer":
        access.balance_holder(device, number)
