"""The auditor's time-boxed, read-only access, and the log of every request it made.

The treasurer grants an auditor's key (enrolled with the role ``auditor``) a window of some
days from now; a new grant replaces the previous window (to shorten or extend it). The key
reads the association's books and the log only inside its window. Every request an auditor
key makes to the audit routes, allowed or refused, is kept in ``auditor_visits`` with its
method, path, HTTP status and time, for the association's board to review. Grants and visits
are the association's records, not the ledger's: they are not in the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from association.errors import (
    AuditAccessExpired,
    AuditAccessNotGranted,
    InvalidGrant,
    NotAnAuditorKey,
)
from association.tables import AUDITOR_GRANTS, AUDITOR_VISITS
from ledger.accounts import Key
from ledger.acts import record_act
from ledger.errors import UnknownKey
from ledger.ports import LedgerUnitOfWork

__all__ = [
    "MAX_DAYS",
    "Access",
    "Grant",
    "Visit",
    "accesses",
    "admit",
    "close",
    "grant",
    "record_visit",
    "visits",
]

MAX_DAYS = 366
DAY = 86_400
MAX_PATH = 2_000  # a visit keeps this many characters of the path at most


@dataclass(frozen=True, slots=True)
class Grant:
    kid: str
    granted: int  # Unix seconds
    expires: int


@dataclass(frozen=True, slots=True)
class Visit:
    kid: str
    at: int
    method: str
    path: str
    status: int


def grant(uow: LedgerUnitOfWork, *, kid: str, days: int, now: int) -> Grant:
    """Opens the key's window from `now` for `days` days, replacing any earlier one."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidGrant(f"an auditor's window lasts 1 to {MAX_DAYS} days, not {days}")
    found = uow.reads.keys(kids=[kid])
    if not found:
        raise UnknownKey(f"no key {kid} is enrolled", kid=kid)
    key = found[0]
    if key.role != "auditor" or key.status != "active":
        raise NotAnAuditorKey(f"key {kid} is a {key.status} {key.role} key, not an auditor's")
    made = Grant(kid, now, now + days * DAY)
    conn = uow.connection
    conn.execute(delete(AUDITOR_GRANTS).where(AUDITOR_GRANTS.c.kid == kid))
    conn.execute(insert(AUDITOR_GRANTS).values(kid=kid, granted=made.granted, expires=made.expires))
    record_act(uow, "auditor.grant", kid, {"days": days, "until": made.expires})
    return made


@dataclass(frozen=True, slots=True)
class Access:
    """An auditor's key on the association's accounts, and its window if one was granted."""

    kid: str
    label: str | None
    status: str  # the key's: active, revoked
    granted: int | None
    expires: int | None


def accesses(uow: LedgerUnitOfWork, *, kids: list[str] | None = None) -> list[Access]:
    """The auditor keys among `kids`, or else those enrolled on the association's accounts,
    with their windows, by kid."""
    if kids is not None:
        found = uow.reads.keys(kids=kids)
    else:
        numbers = [a.number for a in uow.reads.accounts(kinds=["association"])]
        found = [k for n in numbers for k in uow.reads.keys(account=n)]
    keys = [k for k in found if k.role == "auditor"]
    rows = {r.kid: r for r in uow.connection.execute(select(AUDITOR_GRANTS))}
    return [
        Access(
            k.kid,
            k.label,
            k.status,
            rows[k.kid].granted if k.kid in rows else None,
            rows[k.kid].expires if k.kid in rows else None,
        )
        for k in sorted(keys, key=lambda k: k.kid)
    ]


def close(uow: LedgerUnitOfWork, *, kid: str) -> bool:
    """Ends the key's window now (it reads nothing more until a new grant); False if none
    was open, and then nothing is recorded."""
    found = uow.reads.keys(kids=[kid])
    if not found:
        raise UnknownKey(f"no key {kid} is enrolled", kid=kid)
    if found[0].role != "auditor":
        raise NotAnAuditorKey(f"key {kid} is a {found[0].role} key, not an auditor's")
    gone = uow.connection.execute(delete(AUDITOR_GRANTS).where(AUDITOR_GRANTS.c.kid == kid))
    if not gone.rowcount:
        return False
    record_act(uow, "auditor.close", kid)
    return True


def admit(uow: LedgerUnitOfWork, *, key: Key, now: int) -> Grant:
    """The window that lets this auditor key read now; refused outside of it."""
    if key.role != "auditor" or key.status != "active":
        raise NotAnAuditorKey(f"key {key.kid} is not an active auditor's key")
    row = uow.connection.execute(
        select(AUDITOR_GRANTS).where(AUDITOR_GRANTS.c.kid == key.kid)
    ).first()
    if row is None:
        raise AuditAccessNotGranted(f"the treasurer granted key {key.kid} no access", kid=key.kid)
    if not row.granted <= now < row.expires:
        raise AuditAccessExpired(
            f"key {key.kid} may read from {row.granted} until {row.expires} only", kid=key.kid
        )
    return Grant(row.kid, row.granted, row.expires)


def record_visit(
    uow: LedgerUnitOfWork, *, kid: str, method: str, path: str, status: int, now: int
) -> None:
    uow.connection.execute(
        insert(AUDITOR_VISITS).values(
            kid=kid, at=now, method=method[:10], path=path[:MAX_PATH], status=status
        )
    )


def visits(uow: LedgerUnitOfWork, *, kid: str | None = None, limit: int = 1000) -> list[Visit]:
    """The auditors' requests, newest first (of one key if `kid` is given)."""
    query = select(AUDITOR_VISITS).order_by(AUDITOR_VISITS.c.id.desc()).limit(limit)
    if kid is not None:
        query = query.where(AUDITOR_VISITS.c.kid == kid)
    return [Visit(r.kid, r.at, r.method, r.path, r.status) for r in uow.connection.execute(query)]
