"""What the record types' rules share: finding the accounts a record names, and who may sign."""

from __future__ import annotations

from collections.abc import Collection

from ledger.accounts import Account, Key
from ledger.domain.enums import AccountKind, Role, SystemName
from ledger.errors import InvalidTransfer, NotAuthorized, UnknownAccount
from ledger.state import LedgerState


def account(state: LedgerState, number: int) -> Account:
    found = state.accounts.get(number)
    if found is None:
        raise UnknownAccount(f"no account {number}", account=str(number))
    return found


def system(state: LedgerState, name: SystemName) -> Account:
    found = state.system_account(name)
    if found is None:
        raise UnknownAccount(f"the system account {name} does not exist", account=str(name))
    return found


def office(state: LedgerState, number: int) -> Account:
    found = account(state, number)
    if found.kind != AccountKind.OFFICE_CASH:
        raise InvalidTransfer(f"account {number} is not an exchange office")
    return found


def holder(state: LedgerState, number: int) -> Account:
    """A holder's account in the local unit (the only ones that pay and are paid)."""
    found = account(state, number)
    if not found.is_holder or found.unit != state.currency:
        raise InvalidTransfer(f"account {number} does not hold {state.currency}")
    return found


def authorise(key: Key, roles: Collection[Role], number: int | None) -> None:
    """`key` has one of `roles` and, if `number` is given, acts for that account."""
    if key.role not in roles:
        raise NotAuthorized(f"a {key.role} key may not sign this")
    if number is not None and key.account != number:
        raise NotAuthorized(f"key {key.kid} may not act for account {number}")


def operator(key: Key, roles: Collection[Role], office_number: int | None) -> None:
    """An operation of the reserve: `key` has one of `roles`, and an agent acts for the
    office the record names."""
    authorise(key, roles, None)
    if key.role == Role.AGENT and (office_number is None or key.account != office_number):
        raise NotAuthorized(f"key {key.kid} is not an agent of office {office_number}")
