"""`/v1/accounts/…`: an account as its holder sees it (with a bearer token) and as the public
sees a merchant's; the holder's history, own entries with their proofs, and how to top it up
by bank transfer (the reserve's account and the member's reference, or its EPC QR code); its
devices, as the holder and the office see them, revoked one by one or all at once when a phone
is lost (a new one is enrolled with a one-time code: the account, balance and history stay).
A resident's account is opened at the office, their phone enrolled from the QR code of a
short-lived code (`/E/{code}`), and a member who lost every device recovered there."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from association.epc_qr import epc_qr_png, epc_qr_svg
from association.offices import TopUp, top_up
from ledger import queries, transparency
from ledger.accounts import Key
from ledger.admin import (
    account_devices,
    issue_recovery_code,
    lost_phone,
    open_member_account,
    recover_account,
    recovery_code_issued,
    revoke_key,
    revoke_recovery_code,
)
from ledger.errors import AuthenticationError, NotAuthorized
from ledger.ports import LedgerUnitOfWork
from ledger.records import format_time
from merchants.sepa import Debtor
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.ratelimit import PayeeLimits
from wallet_api.responses import MEDIA, qr_image
from wallet_api.schemas.accounts import (
    AccountDeviceOut,
    AccountDevicesOut,
    AccountOut,
    DeviceRevokedOut,
    EnrolmentOut,
    HistoryItemOut,
    HistoryOut,
    LostPhoneOut,
    OpenAccountIn,
    OpenedAccountOut,
    OwnEntriesOut,
    OwnEntryOut,
    PayeeOut,
    RecoveredOut,
    RecoverIn,
    RecoveryCodeOut,
    RecoveryRevokedOut,
    RecoveryStatusOut,
    TopUpOut,
)
from wallet_api.schemas.common import AccountNumber, ImageFormat

router = APIRouter(route_class=LimitedRoute, prefix="/v1")


@router.get("/accounts/{number}", tags=["accounts"])
def get_account(
    number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> AccountOut:
    """The holder's own account with its balance, or a merchant's or the association's public
    card (a member pays the association its membership fee, or their balance before closing)."""
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
    if view.kind in ("merchant", "association"):
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


@router.get("/accounts/{number}/payee", tags=["accounts"])
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


@router.get("/accounts/{number}/transfers", tags=["accounts"])
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


@router.get("/accounts/{number}/entries", tags=["accounts"])
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


TopUpAmount = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="cents to fill in the transfer, if any")
]


def _top_up(
    request: Request,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    number: int,
    amount: int | None,
) -> TopUp:
    access.account_owner(device, number)
    debtor: Debtor | None = request.app.state.debtor
    return top_up(uow, account=number, debtor=debtor, amount=amount)


@router.get("/accounts/{number}/topup", tags=["offices"])
def get_top_up(
    number: AccountNumber,
    request: Request,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    amount: TopUpAmount = None,
) -> TopUpOut:
    """How to top up the account by bank transfer: the reserve's account and the member's
    reference; units arrive when the treasurer imports the statement line bearing it."""
    found = _top_up(request, uow, device, number, amount)
    code = found.code
    return TopUpOut(
        account=str(number),
        beneficiary=code.name,
        iban=code.iban,
        bic=code.bic,
        reference=found.reference,
        amount=code.amount,
        currency="EUR",
        epc_payload=found.payload,
    )


@router.get("/accounts/{number}/topup.{image_format}", response_class=Response, tags=["offices"])
def get_top_up_qr(
    number: AccountNumber,
    image_format: ImageFormat,
    request: Request,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    amount: TopUpAmount = None,
) -> Response:
    """The EPC QR code (EPC069-12) a banking app scans to fill in the top-up transfer."""
    code = _top_up(request, uow, device, number, amount).code
    image = epc_qr_png(code) if image_format == "png" else epc_qr_svg(code)
    return Response(image, media_type=MEDIA[image_format], headers={"Cache-Control": "no-store"})


MEMBER_KINDS = ("resident", "merchant")  # the accounts an office agent acts for


def _office_or_treasurer(uow: LedgerUnitOfWork, device: Key | None, number: int) -> Key:
    """The treasurer, for any account; an exchange office's agent, for a member's (a
    resident's or a shop's) at the counter."""
    key = access.signed_in(device)
    if key.role == "treasurer":
        return key
    if key.role == "agent":
        if queries.account_view(uow, number=number).kind in MEMBER_KINDS:
            return key
        raise NotAuthorized(f"an office agent acts only for a member's account, not {number}")
    raise NotAuthorized("only an office agent or the treasurer may do this")


@router.get("/accounts/{number}/devices", tags=["accounts"])
def get_devices(
    number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> AccountDevicesOut:
    """The account's device keys (label, role, status, enrolment, latest sign-in), newest
    first: for the account's own devices, an office agent (a member's) and the treasurer."""
    if device is None or device.account != number:
        _office_or_treasurer(uow, device, number)
    return AccountDevicesOut(
        account=str(number),
        devices=[
            AccountDeviceOut(
                kid=d.kid,
                role=d.role,
                label=d.label,
                status=d.status,
                enrolled=format_time(d.enrolled),
                last_used=None if d.last_used is None else format_time(d.last_used),
            )
            for d in account_devices(uow, account=number)
        ],
    )


@router.post("/accounts/{number}/devices/{kid}/revoke", tags=["accounts"])
def post_device_revoke(
    number: AccountNumber,
    uow: UnitOfWorkDep,
    device: OptionalDevice,
    kid: str = Path(pattern="^[0-9a-f]{8}$", description="the key id to revoke"),
) -> DeviceRevokedOut:
    """Revokes one key of the account at once (an office agent for a member at the counter,
    or the treasurer); the records it signed stay valid. A key already revoked stays so."""
    actor = _office_or_treasurer(uow, device, number)
    target = uow.reads.key(kid)
    if target is None or target.account != number:
        raise HTTPException(404, f"account {number} has no key {kid}")
    if target.status == "active":
        revoke_key(uow, kid=kid, now=uow.ledger.clock(), by=actor.kid)
        uow.commit()
    return DeviceRevokedOut(account=str(number), kid=kid, status="revoked")


@router.post("/accounts/{number}/lost-phone", tags=["accounts"])
def post_lost_phone(
    number: AccountNumber, uow: UnitOfWorkDep, device: OptionalDevice
) -> LostPhoneOut:
    """A resident lost their phone: revokes every active key of their account and gives a
    one-time code that enrols the new phone on the same account (`POST /v1/devices`), whose
    balance and history are kept. An office agent, or the treasurer."""
    actor = _office_or_treasurer(uow, device, number)
    done = lost_phone(uow, account=number, now=uow.ledger.clock(), issued_by=actor.kid)
    uow.commit()
    return LostPhoneOut(
        account=str(number),
        revoked=done.revoked,
        enrolment_code=done.code,
        expires=format_time(done.expires),
    )


def _agent_or_treasurer(device: Key | None) -> Key:
    key = access.signed_in(device)
    if key.role not in ("agent", "treasurer"):
        raise NotAuthorized("only an office agent or the treasurer may do this")
    return key


def enrolment_url(host: str, code: str) -> str:
    """The wallet's address that enrols a phone with `code` (upper case in the QR code)."""
    return f"https://{host}/E/{code}"


