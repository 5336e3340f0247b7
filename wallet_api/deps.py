"""FastAPI dependencies, as named `Annotated` aliases.

`AuditReader` and `TreasurerReader` admit the treasurer, and (`AuditReader`) an auditor's key
inside the window the treasurer granted it (`access.audit_reader`). Each request of an
auditor's key, allowed or refused, is written to the access log, in a unit of work of its own,
once the request's outcome is known (its status: 200, or the problem's). Every route that reads
the books or the reserve's figures takes one of them, so an auditor's visits there are logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from association.auditors import record_visit
from ledger.accounts import Key
from ledger.auth import authenticate
from ledger.errors import AuthenticationError, SouError
from ledger.ports import Ledger, LedgerUnitOfWork
from wallet_api import access
from wallet_api.errors import status_of


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


def _status(error: BaseException) -> int:
    if isinstance(error, SouError):
        return status_of(error)
    if isinstance(error, HTTPException):
        return error.status_code
    if isinstance(error, RequestValidationError):
        return 422
    return 500


def _log_visit(request: Request, key: Key, status: int) -> None:
    ledger = get_ledger(request)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    with ledger.unit_of_work() as uow:
        record_visit(
            uow, kid=key.kid, method=request.method, path=path, status=status, now=ledger.clock()
        )
        uow.commit()


def _logged(
    request: Request,
    uow: LedgerUnitOfWork,
    device: Key | None,
    rule: Callable[[LedgerUnitOfWork, Key | None], Key],
) -> Iterator[Key]:
    """Applies `rule`; an auditor key's request is logged with its outcome, whatever it is."""
    if device is None or device.role != "auditor":
        yield rule(uow, device)
        return
    try:
        key = rule(uow, device)
    except SouError as error:
        _log_visit(request, device, status_of(error))
        raise
    status = 200
    try:
        yield key
    except BaseException as error:
        status = _status(error)
        raise
    finally:
        _log_visit(request, device, status)


def _audit_reader(
    request: Request, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Iterator[Key]:
    yield from _logged(request, uow, device, access.audit_reader)


def _treasurer_reader(
    request: Request, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Iterator[Key]:
    yield from _logged(request, uow, device, lambda _uow, d: access.treasurer(d))


AuditReader = Annotated[Key, Depends(_audit_reader)]
TreasurerReader = Annotated[Key, Depends(_treasurer_reader)]
