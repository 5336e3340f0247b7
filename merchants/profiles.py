"""Merchant onboarding: the application, the treasurer's approval, and the profile.

An application opens the merchant's ledger account and freezes it at once (both are ledger
records, so the log shows that the account could not be paid before approval); approval
reopens it. The profile (legal name, address, activity, IBAN) is personal data kept outside
the log. A CAE (coopérative d'activité et d'emploi) is one merchant whose entrepreneurs each
get an account of their own, with the CAE as `parent`: their treasuries stay separate, and
only the CAE's own keys see the consolidated view.

The treasurer decides an application once: approved, or refused with a reason said to the
applicant. The card (address, activity, IBAN, closing time, the map's coordinates) is edited
later, each edit one act that lists the fields changed, from what to what (the IBAN masked).
A till's refund limit is not on the card: it is signed into the till's `key` record in the
log, so a new limit is a new till code (`new_till_code`), and the old till key is revoked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from ledger.acts import record_act
from ledger.admin import account_devices, issue_enrolment_code, open_account, set_account_status
from ledger.context import LedgerUnitOfWork
from ledger.errors import FormatError
from merchants.errors import MerchantAlreadyDecided, MerchantNotApproved, UnknownMerchant
from merchants.iban import bank_details, mask_iban
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
    applied: int = 0
    refused: int | None = None  # when the treasurer refused the application
    refusal_reason: str | None = None
    latitude_e6: int | None = None  # the map's coordinates, in microdegrees
    longitude_e6: int | None = None

    @property
    def decision(self) -> str:
        """`pending`, `approved` or `refused`: where the application stands."""
        return "refused" if self.refused is not None else self.status

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


def _undecided(uow: LedgerUnitOfWork, account: int) -> Profile:
    profile = merchant_profile(uow, account=account)
    if profile.decision != "pending":
        raise MerchantAlreadyDecided(
            f"merchant {account} is already {profile.decision}", decision=profile.decision
        )
    return profile


def approve_merchant(uow: LedgerUnitOfWork, *, account: int, now: int) -> None:
    """The treasurer approves a pending merchant: its account opens to payments."""
    profile = _undecided(uow, account)
    if profile.parent is not None:
        parent = merchant_profile(uow, account=profile.parent)
        if parent.status != "approved":
            raise MerchantNotApproved(f"the CAE {parent.account} is not approved yet")
    set_account_status(uow, number=account, status="open", now=now)
    uow.connection.execute(
        update(M).where(M.c.account == account).values(status="approved", approved=now)
    )
    record_act(uow, "merchant.approve", account)


def refuse_merchant(uow: LedgerUnitOfWork, *, account: int, reason: str, now: int) -> None:
    """The treasurer refuses a pending application, with the reason the applicant is told;
    its account stays frozen and it never shows in the directory."""
    _undecided(uow, account)
    reason = _text("reason", reason, 280)
    uow.connection.execute(
        update(M).where(M.c.account == account).values(refused=now, refusal_reason=reason)
    )
    record_act(uow, "merchant.refuse", account, {"reason": reason})


DECISIONS = ("pending", "approved", "refused")


def applications(uow: LedgerUnitOfWork, *, decision: str) -> list[Profile]:
    """The merchants whose application stands at `decision`, oldest application first."""
    if decision not in DECISIONS:
        raise FormatError(f"the status is one of {', '.join(DECISIONS)}", field="status")
    query = select(M.c.account).order_by(M.c.applied, M.c.account)
    if decision == "refused":
        query = query.where(M.c.refused.is_not(None))
    else:
        query = query.where(M.c.status == decision, M.c.refused.is_(None))
    rows = uow.connection.execute(query).all()
    return [merchant_profile(uow, account=row.account) for row in rows]


@dataclass(frozen=True, slots=True)
class CardChange:
    """What the treasurer changes on a merchant's card: None leaves a field as it is.
    Coordinates go together (both, in microdegrees); `clear_position` removes them."""

    address: str | None = None
    activity: str | None = None
    iban: str | None = None
    bic: str | None = None
    closing_minutes: int | None = None
    latitude_e6: int | None = None
    longitude_e6: int | None = None
    clear_position: bool = False


def _position(lat: int, lon: int) -> tuple[int, int]:
    if type(lat) is not int or type(lon) is not int:
        raise FormatError("coordinates are integers of microdegrees", field="latitude_e6")
    if not (-90_000_000 <= lat <= 90_000_000 and -180_000_000 <= lon <= 180_000_000):
        raise FormatError("latitude is ±90°, longitude ±180°", field="latitude_e6")
    return lat, lon


def edit_card(uow: LedgerUnitOfWork, *, account: int, change: CardChange) -> dict[str, object]:
    """Applies `change` to the merchant's card; records one `merchant.card` act listing each
    field changed, old → new (IBANs masked). Every value is checked before anything is
    written. Returns the act's detail (empty when nothing changed: no act)."""
    c = change
    old = merchant_profile(uow, account=account)
    values: dict[str, object] = {}
    if c.address is not None:
        values["address"] = _text("address", c.address, 1000)
    if c.activity is not None:
        values["activity"] = _text("activity", c.activity, 140)
    if c.iban is not None or c.bic is not None:
        details = bank_details(c.iban if c.iban is not None else old.iban, c.bic)
        values["iban"] = details.iban
        values["bic"] = details.bic
    if c.closing_minutes is not None:
        values["closing_minutes"] = _closing(c.closing_minutes)
    if (c.latitude_e6 is None) != (c.longitude_e6 is None) or (
        c.clear_position and c.latitude_e6 is not None
    ):
        raise FormatError("give both coordinates, or clear them", field="latitude_e6")
    if c.latitude_e6 is not None and c.longitude_e6 is not None:
        values["latitude_e6"], values["longitude_e6"] = _position(c.latitude_e6, c.longitude_e6)
    if c.clear_position:
        values["latitude_e6"] = values["longitude_e6"] = None
    changed: dict[str, object] = {}
    for name, new in values.items():
        was = getattr(old, name)
        if new == was:
            continue
        if name == "iban":
            changed[name] = {"from": mask_iban(str(was)), "to": mask_iban(str(new))}
        else:
            changed[name] = {"from": was, "to": new}
    if not changed:
        return {}
    uow.connection.execute(
        update(M).where(M.c.account == account).values({k: values[k] for k in changed})
    )
    detail: dict[str, object] = {"changed": changed}
    record_act(uow, "merchant.card", account, detail)
    return detail


