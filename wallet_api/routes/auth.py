"""`/v1/auth/…`: a device signs in, a challenge signed by its key for a bearer token; a few
attempts a minute per key and per client address (`wallet_api.ratelimit`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ledger.auth import exchange_token, issue_challenge
from wallet_api.body import LimitedRoute
from wallet_api.deps import UnitOfWorkDep
from wallet_api.ratelimit import AuthLimits
from wallet_api.schemas.auth import ChallengeIn, ChallengeOut, TokenIn, TokenOut

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
