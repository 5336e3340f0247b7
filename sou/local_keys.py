"""The exchange office of this machine: a key file enrolled as the agent of an office.

`sou admin convert` records cash conversions signed by this key, like an office's tablet
would. The key is created and enrolled (for the first office, opened if needed) on first use.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ledger.admin import enrol_device, issue_enrolment_code, open_account
from ledger.context import Ledger
from ledger.persistence.tables import ACCOUNTS, KEYS
from ledger.signing import SigningKey, create_key_file, load_key_file


def office_agent(ledger: Ledger, path: Path) -> tuple[SigningKey, int]:
    """The local agent key and its office account number, enrolling them if new."""
    if path.exists():
        key = load_key_file(path)
        with ledger.engine.connect() as conn:
            office = conn.execute(select(KEYS.c.account).where(KEYS.c.kid == key.kid)).scalar()
        if office is not None:
            return key, int(office)
    else:
        key = create_key_file(path)
    now = ledger.clock()
    with ledger.unit_of_work() as uow:
        office = uow.connection.execute(
            select(ACCOUNTS.c.number).where(ACCOUNTS.c.kind == "office_cash").limit(1)
        ).scalar()
        if office is None:
            office = open_account(uow, kind="office", now=now)
        code = issue_enrolment_code(uow, account=int(office), role="agent", now=now)
        enrol_device(uow, code=code, public_key=key.public_bytes, now=now, label=path.name)
        uow.commit()
    return key, int(office)