@dataclass(frozen=True, slots=True)
class Till:
    """A till (cashier key) of a merchant, with the refund limit its key record signs."""

    kid: str
    label: str | None
    status: str
    refund_limit: int | None
    enrolled: int


def tills(uow: LedgerUnitOfWork, *, account: int) -> list[Till]:
    """The merchant's tills, newest first."""
    merchant_profile(uow, account=account)
    found = []
    for d in account_devices(uow, account=account):
        if d.role != "cashier":
            continue
        key = uow.reads.key(d.kid)
        limit = None if key is None else key.refund_limit
        found.append(Till(d.kid, d.label, d.status, limit, d.enrolled))
    return found


def new_till_code(
    uow: LedgerUnitOfWork, *, account: int, refund_limit: int, now: int, issued_by: str | None
) -> str:
    """A one-time code for a new till of an approved merchant, whose key record will sign
    `refund_limit` (cents a day). To change a till's limit, enrol a new one and revoke it."""
    if merchant_profile(uow, account=account).decision != "approved":
        raise MerchantNotApproved(f"merchant {account} is not approved")
    if type(refund_limit) is not int or not 0 <= refund_limit <= 10**9:
        raise FormatError("the refund limit is 0 to 10 000 000,00 in cents", field="refund_limit")
    return issue_enrolment_code(
        uow,
        account=account,
        role="cashier",
        now=now,
        refund_limit=refund_limit,
        issued_by=issued_by,
    )


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
        applied=row.applied,
        refused=row.refused,
        refusal_reason=row.refusal_reason,
        latitude_e6=row.latitude_e6,
        longitude_e6=row.longitude_e6,
    )


def entrepreneurs(uow: LedgerUnitOfWork, *, cae: int) -> list[Profile]:
    """The entrepreneurs of a CAE, by account number."""
    rows = uow.connection.execute(
        select(M.c.account).where(M.c.parent == cae).order_by(M.c.account)
    ).all()
    return [merchant_profile(uow, account=row.account) for row in rows]
