"""The keys of this machine's operators: an office's agent and the association's treasurer.

`sou admin convert` records cash conversions signed by the agent key, as an office's tablet
would; `sou treasurer payouts` signs payouts with the treasurer key, as the treasurer's
laptop would. Each key lives in a file (mode 0600) and is created and enrolled on first use.
"""

from __future__ import annotations

from pathlib import Path

from ledger.admin import enrol_device, issue_enrolment_code, open_account
from ledger.ports import Ledger
from ledger.signing import SigningKey, create_key_file, load_key_file


def _local_key(ledger: Ledger, path: Path, *, kind: str, role: str) -> tuple[SigningKey, int]:
    """The key in `path` and its account, enrolling a new key for the first account of `kind`
    (opened if there is none) with `role`."""
    if path.exists():
        key = load_key_file(path)
        with ledger.unit_of_work(write=False) as uow:
            enrolled = uow.reads.keys(kids=[key.kid])
        if enrolled:
            return key, enrolled[0].account
    else:
        key = create_key_file(path)
    now = ledger.clock()
    ledger_kind = "office_cash" if kind == "office" else kind
    with ledger.unit_of_work() as uow:
        existing = uow.reads.accounts(kinds=[ledger_kind])
        account = existing[0].number if existing else open_account(uow, kind=kind, now=now)
        code = issue_enrolment_code(uow, account=account, role=role, now=now)
        enrol_device(uow, code=code, public_key=key.public_bytes, now=now, label=path.name)
        uow.commit()
    return key, account


def office_agent(ledger: Ledger, path: Path) -> tuple[SigningKey, int]:
    """The local agent key and its office account number, enrolling them if new."""
    return _local_key(ledger, path, kind="office", role="agent")


def association_treasurer(ledger: Ledger, path: Path) -> tuple[SigningKey, int]:
    """The local treasurer key and the association's account number, enrolling them if new."""
    return _local_key(ledger, path, kind="association", role="treasurer")
