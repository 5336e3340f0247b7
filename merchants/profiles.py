"""Merchant onboarding: the application, the treasurer's approval, and the profile.

An application opens the merchant's ledger account and freezes it at once (both are ledger
records, so the log shows that the account could not be paid before approval); approval
reopens it. The profile (legal name, address, activity, IBAN) is personal data kept outside
the log. A CAE (coopérative d'activité et d'emploi) is one merchant whose entrepreneurs each
get an account of their own, with the CAE as `parent`: their treasuries stay separate, and
only the CAE's own keys see the consolidated view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from ledger.acts import record_act
from ledger.admin import open_account, set_account_status
from ledger.context import LedgerUnitOfWork
from ledger.errors import FormatError
from merchants.errors import MerchantNotApproved, UnknownMerchant
from merchants.iban import bank_details
from merchants.reconversion import merchant_kind
from merchants.tables import MERCHANTS

M = MERCHANTS


@dataclass(frozen=True, slots=True)
class Application:
    kind: str
    legal_name: str
    address: str
    activity: str
    iban: str
    bic: str | None = None
    parent: int | None = None  # the CAE, for an entrepreneur
    analytic_code: str | None = None
    closing_minutes: int = 0  # local time (minutes after midnight) the business day ends


@dataclass(frozen=True, slots=True)
class Profile:
    account: int
    kind: str
    parent: int | None
    analytic_code: str | None
    legal_name: str
    address: str
    activity: str
    iban: str
    bic: str | None
    status: str
    closing_minutes: int
    membership_paid_until: dt.date | None

    @property
    def closing(self) -> tuple[int, int]:
        return divmod(self.closing_minutes, 60)

    def membership_paid(self, on: dt.date) -> bool:
        return self.membership_paid_until is not None and on <= self.membership_paid_until


def _text(name: str, value: str, limit: int) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > limit:
        raise FormatError(f"{name} is required, at most {limit} characters", field=name)
    return value


def _closing(minutes: int) -> int:
    if type(minutes) is not int or not 0 <= minutes < 24 * 60:
        raise FormatError("the closing time is 0 to 1439 minutes after midnight")
    return minutes


def apply_merchant(uow: LedgerUnitOfWork, *, application: Application, now: int) -> int:
    """Registers an application: a frozen merchant account and a pending profile."""
    a = application
    kind = merchant_kind(a.kind).value
    details = bank_details(a.iban, a.bic)
    if a.parent is not None:
        cae = merchant_profile(uow, account=a.parent)
        if cae.kind != "cae" or cae.parent is not None or kind != "cae":
            raise FormatError("an entrepreneur (kind cae) has a CAE as parent", field="parent")
        if not a.analytic_code:
            raise FormatError("an entrepreneur of a CAE needs an analytic code")
    legal_name = _text("legal_name", a.legal_name, 140)
    values: dict[str, object] = {
        "kind": kind,
        "parent": a.parent,
        "analytic_code": _text("analytic_code", a.analytic_code, 20) if a.analytic_code else None,
        "legal_name": legal_name,
        "address": _text("address", a.address, 1000),
        "activity": _text("activity", a.activity, 140),
        "iban": details.iban,
        "bic": details.bic,
        "status": "pending",
        "closing_minutes": _closing(a.closing_minutes),
        "membership_paid_until": None,
        "applied": now,
        "approved": None,
    }
    account = open_account(uow, kind="merchant", now=now, holder_name=legal_name)
    set_account_status(uow, number=account, status="frozen", now=now)
    uow.connection.execute(insert(M).values(account=account, **values))
    return account


def approve_merchant(uow: LedgerUnitOfWork, *, account: int, now: int) -> None:
    """The treasurer approves a pending merchant: its account opens to payments."""
    profile = merchant_profile(uow, account=account)
    if profile.status == "approved":
        raise FormatError(f"merchant {account} is already approved")
    if profile.parent is not None:
        parent = merchant_profile(uow, account=profile.parent)
        if parent.status != "approved":
            raise MerchantNotApproved(f"the CAE {parent.account} is not approved yet")
    set_account_status(uow, number=account, status="open", now=now)
    uow.connection.execute(
        update(M).where(M.c.account == account).values(status="approved", approved=now)
    )
    record_act(uow, "merchant.approve", account)


def record_membership(uow: LedgerUnitOfWork, *, account: int, paid_until: dt.date) -> None:
    """The association records the merchant's membership fee as paid until `paid_until`."""
    merchant_profile(uow, account=account)
    uow.connection.execute(
        update(M).where(M.c.account == account).values(membership_paid_until=paid_until.isoformat())
    )
    record_act(uow, "merchant.membership", account, {"paid_until": paid_until.isoformat()})


def set_closing(uow: LedgerUnitOfWork, *, account: int, minutes: int) -> None:
    merchant_profile(uow, account=account)
    uow.connection.execute(
        update(M).where(M.c.account == account).values(closing_minutes=_closing(minutes))
    )
    record_act(uow, "merchant.closing", account, {"minutes": minutes})


def merchant_profile(uow: LedgerUnitOfWork, *, account: int) -> Profile:
    row = uow.connection.execute(select(M).where(M.c.account == account)).first()
    if row is None:
        raise UnknownMerchant(f"no merchant {account}", account=str(account))
    paid = row.membership_paid_until
    return Profile(
        account=row.account,
        kind=row.kind,
        parent=row.parent,
        analytic_code=row.analytic_code,
        legal_name=row.legal_name,
        address=row.address,
        activity=row.activity,
        iban=row.iban,
        bic=row.bic,
        status=row.status,
        closing_minutes=row.closing_minutes,
        membership_paid_until=dt.date.fromisoformat(paid) if paid else None,
    )


def entrepreneurs(uow: LedgerUnitOfWork, *, cae: int) -> list[Profile]:
    """The entrepreneurs of a CAE, by account number."""
    rows = uow.connection.execute(
        select(M.c.account).where(M.c.parent == cae).order_by(M.c.account)
    ).all()
    return [merchant_profile(uow, account=row.account) for row in rows]
