"""Who may read or do what, beyond what signatures prove: one place for every route's rule.

Signed records carry their own authority (the ledger's rules judge the signer's role and
account). Reads and the association's settings are authorised here, by the bearer token's
device: its account and its role.
"""

from __future__ import annotations

import datetime as dt

from association.auditors import admit
from ledger.accounts import Key
from ledger.errors import AuthenticationError, NotAuthorized
from ledger.ports import LedgerUnitOfWork
from merchants.days import business_day_of
from merchants.profiles import Profile, merchant_profile


def signed_in(device: Key | None) -> Key:
    if device is None:
        raise AuthenticationError("a bearer token of a device is needed")
    return device


def treasurer(device: Key | None) -> Key:
    """The association's treasurer (settings, approvals, payouts)."""
    key = signed_in(device)
    if key.role != "treasurer":
        raise NotAuthorized("only the association's treasurer may do this")
    return key


def office_reader(device: Key | None, office: int) -> Key:
    """An exchange office's cash is read by its own agents and by the treasurer."""
    key = signed_in(device)
    if key.role == "treasurer" or (key.role == "agent" and key.account == office):
        return key
    raise NotAuthorized(f"key {key.kid} may not read the figures of office {office}")


def cosigner(uow: LedgerUnitOfWork, device: Key | None) -> Key:
    """A reserve statement is cosigned by the treasurer's key or an auditor's, in its window."""
    key = signed_in(device)
    if key.role not in ("treasurer", "auditor"):
        raise NotAuthorized("only the treasurer or an auditor may cosign a reserve statement")
    return audit_reader(uow, key)


def auditor(uow: LedgerUnitOfWork, device: Key | None) -> Key:
    """An auditor's key, inside the window the treasurer granted it (403 outside)."""
    key = signed_in(device)
    if key.role != "auditor":
        raise NotAuthorized("only an auditor's key may do this")
    admit(uow, key=key, now=uow.ledger.clock())
    return key


def audit_reader(uow: LedgerUnitOfWork, device: Key | None) -> Key:
    """The books, the log and the reserve's figures, read-only: the treasurer, or an auditor
    inside the window the treasurer granted it (through `wallet_api.deps.AuditReader`,
    which logs an auditor's every request)."""
    key = signed_in(device)
    if key.role == "treasurer":
        return key
    if key.role == "auditor":
        return auditor(uow, key)
    raise NotAuthorized("only the treasurer or an auditor may read the books")


def balance_holder(device: Key | None, account: int) -> Key:
    """A holder's own key (resident, merchant, the association's treasurer): not a till."""
    key = signed_in(device)
    if key.account != account or key.role not in ("resident", "merchant", "treasurer"):
        raise NotAuthorized(f"key {key.kid} may not read the balance of account {account}")
    return key


def account_owner(device: Key | None, account: int) -> Key:
    """A device of the account itself (its top-up details, …)."""
    key = signed_in(device)
    if key.account != account:
        raise NotAuthorized("a device reads only its own account's details")
    return key


def merchant_reader(
    uow: LedgerUnitOfWork, device: Key | None, account: int, date: dt.date | None = None
) -> Profile:
    """A merchant's takings are read by its own merchant key, its tills (today only), and
    the merchant key of its CAE; never by another entrepreneur or anyone else."""
    key = signed_in(device)
    profile = merchant_profile(uow, account=account)
    if key.account == account and key.role == "merchant":
        return profile
    if key.account == account and key.role == "cashier":
        today = business_day_of(profile, uow.ledger.clock())
        if date is None or date == today:
            return profile
        raise NotAuthorized("a till sees today's takings only")
    if profile.parent is not None and key.account == profile.parent and key.role == "merchant":
        return profile
    raise NotAuthorized(f"key {key.kid} may not read the takings of account {account}")


def merchant_owner(uow: LedgerUnitOfWork, device: Key | None, account: int) -> Profile:
    """The merchant's own key: closing days, exports, reconversion quotes."""
    key = signed_in(device)
    profile = merchant_profile(uow, account=account)
    if key.account != account or key.role != "merchant":
        raise NotAuthorized(f"only the merchant key of account {account} may do this")
    return profile


def regie_reader(uow: LedgerUnitOfWork, device: Key | None, account: int) -> Profile:
    """A local authority's monthly statements (aggregates, never payers): its own merchant
    key and the association's treasurer."""
    key = signed_in(device)
    if key.role == "treasurer":
        return merchant_profile(uow, account=account)
    return merchant_owner(uow, key, account)
