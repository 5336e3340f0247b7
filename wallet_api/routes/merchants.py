"""`/v1/merchants/…`: a merchant's application, its review (approved, or refused with a
reason), its profile and card (the treasurer's, each edit an act), its tills and their
refund limits, its
static QR code and sticker (public), and its business days: today's takings, statements,
closing, exports.

A till (cashier key) sees today's takings; the merchant's own key sees every day, closes
them and downloads their CSV and PDF; a CAE's key sees each entrepreneur's days and the
consolidated view, while entrepreneurs see only their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from ledger import queries
from ledger.errors import FormatError, InvalidDay, UnknownAccount
from ledger.records import format_time, parse_envelope
from merchants.business_day import PARIS, day_bounds
from merchants.days import Day, business_day_of, close_day, load_day, load_period, record_for
from merchants.exports import (
    EntrepreneurTakings,
    consolidated_csv,
    day_lines_csv,
    day_statement_pdf,
    month_csv,
    takings_csv,
)
from merchants.months import MonthStatement, balance_before, month_statement
from merchants.payment_requests import static_merchant_url
from merchants.profiles import (
    Application,
    CardChange,
    Profile,
    applications,
    apply_merchant,
    approve_merchant,
    edit_card,
    entrepreneurs,
    merchant_profile,
    new_till_code,
    record_membership,
    refuse_merchant,
    tills,
)
from merchants.qr import sticker_pdf
from wallet_api import access
from wallet_api.body import LimitedRoute, StrictJSON, signed_body
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.responses import qr_image
from wallet_api.schemas.common import AccountNumber, ImageFormat
from wallet_api.schemas.merchants import (
    ApplicationIn,
    ApplicationOut,
    ApplicationsOut,
    CardIn,
    CardOut,
    ConsolidatedOut,
    DayClosedOut,
    DayOut,
    DayRecordOut,
    EntrepreneurOut,
    HourOut,
    LineOut,
    MembershipIn,
    MerchantOut,
    MonthDayOut,
    MonthOut,
    MonthReconversionOut,
    RefusalIn,
    TillCodeIn,
    TillCodeOut,
    TillKeyOut,
    TillOut,
    TillsOut,
)

router = APIRouter(route_class=LimitedRoute, prefix="/v1")


def _merchant_out(p: Profile) -> MerchantOut:
    return MerchantOut(
        account=str(p.account),
        kind=p.kind,
        parent=None if p.parent is None else str(p.parent),
        analytic_code=p.analytic_code,
        legal_name=p.legal_name,
        address=p.address,
        activity=p.activity,
        iban=p.iban,
        bic=p.bic,
        status=p.status,
        closing_minutes=p.closing_minutes,
        membership_paid_until=p.membership_paid_until.isoformat()
        if p.membership_paid_until
        else None,
        decision=p.decision,
        applied=format_time(p.applied),
        refusal_reason=p.refusal_reason,
        latitude_e6=p.latitude_e6,
        longitude_e6=p.longitude_e6,
    )


@router.post("/merchants", status_code=201, tags=["association"])
def apply(body: ApplicationIn, uow: UnitOfWorkDep, device: OptionalDevice) -> MerchantOut:
    """Registers a merchant's application: its account exists, frozen until approval."""
    access.treasurer(device)
    account = apply_merchant(
        uow, application=Application(**body.model_dump()), now=uow.ledger.clock()
    )
    uow.commit()
    return _merchant_out(merchant_profile(uow, account=account))


@router.get("/merchants/{number}/profile", tags=["association"])
def profile(number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice) -> MerchantOut:
    """The merchant's profile: for its own merchant key and the treasurer."""
    if device is None or device.role != "treasurer":
        access.merchant_owner(uow, device, number)
    return _merchant_out(merchant_profile(uow, account=number))


