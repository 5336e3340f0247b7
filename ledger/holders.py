"""The members' register: finding account holders and correcting their name and contact.

Names and contacts live in `holders`, beside the signed log (ledger.erasure), so they can be
corrected (GDPR art. 16) without touching a record. A search matches the name or the contact
without regard to case or accents ("elodie" finds "Élodie"): the filter on the text runs here,
over the holders the other criteria leave, which an association's few thousand members allow.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select, update

from ledger.context import LedgerUnitOfWork
from ledger.persistence.tables import ACCOUNTS, HOLDERS
from ledger.read_models import contact_of, detail_with

A = ACCOUNTS
H = HOLDERS


@dataclass(frozen=True, slots=True)
class Member:
    number: int
    kind: str
    status: str
    balance: int
    name: str | None  # None once erased
    contact: str | None


def folded(text: str) -> str:
    """`Élodie  MARTIN` → `elodie martin`: what a search compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def find_members(
    uow: LedgerUnitOfWork,
    *,
    text: str | None = None,
    kinds: tuple[str, ...] = ("resident", "merchant"),
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Member]]:
    """The holders whose name or contact holds `text` (or whose number is `text`), of these
    kinds and status, by account number: how many match, and the page asked for."""
    query = (
        select(A.c.number, A.c.kind, A.c.status, (A.c.credits - A.c.debits).label("balance"))
        .add_columns(H.c.name, H.c.detail)
        .select_from(A.outerjoin(H, H.c.account == A.c.number))
        .where(A.c.kind.in_(kinds))
        .order_by(A.c.number)
    )
    if status is not None:
        query = query.where(A.c.status == status)
    wanted = folded(text or "")
    if wanted.isdigit():
        query = query.where(A.c.number == int(wanted))
        wanted = ""
    rows = [
        Member(int(r.number), r.kind, r.status, int(r.balance), r.name, contact_of(r.detail))
        for r in uow.connection.execute(query)
    ]
    if wanted:
        rows = [m for m in rows if wanted in folded(f"{m.name or ''} {m.contact or ''}")]
    return len(rows), rows[offset : offset + limit]


def set_holder(uow: LedgerUnitOfWork, *, number: int, name: str, contact: str | None) -> None:
    """Replaces the name and contact of account `number`'s holder (inserted if it had none)."""
    conn = uow.connection
    was = conn.execute(select(H.c.detail).where(H.c.account == number)).first()
    if was is None:
        conn.execute(
            H.insert().values(account=number, name=name, detail=detail_with(None, contact))
        )
    else:
        detail = detail_with(was.detail, contact)
        conn.execute(update(H).where(H.c.account == number).values(name=name, detail=detail))
