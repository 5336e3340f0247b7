"""Accounts as their holders see them (with a bearer token) and as the public sees merchants."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Query, Request

from ledger import queries, transparency
from ledger.auth import exchange_token, issue_challenge
from ledger.errors import AuthenticationError, NotAuthorized
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.ratelimit import AuthLimits, PayeeLimits
from wallet_api.schemas import (
    AccountNumber,
    AccountOut,
    ChallengeIn,
    ChallengeOut,
    HistoryItemOut,
    HistoryOut,
    OwnEntriesOut,
    OwnEntryOut,
    PayeeOut,
    TokenIn,
    TokenOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["accounts"])


def _limit(request: Request, kid: str) -> None:
    limits: AuthLimits = request.app.state.auth_limits
    limits.check(kid=kid, client=request.client.host if request.client else "unknown")


@router.post("/auth/challenge")
def challenge(body: ChallengeIn, uow: UnitOfWorkDep, request: Request) -> ChallengeOut:
    _limit(request, body.kid)
    issued = issue_challenge(uow, kid=body.kid, now=uow.ledger.clock())
    uow.commit()
    return ChallengeOut(challenge=issued)


@router.post("/auth/token")
def token(body: TokenIn, uow: UnitOfWorkDep, request: Request) -> TokenOut:
    _limit(request, body.kid)
    given = exchange_token(
        uow, kid=body.kid, challenge=body.challenge, sig=body.sig, now=uow.ledger.clock()
    )
    uow.commit()
    return TokenOut(access_token=given.access_token, expires_in=given.expires_in)


@router.get("/accounts/{number}")
def get_account(
    number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> AccountOut:
    """The holder's own account with its balance, or a merchant's public card."""
    view = queries.account_view(uow, number=number)
    if device is not None and device.account == number:
        return AccountOut(
            number=str(view.number),
            kind=view.kind,
            name=view.name,
            currency=view.unit,
            status=view.status,
            balance=view.balance,
        )
    if view.kind == "merchant":
        return AccountOut(
            number=str(view.number),
            kind=view.kind,
            name=view.name,
            currency=view.unit,
            status=view.status,
            balance=None,
        )
    if device is None:
        raise AuthenticationError("a bearer token of this account's device is needed")
    raise NotAuthorized("a device reads only its own account")


@router.get("/accounts/{number}/payee")
def get_payee(
    number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice, request: Request
) -> PayeeOut:
    """The name to show before money moves to `number` (verification of payee), for a signed-in
    device only, a few lookups a minute and a day per device: a list of members' names cannot
    be drawn by trying numbers. A resident is named by first name and initial."""
    if device is None:
        raise AuthenticationError("a bearer token of a device is needed")
    limits: PayeeLimits = request.app.state.payee_limits
    limits.check(kid=device.kid)
    view = queries.account_view(uow, number=number)
    name = view.name
    if view.kind == "resident" and name:
        name = resident_display_name(name)
    return PayeeOut(number=str(view.number), kind=view.kind, name=name, status=view.status)


def resident_display_name(full: str) -> str:
    """`Camille Martin` → `Camille M.`; a single word is kept whole."""
    words = full.split()
    if len(words) < 2:
        return full.strip()
    return f"{words[0]} {words[-1][0].upper()}."


@router.get("/accounts/{number}/transfers")
def get_history(
    number: AccountNumber,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    cursor: int | None = Query(
        default=None, ge=0, le=2**63 - 1, description="the `next_cursor` of a page"
    ),
    limit: int = Query(default=50, ge=1, le=queries.MAX_PAGE),
) -> HistoryOut:
    """The account's movements, newest first; only for the account's own devices."""
    if device is None:
        raise AuthenticationError("a bearer token of this account's device is needed")
    if device.account != number:
        raise NotAuthorized("a device reads only its own account's history")
    items = queries.history(uow, number=number, before=cursor, limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    next_cursor = items[-1].entry if more else None
    return HistoryOut(
        items=[
            HistoryItemOut(
                entry=i.entry,
                transfer=i.transfer,
                type=i.type,
                direction=i.direction,
                counterpart=str(i.counterpart),
                amount=i.amount,
                accepted=i.accepted,
                memo=i.memo,
                ref=i.ref,
                counterpart_name=i.counterpart_name,
                method=i.method,
                office=None if i.office is None else str(i.office),
                office_name=i.office_name,
            )
            for i in items
        ],
        next_cursor=next_cursor,
    )


@router.get("/accounts/{number}/entries")
def get_own_entries(
    number: AccountNumber,
    uow: UnitOfWorkDep,
    device: OptionalDevice,
    cursor: int | None = Query(
        default=None, ge=0, le=2**63 - 1, description="the `next_cursor` of a page"
    ),
    limit: int = Query(default=20, ge=1, le=queries.MAX_PAGE),
) -> OwnEntriesOut:
    """The signed log entries that move the account's money, newest first, each with its
    inclusion proof in the latest checkpoint (given): a holder checks its own records
    against the public log without reading anyone else's. Only the account's own devices."""
    if device is None:
        raise AuthenticationError("a bearer token of this account's device is needed")
    if device.account != number:
        raise NotAuthorized("a device reads only its own account's entries")
    checkpoint = transparency.latest_checkpoint(uow)
    uow.commit()
    found = queries.own_entries(
        uow, number=number, size=checkpoint.size, before=cursor, limit=limit + 1
    )
    page = found[:limit]
    return OwnEntriesOut(
        checkpoint=checkpoint.note,
        size=checkpoint.size,
        entries=[
            OwnEntryOut(
                index=e.index,
                type=e.type,
                leaf=base64.b64encode(e.leaf).decode(),
                proof=[h.hex() for h in e.proof],
            )
            for e in page
        ],
        next_cursor=page[-1].index if len(found) > limit else None,
    )
