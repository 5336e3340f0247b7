"""Who did what: every administrative act (an account opened or frozen, an enrolment code
issued, a key revoked, a fee rule, a merchant approved, a payout batch approved or executed,
an auditor's window, a bank statement imported or a line matched, a reserve statement
published or cosigned) is a row of `admin_acts`, written in the act's own unit of work, with
the actor: `key <kid>` for a signed-in device, `shell:<user>` for `sou` on the server, or
`server` for the service itself (the pilot's loader, a migration). The table is append-only
(triggers), and the treasurer and an auditor in its window read it (`GET /v1/audit/acts`,
`sou admin acts`). Acts that are records of the signed log besides (a key's `issued_by`, a
payout's signer) are named there too."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import insert, select

from ledger.context import LedgerUnitOfWork
from ledger.persistence.tables import ADMIN_ACTS

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class Act:
    id: int
    at: int
    actor: str
    act: str
    subject: str
    detail: dict[str, object]


def record_act(
    uow: LedgerUnitOfWork, act: str, subject: object, detail: Mapping[str, object] | None = None
) -> None:
    """Records an act in `uow`, by its actor (it lands or not with the act)."""
    uow.connection.execute(
        insert(ADMIN_ACTS).values(
            at=uow.ledger.clock(),
            actor=uow.actor()[:80],
            act=act,
            subject=str(subject)[:80],
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
        )
    )


def acts(
    uow: LedgerUnitOfWork,
    *,
    before: int | None = None,
    limit: int | None = 50,
    subject: str | None = None,
) -> list[Act]:
    """The acts, newest first, strictly before act `before` if given, on `subject` only if
    given; at most `limit` (at most MAX_PAGE), or all of them with `limit=None`."""
    query = select(ADMIN_ACTS).order_by(ADMIN_ACTS.c.id.desc())
    if limit is not None:
        query = query.limit(min(limit, MAX_PAGE))
    if before is not None:
        query = query.where(ADMIN_ACTS.c.id < before)
    if subject is not None:
        query = query.where(ADMIN_ACTS.c.subject == subject)
    return [
        Act(r.id, r.at, r.actor, r.act, r.subject, json.loads(r.detail))
        for r in uow.connection.execute(query)
    ]
