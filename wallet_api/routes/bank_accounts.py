"""`/v1/bank-accounts`: the bank accounts holding the euros of the digital and the paper
reserve. Registering one is the treasurer's; reading them also an auditor's, in its window."""

from __future__ import annotations

from fastapi import APIRouter

from association.bank_import import BankAccountView, bank_accounts, register_bank_account
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import AuditReader, OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.bank_accounts import BankAccountIn, BankAccountOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["reserve"])


def _account_out(a: BankAccountView) -> BankAccountOut:
    return BankAccountOut(
        iban=a.iban, reserve=a.reserve, label=a.label, ledger_account=str(a.ledger_account)
    )


@router.post("/bank-accounts", status_code=201)
def post_bank_account(
    body: BankAccountIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> BankAccountOut:
    """Registers the bank account holding the euros of the digital or the paper reserve."""
    access.treasurer(device)
    made = register_bank_account(uow, iban=body.iban, reserve=body.reserve, label=body.label)
    uow.commit()
    return _account_out(made)


@router.get("/bank-accounts")
def get_bank_accounts(uow: ReadingUnitOfWork, _reader: AuditReader) -> list[BankAccountOut]:
    return [_account_out(a) for a in bank_accounts(uow)]
