"""FastAPI dependencies, as named `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from ledger.accounts import Key
from ledger.auth import authenticate
from ledger.context import Ledger, LedgerUnitOfWork
from ledger.errors import AuthenticationError


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def reading_unit_of_work(request: Request) -> Iterator[LedgerUnitOfWork]:
    with get_ledger(request).unit_of_work(write=False) as uow:
        yield uow


def writing_unit_of_work(request: Request) -> Iterator[LedgerUnitOfWork]:
    with get_ledger(request).unit_of_work(write=True) as uow:
        uow.actor = lambda: _actor(request)  # the acts it records name the signed-in device
        yield uow


def _actor(request: Request) -> str:
    device: Key | None = getattr(request.state, "device", None)
    return "anonymous" if device is None else f"key {device.kid} ({device.role})"


def optional_device(
    request: Request, uow: Annotated[LedgerUnitOfWork, Depends(reading_unit_of_work)]
) -> Key | None:
    """The device whose bearer token the request carries, if it carries one."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("use `Authorization: Bearer <token>`")
    device = authenticate(uow, token=token.strip(), now=uow.ledger.clock())
    request.state.device = device
    return device


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
ReadingUnitOfWork = Annotated[LedgerUnitOfWork, Depends(reading_unit_of_work)]
OptionalDevice = Annotated[Key | None, Depends(optional_device)]
UnitOfWorkDep = Annotated[LedgerUnitOfWork, Depends(writing_unit_of_work)]
