"""The public directory: the approved merchants where a resident can pay, and where they are.

It shows only what a shop shows on its door: its name, activity, address, the coordinates
the treasurer confirmed on the map, and the account number to pay. Never its IBAN, BIC,
analytic code, membership or application; pending and refused applications are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ledger.context import LedgerUnitOfWork
from ledger.errors import FormatError
from ledger.holders import folded
from merchants.tables import MERCHANTS

M = MERCHANTS


@dataclass(frozen=True, slots=True)
class Listing:
    account: int
    name: str
    activity: str
    address: str
    latitude_e6: int | None
    longitude_e6: int | None


def directory(uow: LedgerUnitOfWork, *, activity: str | None = None) -> list[Listing]:
    """The approved merchants, by name; with `activity`, those whose activity contains it
    (ignoring case)."""
    query = (
        select(
            M.c.account,
            M.c.legal_name,
            M.c.activity,
            M.c.address,
            M.c.latitude_e6,
            M.c.longitude_e6,
        )
        .where(M.c.status == "approved", M.c.refused.is_(None))
        .order_by(M.c.account)
    )
    # sorted here, not by the database's collation, so that both databases agree
    rows = uow.connection.execute(query)
    listed = sorted((Listing(*row) for row in rows), key=lambda m: m.name.casefold())
    if activity is None or not activity.strip():
        return listed
    if len(activity) > 140:
        raise FormatError("an activity is at most 140 characters", field="activity")
    # in Python: SQLite's lower() knows only ASCII ("Épicerie"), and a town's directory is short
    wanted = folded(activity)  # "epicerie" finds "Épicerie"
    return [m for m in listed if wanted in folded(m.activity)]


def activities(uow: LedgerUnitOfWork) -> list[str]:
    """The activities of the approved merchants, each once, alphabetically (for the search)."""
    query = select(M.c.activity).where(M.c.status == "approved", M.c.refused.is_(None)).distinct()
    return sorted((row.activity for row in uow.connection.execute(query)), key=str.casefold)