def _enrolment(uow: LedgerUnitOfWork, code: str, expires: int) -> EnrolmentOut:
    return EnrolmentOut(
        code=code, expires_at=format_time(expires), url=enrolment_url(uow.ledger.host, code)
    )


@router.post("/accounts", status_code=201, tags=["accounts"])
def post_account(
    body: OpenAccountIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> OpenedAccountOut:
    """Opens a resident's account at the office (an agent, or the treasurer): the holder's name
    and contact, their consent to the privacy notice (`consent-required` without it: nothing
    is written), and a one-time enrolment code valid 15 minutes, with the wallet's address
    (`/E/{code}`) that the tablet shows as a QR code for the member's phone to scan."""
    actor = _agent_or_treasurer(device)
    opened = open_member_account(
        uow,
        name=body.name,
        contact=body.contact,
        consent=body.consent,
        now=uow.ledger.clock(),
        issued_by=actor.kid,
    )
    uow.commit()
    return OpenedAccountOut(
        number=str(opened.number),
        enrolment=_enrolment(uow, opened.code, opened.expires),
        recovery_code=opened.recovery_code,
    )


@router.post("/accounts/{number}/recovery-code", status_code=201, tags=["accounts"])
def post_recovery_code(
    number: AccountNumber, uow: UnitOfWorkDep, device: OptionalDevice
) -> RecoveryCodeOut:
    """A new printed recovery code for a resident (an office agent, or the treasurer), shown
    once: it replaces the previous one, and enrols a phone with no office once
    (`POST /v1/devices`), revoking every other key of the account (docs/SECURITY.md)."""
    actor = _office_or_treasurer(uow, device, number)
    now = uow.ledger.clock()
    code = issue_recovery_code(uow, account=number, now=now, issued_by=actor.kid)
    uow.commit()
    return RecoveryCodeOut(account=str(number), recovery_code=code, issued=format_time(now))


@router.get("/accounts/{number}/recovery-code", tags=["accounts"])
def get_recovery_code(
    number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice
) -> RecoveryStatusOut:
    """Whether the account has a usable recovery code, and since when (never the code): for
    the account's own devices, an office agent (a member's) and the treasurer."""
    if device is None or device.account != number:
        _office_or_treasurer(uow, device, number)
    issued = recovery_code_issued(uow, account=number, now=uow.ledger.clock())
    return RecoveryStatusOut(
        account=str(number), issued=None if issued is None else format_time(issued)
    )


@router.post("/accounts/{number}/recovery-code/revoke", tags=["accounts"])
def post_recovery_code_revoke(
    number: AccountNumber, uow: UnitOfWorkDep, device: OptionalDevice
) -> RecoveryRevokedOut:
    """Cancels the account's recovery code (a member who lost the paper): an office agent, the
    treasurer, or one of the account's own devices."""
    by = device.kid if device is not None and device.account == number else None
    if by is None:
        by = _office_or_treasurer(uow, device, number).kid
    revoked = revoke_recovery_code(uow, account=number, now=uow.ledger.clock(), by=by)
    uow.commit()
    return RecoveryRevokedOut(account=str(number), revoked=revoked)


@router.post("/accounts/{number}/recover", tags=["accounts"])
def post_recover(
    number: AccountNumber, body: RecoverIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> RecoveredOut:
    """A member who lost every device, at the office: the agent (or the treasurer) records the
    kind of identity document seen (never its number), every active key is revoked and a
    one-time code valid 15 minutes enrols the new phone; balance and history are kept."""
    actor = _office_or_treasurer(uow, device, number)
    done = recover_account(
        uow,
        account=number,
        identity_check=body.identity_check,
        note=body.note,
        now=uow.ledger.clock(),
        issued_by=actor.kid,
    )
    uow.commit()
    return RecoveredOut(
        account=str(number),
        revoked=done.revoked,
        enrolment=_enrolment(uow, done.code, done.expires),
    )


@router.get("/enrolment-codes/{code}/qr.{image_format}", response_class=Response, tags=["accounts"])
def get_enrolment_qr(
    image_format: ImageFormat,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    code: str = Path(
        pattern="^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$",
        description="a one-time enrolment code",
    ),
) -> Response:
    """The QR code of the wallet's address that enrols with `code`, for the office's tablet to
    show: only to an agent or the treasurer, who already hold the code. It encodes the address
    and nothing else, without looking the code up (it says nothing of whether it is valid)."""
    _agent_or_treasurer(device)
    response = qr_image(enrolment_url(uow.ledger.host, code).upper(), image_format)
    response.headers["Cache-Control"] = "no-store"
    return response
