"""Numbers handed out in order: accounts, offices, payout batches, bank and reserve statements.

Each is the one after the highest taken in its range, read inside the writer's transaction:
two writers that read the same highest number collide on the primary key, and the second's
unit of work is refused whole, so that nothing is numbered twice or half-written. (Numbered
here, not by the database: SQLite does not autoincrement a BIGINT key.)
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, func, select

from ledger.errors import NumbersExhausted


def next_number(
    connection: Connection, column: Column[int], *, first: int = 1, last: int | None = None
) -> int:
    """The number after the highest of `column` between `first` and `last` (`first` if none)."""
    taken = column >= first if last is None else column.between(first, last)
    highest = connection.execute(select(func.max(column)).where(taken)).scalar()
    number = max(highest or 0, first - 1) + 1
    if last is not None and number > last:
        raise NumbersExhausted(f"every number from {first} to {last} is taken")
    return number
