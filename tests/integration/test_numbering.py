"""Numbers handed out in order (ledger.numbering): the next after the highest in a range, and a
clear refusal, not a number of another range, when the range is full."""

from __future__ import annotations

import pytest

from ledger.accounts import FIRST_HOLDER, FIRST_OFFICE
from ledger.admin import open_account
from ledger.errors import NumbersExhausted
from ledger.numbering import next_number
from ledger.persistence.tables import ACCOUNTS
from tests.support import World


def test_accounts_and_offices_are_numbered_in_their_own_ranges(world: World) -> None:
    with world.ledger.unit_of_work() as uow:
        holder_next = next_number(uow.connection, ACCOUNTS.c.number, first=FIRST_HOLDER)
        office_next = next_number(
            uow.connection, ACCOUNTS.c.number, first=FIRST_OFFICE, last=FIRST_HOLDER - 1
        )
        assert open_account(uow, kind="resident", now=world.now) == holder_next
        assert open_account(uow, kind="office", now=world.now) == office_next
        assert next_number(uow.connection, ACCOUNTS.c.number, first=FIRST_HOLDER) == holder_next + 1
        assert FIRST_OFFICE <= office_next < FIRST_HOLDER <= holder_next
        assert next_number(uow.connection, ACCOUNTS.c.number, first=10**9) == 10**9  # none yet


def test_a_full_range_is_refused(world: World) -> None:
    with world.ledger.unit_of_work() as uow:
        office = open_account(uow, kind="office", now=world.now)
        with pytest.raises(NumbersExhausted, match=f"from {FIRST_OFFICE} to {office}"):
            next_number(uow.connection, ACCOUNTS.c.number, first=FIRST_OFFICE, last=office)
