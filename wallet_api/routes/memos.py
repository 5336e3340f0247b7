"""`/v1/memos/…`: the treasurer erases one entry's memo (docs/PRIVACY.md); the record keeps
its commitment and still verifies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from association import members
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, UnitOfWorkDep

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])


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
