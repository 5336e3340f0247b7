"""Erasing the personal data the ledger keeps beside its log (GDPR art. 17).

A holder's name and contact (`holders`), the devices' labels (`keys`) and the memos' texts
(`memos`) are outside the signed log, so they can be removed while every record, leaf and
proof stays valid. `association.members` decides when (a closed account, a member's request)
and records the act; these are the writes to the ledger's tables it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from ledger.context import LedgerUnitOfWork
from ledger.persistence.tables import HOLDERS, KEYS, MEMOS, POSTINGS


@dataclass(frozen=True, slots=True)
class ErasedData:
    holder: int  # rows removed: 1 if the account had a holder
    devices: int  # device labels removed
    memos: int  # memos of the account's movements removed


def erase_account_data(uow: LedgerUnitOfWork, *, number: int) -> ErasedData:
    """Removes the holder of account `number`, its devices' labels and its movements' memos."""
    conn = uow.connection
    holder = conn.execute(delete(HOLDERS).where(HOLDERS.c.account == number)).rowcount
    devices = conn.execute(
        update(KEYS).where(KEYS.c.account == number, KEYS.c.label.is_not(None)).values(label=None)
    ).rowcount
    mine = select(POSTINGS.c.entry).where(
        (POSTINGS.c.debit == number) | (POSTINGS.c.credit == number)
    )
    memos = conn.execute(delete(MEMOS).where(MEMOS.c.entry.in_(mine.scalar_subquery()))).rowcount
    return ErasedData(holder, devices, memos)


def erase_memo(uow: LedgerUnitOfWork, *, entry: int) -> bool:
    """Removes the memo of entry `entry`; False if it has none (or none any more)."""
    erased = uow.connection.execute(delete(MEMOS).where(MEMOS.c.entry == entry)).rowcount
    return bool(erased)
