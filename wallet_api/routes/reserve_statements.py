"""`/v1/reserve-statements/…`: signed reserve statements and their proofs.

Public: the list of statements and each signed note. The treasurer publishes a statement
(signed by the ledger key) and, with auditors, cosigns it; a holder's own device fetches the
proof that its balance is counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from association.dashboard import PARIS
from association.publication import cosign, holder_proof, publish, statement_note, statements
from ledger.errors import FormatError
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.reserve_statements import (
    CosignIn,
    HolderProofOut,
    LiabilityProofOut,
    ProofStepOut,
    PublishedOut,
    PublishIn,
    ReserveStatementOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["transparency"])


StatementNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="a reserve statement")]


TEXT = "text/plain; charset=utf-8"


@router.get("/reserve-statements")
def get_statements(uow: ReadingUnitOfWork) -> list[ReserveStatementOut]:
    """Every published reserve statement, newest first (public)."""
    return [ReserveStatementOut(**asdict(s)) for s in statements(uow)]


@router.post("/reserve-statements", status_code=201)
def post_statement(body: PublishIn, uow: UnitOfWorkDep, device: OptionalDevice) -> PublishedOut:
    """The treasurer publishes the reserve statement of a date (today, Paris, by default)."""
    access.treasurer(device)
    now = uow.ledger.clock()
    on = _date(body.date, now)
    made = publish(uow, on=on, now=now)
    uow.commit()
    return PublishedOut(
        id=made.id,
        date=made.date.isoformat(),
        status=made.status,
        checkpoint_size=made.checkpoint_size,
        liabilities=made.liabilities,
        reserve=made.reserve,
        note=made.note,
    )


def _date(text: str | None, now: int) -> dt.date:
    if text is None:
        return dt.datetime.fromtimestamp(now, PARIS).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FormatError(f"{text} is not a calendar date") from None


@router.get("/reserve-statements/{number}", response_class=PlainTextResponse)
def get_statement(number: StatementNumber, uow: ReadingUnitOfWork) -> PlainTextResponse:
    """The signed note of the statement, with its cosignatures (public)."""
    return PlainTextResponse(statement_note(uow, number=number), media_type=TEXT)


@router.post("/reserve-statements/{number}/cosign", response_class=PlainTextResponse)
def post_cosignature(
    number: StatementNumber, body: CosignIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> PlainTextResponse:
    """A treasurer's or auditor's device adds its signature line; the note as it now stands."""
    key = access.cosigner(uow, device)
    note = cosign(uow, number=number, device=key, line=body.signature)
    uow.commit()
    return PlainTextResponse(note, media_type=TEXT)


@router.get("/reserve-statements/{number}/proof")
def get_proof(
    number: StatementNumber,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    account: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> HolderProofOut:
    """The proof that the device's own account is counted in the statement's liabilities."""
    key = access.signed_in(device)
    number_of_account = key.account if account is None else account
    if number_of_account is None:
        raise FormatError("this device has no account")
    access.balance_holder(device, number_of_account)
    found = holder_proof(uow, number=number, account=number_of_account)
    p = found.proof
    return HolderProofOut(
        statement=found.statement,
        date=found.date,
        account=str(found.account),
        balance=found.balance,
        proof=LiabilityProofOut(
            holder=p.holder,
            balance=p.balance,
            leaf_salt=p.leaf_salt.hex(),
            path=[ProofStepOut(side=s.side, hash=s.hash.hex(), sum=s.sum) for s in p.path],
        ),
        note=found.note,
        ledger_key=uow.ledger.key.public_bytes.hex(),
    )