@router.post("/merchants/{number}/approve", tags=["association"])
def approve(number: AccountNumber, uow: UnitOfWorkDep, device: OptionalDevice) -> MerchantOut:
    """The treasurer approves the merchant: its account opens to payments."""
    access.treasurer(device)
    approve_merchant(uow, account=number, now=uow.ledger.clock())
    uow.commit()
    return _merchant_out(merchant_profile(uow, account=number))


@router.get("/merchants", tags=["association"])
def list_applications(
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    status: Annotated[
        str, Query(pattern="^(pending|approved|refused)$", description="where they stand")
    ] = "pending",
) -> ApplicationsOut:
    """The merchants whose application is pending, approved or refused (the treasurer's)."""
    access.treasurer(device)
    return ApplicationsOut(
        status=status,
        applications=[
            ApplicationOut(
                account=str(p.account),
                legal_name=p.legal_name,
                kind=p.kind,
                activity=p.activity,
                address=p.address,
                applied=format_time(p.applied),
                decision=p.decision,
                refusal_reason=p.refusal_reason,
            )
            for p in applications(uow, decision=status)
        ],
    )


@router.post("/merchants/{number}/refuse", tags=["association"])
def refuse(
    number: AccountNumber, body: RefusalIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> MerchantOut:
    """The treasurer refuses a pending application, with the reason the applicant is told."""
    access.treasurer(device)
    refuse_merchant(uow, account=number, reason=body.reason, now=uow.ledger.clock())
    uow.commit()
    return _merchant_out(merchant_profile(uow, account=number))


@router.patch("/merchants/{number}/card", tags=["association"])
def card(
    number: AccountNumber, body: CardIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> CardOut:
    """Changes the merchant's card (address, activity, IBAN, closing time, the map's
    coordinates): one `merchant.card` act lists each field changed, old → new."""
    access.treasurer(device)
    detail = edit_card(uow, account=number, change=CardChange(**body.model_dump()))
    uow.commit()
    changed = detail.get("changed", {})
    assert isinstance(changed, dict)
    return CardOut(merchant=_merchant_out(merchant_profile(uow, account=number)), changed=changed)


@router.get("/merchants/{number}/tills", tags=["association"])
def get_tills(number: AccountNumber, uow: ReadingUnitOfWork, device: OptionalDevice) -> TillsOut:
    """The merchant's tills (cashier keys), each with the refund limit its key record signs;
    revoke one with `POST /v1/accounts/{number}/devices/{kid}/revoke`."""
    access.treasurer(device)
    return TillsOut(
        account=str(number),
        tills=[
            TillKeyOut(
                kid=t.kid,
                label=t.label,
                status=t.status,
                refund_limit=t.refund_limit,
                enrolled=format_time(t.enrolled),
            )
            for t in tills(uow, account=number)
        ],
    )


@router.post("/merchants/{number}/tills", status_code=201, tags=["association"])
def post_till_code(
    number: AccountNumber, body: TillCodeIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> TillCodeOut:
    """A one-time code that enrols a new till with this refund limit (cents a day): a till's
    limit is signed in its key record, so a new limit is a new till, and the old is revoked."""
    actor = access.treasurer(device)
    code = new_till_code(
        uow,
        account=number,
        refund_limit=body.refund_limit,
        now=uow.ledger.clock(),
        issued_by=actor.kid,
    )
    uow.commit()
    return TillCodeOut(account=str(number), enrolment_code=code, refund_limit=body.refund_limit)


@router.post("/merchants/{number}/membership", tags=["association"])
def membership(
    number: AccountNumber, body: MembershipIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> MerchantOut:
    """Records the merchant's membership fee as paid until a date."""
    access.treasurer(device)
    try:
        until = dt.date.fromisoformat(body.paid_until)
    except ValueError:
        raise FormatError(f"{body.paid_until} is not a calendar date") from None
    record_membership(uow, account=number, paid_until=until)
    uow.commit()
    return _merchant_out(merchant_profile(uow, account=number))


@router.get("/merchants/{number}/qr.{image_format}", response_class=Response, tags=["merchants"])
def merchant_qr(
    uow: ReadingUnitOfWork, number: AccountNumber, image_format: ImageFormat
) -> Response:
    """The merchant's static code (`HTTPS://HOST/M/<number>`), for a printed sticker."""
    account = uow.reads.account(number)
    if account is None or account.kind != "merchant":
        raise UnknownAccount(f"no merchant {number}", account=str(number))
    return qr_image(static_merchant_url(uow.ledger.host, number), image_format)


@router.get("/merchants/{number}/sticker.pdf", response_class=Response, tags=["merchants"])
def merchant_sticker(uow: ReadingUnitOfWork, number: AccountNumber) -> Response:
    """A printable A6 sticker with the merchant's static code and name."""
    view = queries.account_view(uow, number=number)
    if view.kind != "merchant":
        raise UnknownAccount(f"no merchant {number}", account=str(number))
    pdf = sticker_pdf(
        static_merchant_url(uow.ledger.host, number),
        title=view.name or f"N° {number}",
        subtitle=f"Payez en {uow.ledger.unit_name or uow.ledger.currency} · N° {number}",
    )
    return Response(pdf, media_type="application/pdf")


DatePath = Annotated[
    str, Path(pattern=r"^(today|\d{4}-\d{2}-\d{2})$", description="YYYY-MM-DD or `today`")
]


CSV = "text/csv; charset=utf-8"


def _date(profile: Profile, text: str, now: int) -> dt.date:
    if text == "today":
        return business_day_of(profile, now)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidDay(f"{text} is not a calendar date") from None


def _day_out(uow: ReadingUnitOfWork, day: Day, *, with_lines: bool = True) -> DayOut:
    s = day.statement
    labels = uow.reads.key_labels(t for t in s.per_till if t)
    return DayOut(
        account=str(s.account),
        date=s.date.isoformat(),
        status="open" if day.closed_entry is None else "closed",
        closed_entry=day.closed_entry,
        count=s.count,
        credits=s.credits,
        refunds=s.refunds,
        debits=s.debits,
        net=s.net,
        declared=s.declared,
        difference=s.difference,
        first_entry=s.first_entry,
        last_entry=s.last_entry,
        receipts_root=s.receipts_root,
        tills=[
            TillOut(till=k, label=labels.get(k), payments=t[0], credits=t[1], refunds=t[2])
            for k, t in s.per_till.items()
        ],
        hours=[HourOut(hour=h, payments=t[0], credits=t[1]) for h, t in s.per_hour.items()],
        lines=[
            LineOut(
                entry=line.entry,
                accepted=format_time(line.accepted),
                direction=line.direction,
                amount=line.amount,
                counterpart=str(line.counterpart),
                till=line.till,
                ref=line.ref,
            )
            for line in (day.lines if with_lines else [])
        ],
    )


@router.get("/merchants/{number}/days/{date}", tags=["takings"])
def get_day(
    number: AccountNumber,
    date: DatePath,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    lines: Annotated[bool, Query(description="also list the day's transfers")] = False,
) -> DayOut:
    """A business day's statement (Z report) as the log stands; `today` for the current one."""
    now = uow.ledger.clock()
    profile = access.merchant_reader(uow, device, number)
    day = _date(profile, date, now)
    access.merchant_reader(uow, device, number, day)
    return _day_out(uow, load_day(uow, account=number, date=day), with_lines=lines)


@router.get("/merchants/{number}/days/{date}/record", tags=["takings"])
def get_day_record(
    number: AccountNumber,
    date: DatePath,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    declared: int | None = Query(default=None, ge=0, le=2**31 - 1, description="cents counted"),
) -> DayRecordOut:
    """The `day` record that would close this day now, for the merchant's key to sign."""
    profile = access.merchant_owner(uow, device, number)
    assert device is not None
    day = _date(profile, date, uow.ledger.clock())
    return DayRecordOut(
        record=record_for(uow, account=number, date=day, kid=device.kid, declared=declared)
    )


@router.post(
    "/merchants/{number}/days/{date}/close",
    status_code=201,
    openapi_extra=signed_body("the merchant's day record (FORMATS.md §7)"),
    tags=["takings"],
)
def post_close_day(
    number: AccountNumber, date: DatePath, body: StrictJSON, uow: UnitOfWorkDep
) -> JSONResponse:
    """Closes the day with the merchant's signed `day` record (201; a retry gets 200)."""
    record = parse_envelope(body)
    if record.type != "day" or record.record["account"] != str(number):
        raise InvalidDay("the body must be this merchant's signed day record")
    if date != "today" and record.record["date"] != date:
        raise InvalidDay("the record closes another date")
    posted = close_day(uow, record=record, now=uow.ledger.clock())
    uow.commit()
    closed = load_day(uow, account=number, date=dt.date.fromisoformat(record.record["date"]))
    out = DayClosedOut(entry=posted.index, record_id=record.id, day=_day_out(uow, closed))
    return JSONResponse(out.model_dump(), status_code=200 if posted.retry else 201)


@router.get(
    "/merchants/{number}/days/{date}/statement.csv", response_class=Response, tags=["takings"]
)
def get_day_csv(
    number: AccountNumber, date: DatePath, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """The day's lines for the accountant: `;`, decimal comma, UTF-8 with a BOM."""
    profile = access.merchant_owner(uow, device, number)
    day = load_day(uow, account=number, date=_date(profile, date, uow.ledger.clock()))
    name = f"sou-{number}-{day.statement.date.isoformat()}.csv"
    return Response(
        day_lines_csv(day.statement, day.lines),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/merchants/{number}/days/{date}/statement.pdf", response_class=Response, tags=["takings"]
)
def get_day_pdf(
    number: AccountNumber, date: DatePath, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """The printable day statement (Z report)."""
    profile = access.merchant_owner(uow, device, number)
    day = load_day(uow, account=number, date=_date(profile, date, uow.ledger.clock()))
    pdf = day_statement_pdf(
        day.statement, day.lines, merchant_name=profile.legal_name, unit=uow.ledger.currency
    )
    return Response(pdf, media_type="application/pdf")


@router.get("/merchants/{number}/takings.csv", response_class=Response, tags=["takings"])
def get_takings_csv(
    number: AccountNumber,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    first: Annotated[dt.date, Query(description="first business day, YYYY-MM-DD")],
    last: Annotated[dt.date, Query(description="last business day (at most 366 days)")],
) -> Response:
    """One row per business day of the period, then the period's total."""
    access.merchant_owner(uow, device, number)
    days = load_period(uow, account=number, first=first, last=last)
    name = f"sou-{number}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        takings_csv([d.statement for d in days]),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/merchants/{number}/consolidated", tags=["takings"])
def get_consolidated(
    number: AccountNumber,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    date: Annotated[str, Query(pattern=r"^(today|\d{4}-\d{2}-\d{2})$")] = "today",
) -> ConsolidatedOut:
    """A CAE's view: each entrepreneur's balance and day, and their sums (CAE's key only)."""
    profile = _cae(uow, device, number)
    day = _date(profile, date, uow.ledger.clock())
    rows = []
    for e in entrepreneurs(uow, cae=number):
        s = load_day(uow, account=e.account, date=day).statement
        account = uow.reads.account(e.account)
        assert account is not None
        rows.append(
            EntrepreneurOut(
                account=str(e.account),
                analytic_code=e.analytic_code,
                name=e.legal_name,
                balance=account.balance,
                count=s.count,
                credits=s.credits,
                refunds=s.refunds,
                net=s.net,
            )
        )
    return ConsolidatedOut(
        cae=str(number),
        date=day.isoformat(),
        entrepreneurs=rows,
        balance=sum(r.balance for r in rows),
        count=sum(r.count for r in rows),
        credits=sum(r.credits for r in rows),
        refunds=sum(r.refunds for r in rows),
        net=sum(r.net for r in rows),
    )


def _cae(uow: ReadingUnitOfWork, device: OptionalDevice, number: int) -> Profile:
    profile = access.merchant_owner(uow, device, number)
    if profile.kind != "cae" or profile.parent is not None:
        raise InvalidDay(f"merchant {number} is not a CAE")
    return profile


@router.get("/merchants/{number}/consolidated.csv", response_class=Response, tags=["takings"])
def get_consolidated_csv(
    number: AccountNumber,
    uow: ReadingUnitOfWork,
    device: OptionalDevice,
    first: Annotated[dt.date, Query(description="first business day, YYYY-MM-DD")],
    last: Annotated[dt.date, Query(description="last business day (at most 366 days)")],
) -> Response:
    """A CAE's period: one row per entrepreneur (analytic code, name, count, credits,
    refunds, net, balance at the period's end), then the total (CAE's key only)."""
    _cae(uow, device, number)
    rows = []
    for e in entrepreneurs(uow, cae=number):
        days = load_period(uow, account=e.account, first=first, last=last)
        end = day_bounds(last, *e.closing, PARIS)[1]
        rows.append(
            EntrepreneurTakings(
                account=e.account,
                analytic_code=e.analytic_code,
                name=e.legal_name,
                count=sum(d.statement.count for d in days),
                credits=sum(d.statement.credits for d in days),
                refunds=sum(d.statement.refunds for d in days),
                balance=balance_before(uow, account=e.account, instant=end),
            )
        )
    name = f"sou-{number}-entrepreneurs-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        consolidated_csv(rows),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


MonthPath = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def _month_out(m: MonthStatement) -> MonthOut:
    return MonthOut(
        account=str(m.account),
        name=m.name,
        month=m.month,
        complete=m.complete,
        start=format_time(m.start),
        end=format_time(m.end),
        opening=m.opening,
        days=[
            MonthDayOut(
                date=d.statement.date.isoformat(),
                count=d.statement.count,
                credits=d.statement.credits,
                refunds=d.statement.refunds,
                net=d.statement.net,
                closed_entry=d.closed_entry,
                receipts_root=d.statement.receipts_root,
            )
            for d in m.days
        ],
        count=m.count,
        credits=m.credits,
        refunds=m.refunds,
        net=m.net,
        reconversions=[
            MonthReconversionOut(
                entry=r.entry,
                requested=format_time(r.requested),
                amount=r.amount,
                fee=r.fee,
                net=r.net,
                batch=r.batch,
                status=r.status,
            )
            for r in m.reconversions
        ],
        reconverted=m.reconverted,
        paid_out=m.paid_out,
        other=m.other,
        closing=m.closing,
        first_entry=m.first_entry,
        last_entry=m.last_entry,
        log_size=m.log_size,
        receipts_root=m.receipts_root,
    )


@router.get("/merchants/{number}/months/{month}", tags=["takings"])
def get_month(
    number: AccountNumber, month: MonthPath, uow: ReadingUnitOfWork, device: OptionalDevice
) -> MonthOut:
    """A local authority's (régie's) monthly statement: opening balance, each day's takings,
    reconversions, closing balance, tied to the log (its own key and the treasurer)."""
    access.regie_reader(uow, device, number)
    return _month_out(month_statement(uow, account=number, month=month))


@router.get(
    "/merchants/{number}/months/{month}/statement.csv", response_class=Response, tags=["takings"]
)
def get_month_csv(
    number: AccountNumber, month: MonthPath, uow: ReadingUnitOfWork, device: OptionalDevice
) -> Response:
    """The régie's monthly statement as a French CSV (`;`, decimal comma, UTF-8 with a BOM)."""
    access.regie_reader(uow, device, number)
    statement = month_statement(uow, account=number, month=month)
    name = f"sou-{number}-{statement.month}.csv"
    return Response(
        month_csv(statement),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
