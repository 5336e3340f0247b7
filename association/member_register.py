"""The members' register at the office and the console: find, correct, close.

A volunteer finds a member by name, contact or account number, corrects the name or contact
(the act says which fields changed, never their values: the trail of acts outlives an erasure),
and closes an account. An account closes only empty, as the ledger's rules say: its balance is
first reconverted (a merchant) or given to the association (the member's own signed transfer
from their phone); its devices are revoked with it, and erasure (association.members) may
follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from association.errors import AccountNotEmpty, InvalidMemberDetails
from ledger import holders
from ledger.acts import record_act
from ledger.admin import revoke_key, revoke_recovery_code, set_account_status
from ledger.errors import AccountNotOpen, UnknownAccount
from ledger.ports import LedgerUnitOfWork

MAX_NAME = 140
MAX_CONTACT = 254
STATUSES = ("open", "frozen", "closed")
MEMBER_KINDS = ("merchant", "resident")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 .\-]{5,19}")


def clean_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 for c in text if c not in "\t\n"):
        raise InvalidMemberDetails(f"a name is 1 to {MAX_NAME} characters", field="name")
    return name


def clean_contact(text: str | None) -> str | None:
    """An email address or a phone number, or nothing."""
    if text is None or not text.strip():
        return None
    contact = text.strip()
    if len(contact) > MAX_CONTACT or not (_EMAIL.fullmatch(contact) or _PHONE.fullmatch(contact)):
        raise InvalidMemberDetails(
            "a contact is an email address or a phone number", field="contact"
        )
    return contact


def find(
    uow: LedgerUnitOfWork,
    *,
    text: str | None,
    kind: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[holders.Member]]:
    kinds = (kind,) if kind else MEMBER_KINDS
    return holders.find_members(
        uow, text=text, kinds=kinds, status=status, limit=limit, offset=offset
    )


def member(uow: LedgerUnitOfWork, number: int) -> holders.Member:
    found = holders.find_members(uow, text=str(number), kinds=MEMBER_KINDS)[1]
    if not found:
        raise UnknownAccount(f"no member's account {number}", account=str(number))
    return found[0]


def edit(
    uow: LedgerUnitOfWork, *, number: int, name: str | None, contact: str | None
) -> holders.Member:
    """Corrects the holder's name and/or contact (`None`: unchanged; an empty contact: none)."""
    was = member(uow, number)
    if was.status == "closed":
        raise AccountNotOpen(f"account {number} is closed", account=str(number))
    new_name = was.name if name is None else clean_name(name)
    new_contact = was.contact if contact is None else clean_contact(contact)
    if new_name is None:
        raise InvalidMemberDetails("the member has no name yet: give one", field="name")
    changed = [
        field
        for field, old, new in (("name", was.name, new_name), ("contact", was.contact, new_contact))
        if old != new
    ]
    if changed:
        holders.set_holder(uow, number=number, name=new_name, contact=new_contact)
        record_act(uow, "member.edit", number, {"fields": changed})
    return member(uow, number)


@dataclass(frozen=True, slots=True)
class Closed:
    number: int
    devices_revoked: int


def close(uow: LedgerUnitOfWork, *, number: int, now: int, by: str | None = None) -> Closed:
    """Closes an empty member's account and revokes its devices."""
    was = member(uow, number)
    if was.status == "closed":
        raise AccountNotOpen(f"account {number} is already closed", account=str(number))
    if was.balance != 0:
        raise AccountNotEmpty(
            f"account {number} holds {was.balance} cents: reconvert them or give them to the"
            " association before closing it",
            account=str(number),
            balance=was.balance,
        )
    keys = [k for k in uow.reads.keys(account=number) if k.status == "active"]
    for key in keys:
        revoke_key(uow, kid=key.kid, now=now, by=by)
    revoke_recovery_code(uow, account=number, now=now, by=by)
    set_account_status(uow, number=number, status="closed", now=now)
    record_act(uow, "member.close", number, {"devices": len(keys)})
    return Closed(number, len(keys))
