"""FastAPI dependencies, as named `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from ledger.context import Ledger, LedgerUnitOfWork


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def reading_unit_of_work(request: Request) -> Iterator[LedgerUnitOfWork]:
    with get_ledger(request).unit_of_work(write=False) as uow:
        yield uow


def writing_unit_of_work(request: Request) -> Iterator[LedgerUnitOfWork]:
    with get_ledger(request).unit_of_work(write=True) as uow:
        yield uow


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
ReadingUnitOfWork = Annotated[LedgerUnitOfWork, Depends(reading_unit_of_work)]
UnitOfWorkDep = Annotated[LedgerUnitOfWork, Depends(writing_unit_of_work)]
