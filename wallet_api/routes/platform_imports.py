"""`/v1/platform-imports…`: coming from another platform (association.platform_import).

The treasurer posts the old platform's files (base64, in a JSON body) to `…/preview` and gets
the plan: the accounts to open, the unsigned opening balances and the reconciliation; nothing
is written. The treasurer's device signs each opening balance (a `conversion` of method
`import`) and posts the files again with the signed records: the import is done whole, in one
transaction, or refused whole. These two routes take requests of up to 16 MiB
(`wallet_api.guard.UPLOADS`), a few thousand members with their history; `sou import` reads
files of any size. An account's archived history is read by the member (their own
account's device) and the treasurer, never in the public log.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from association import platform_import
from association.errors import MalformedImportFile
from ledger.accounts import Key
from ledger.errors import NotAuthorized
from ledger.records import parse_envelope
from wallet_api import access
from wallet_api.body import MAX_DEPTH, MAX_DIGITS, MAX_STRING, LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.errors import MalformedJSON
from wallet_api.schemas.platform_imports import (
    ArchivedLineOut,
    ArchiveOut,
    ImportedOut,
    ImportFilesIn,
    ImportIn,
    ImportsOut,
    ImportSummaryOut,
    OpeningOut,
    PlanOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])

ArchiveAccount = Annotated[int, Path(ge=0, le=2**63 - 1, description="an account number")]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedJSON(f"the key {key!r} appears twice")
        result[key] = value
    return result


def _no_float(text: str) -> Any:
    raise MalformedJSON(f"numbers are whole (cents): {text} is not")


def _limits(value: Any, depth: int = 0) -> None:
    """The limits of `wallet_api.body`, on the parsed body, but for the files' strings."""
    if depth > MAX_DEPTH:
        raise MalformedJSON(f"the body is nested more than {MAX_DEPTH} deep")
    if isinstance(value, dict):
        for key, item in value.items():
            _limits(key, depth + 1)
            if depth == 0 and key == "files" and isinstance(item, dict):
                for name, text in item.items():  # a file, in base64, may be long
                    _limits(name, depth + 2)
                    if not isinstance(text, str):
                        _limits(text, depth + 2)
            else:
                _limits(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _limits(item, depth + 1)
    elif isinstance(value, str) and len(value) > MAX_STRING:
        raise MalformedJSON(f"a string is longer than {MAX_STRING} characters")
    elif isinstance(value, int) and len(str(abs(value))) > MAX_DIGITS:
        raise MalformedJSON(f"a number has more than {MAX_DIGITS} digits")


async def _json(request: Request) -> Any:
    """The body, parsed strictly; the files are longer strings than other bodies hold."""
    try:
        body = json.loads(
            (await request.body()).decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedJSON(f"the body is not JSON: {str(error)[:100]}") from None
    _limits(body)
    return body


def _files(body: ImportFilesIn) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for name, text in body.files.items():
        try:
            out[name] = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedImportFile(f"{name}: not base64", file=name) from None
    return out


async def files_body(request: Request) -> ImportFilesIn:
    try:
        return ImportFilesIn.model_validate(await _json(request))
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None


async def import_body(request: Request) -> ImportIn:
    try:
        return ImportIn.model_validate(await _json(request))
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None


def _body(model: type[ImportFilesIn]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _plan_out(p: platform_import.Plan) -> PlanOut:
    return PlanOut(
        source=p.source,
        sha256=p.sha256,
        memo=p.memo,
        accounts=[
            OpeningOut(
                number=str(a.number), login=a.login, name=a.name, kind=a.kind, balance=a.balance
            )
            for a in p.accounts
        ],
        records=p.records,
        transfers=p.transfers,
        reconciliation=p.reconciliation,
    )


@router.post("/platform-imports/preview", openapi_extra=_body(ImportFilesIn))
def post_preview(
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    body: Annotated[ImportFilesIn, Depends(files_body)],
) -> PlanOut:
    """The import's plan, nothing written: the accounts to open (the next free numbers), the
    unsigned opening balances to sign, and the reconciliation. Refused, with a typed problem,
    if a file is wrong or the export does not balance."""
    access.treasurer(device)
    source = platform_import.parse(body.source, _files(body))
    return _plan_out(platform_import.plan(uow, source))


@router.post("/platform-imports", status_code=201, openapi_extra=_body(ImportIn))
def post_import(
    uow: UnitOfWorkDep,
    device: OptionalDevice,
    body: Annotated[ImportIn, Depends(import_body)],
) -> ImportedOut:
    """The import, whole: the same files again and the plan's opening balances, signed by the
    treasurer. Opens the accounts, posts the records, archives the history and reconciles on
    the ledger's balances, in one transaction; any difference refuses it all."""
    access.treasurer(device)
    source = platform_import.parse(body.source, _files(body))
    records = [parse_envelope(envelope) for envelope in body.records]
    done = platform_import.run(uow, source, records=records, now=uow.ledger.clock())
    uow.commit()
    return ImportedOut(
        id=done.id,
        sha256=done.sha256,
        accounts=[str(n) for n in done.accounts],
        records=done.records,
        transfers=done.transfers,
        reconciliation=done.reconciliation,
    )


@router.get("/platform-imports")
def get_imports(uow: ReadingUnitOfWork, device: OptionalDevice) -> ImportsOut:
    """The imports done, the latest first, each with its reconciliation."""
    access.treasurer(device)
    return ImportsOut(
        imports=[
            ImportSummaryOut(**{f: getattr(s, f) for f in ImportSummaryOut.model_fields})
            for s in platform_import.imports(uow)
        ]
    )


def _archive_reader(device: Key | None, account: int) -> Key:
    key = access.signed_in(device)
    if key.role == "treasurer":
        return key
    if key.account == account and key.role in ("resident", "merchant"):
        return key
    raise NotAuthorized(f"key {key.kid} may not read the archive of account {account}")


@router.get("/platform-imports/archive/{number}")
def get_archive(
    number: ArchiveAccount,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**7)] = 0,
) -> ArchiveOut:
    """The account's history on the old platform, newest first, a page at a time: read-only,
    read by the member's own devices and the treasurer."""
    _archive_reader(device, number)
    total, lines = platform_import.archive(uow, account=number, limit=limit, offset=offset)
    return ArchiveOut(
        account=str(number),
        total=total,
        lines=[
            ArchivedLineOut(
                date=x.date,
                amount=x.amount,
                counterparty=x.counterparty,
                description=x.description,
                reference=x.reference,
                import_id=x.import_id,
            )
            for x in lines
        ],
    )
