"""`/v1/directory`: the public list of approved merchants (where to pay), with no token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from merchants.directory import activities, directory
from wallet_api.body import LimitedRoute
from wallet_api.deps import ReadingUnitOfWork
from wallet_api.schemas.directory import DirectoryOut, ListingOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["merchants"])


@router.get("/directory")
def get_directory(
    uow: ReadingUnitOfWork,
    activity: Annotated[
        str | None, Query(max_length=140, description="part of an activity, any case")
    ] = None,
) -> DirectoryOut:
    """The approved merchants, by name: name, activity, address, the map's coordinates and
    the account to pay. Nothing private (IBAN, contact, legal details) is ever here."""
    return DirectoryOut(
        activity=activity,
        activities=activities(uow),
        merchants=[
            ListingOut(
                account=str(m.account),
                name=m.name,
                activity=m.activity,
                address=m.address,
                latitude_e6=m.latitude_e6,
                longitude_e6=m.longitude_e6,
            )
            for m in directory(uow, activity=activity)
        ],
    )
