"""The first pilot's demo data: a cooperative (CAE) whose entrepreneurs are the merchants.

`load_pilot` peoples an empty ledger with the currency association (its treasurer), two
exchange offices, the CAE (an approved merchant) and its entrepreneurs (each an approved
merchant of the CAE with an analytic code, a merchant key and a till), and residents, then
plays months of realistic activity day by day: cash and bank conversions, paper notes issued
and exchanged, payments at the tills (payment requests) and at the printed stickers, between
merchants, refunds by the tills, cash deposits at the bank, each merchant closing its
business day with a declared total, and monthly reconversions approved by the treasurer in a
batch with its SEPA file. At each month end the bank's camt.053 statement of each reserve
account is imported and matched (`sou.pilot.bank`): the console's reserve check then shows
lines matched, movements in transit and the bank's own lines to resolve. Every record is
signed by a generated device key through the same use cases as the service, so the demo log
verifies like a real one.
"""

from __future__ import annotations

import random

from ledger.accounts import HOLDER_KINDS
from ledger.errors import PilotError
from ledger.ports import Ledger
from ledger.transparency import latest_checkpoint
from merchants.payouts import set_fee_rule
from merchants.reconversion import FeeRule
from sou.pilot.activity import close_days, daytime, evening, morning
from sou.pilot.bank import bank_statements, open_bank
from sou.pilot.cast import Pilot, people

DAY = 86_400


def is_empty(ledger: Ledger) -> bool:
    """Whether the ledger holds no account but its system accounts (no office, no holder)."""
    with ledger.unit_of_work(write=False) as uow:
        return not uow.reads.kind_totals(("office_cash", *HOLDER_KINDS))


def load_pilot(ledger: Ledger, *, residents: int = 50, months: int = 3, seed: int = 2026) -> str:
    """Loads the pilot into `ledger`, empty but for its genesis; returns a summary.

    The pilot's history is dated in the past, so it can only go into an empty ledger: a log's
    records are in the order they were accepted, and time does not run backwards.
    """
    if not is_empty(ledger):
        raise PilotError("the ledger already holds accounts: the pilot goes into an empty one")
    days = months * 30
    start = (ledger.clock() // DAY - days) * DAY
    pilot = Pilot(ledger, random.Random(seed), start + 8 * 3600)
    with ledger.unit_of_work() as uow:
        rule = FeeRule.from_percent("cae", "2,5 %", minimum=20_00)
        set_fee_rule(uow, rule=rule, membership_required=True, now=pilot.now)
        uow.commit()
    people(pilot, residents)
    bank = open_bank(pilot)
    payments_per_day = residents * 5 / 30  # about five payments a resident a month
    for day in range(days):
        base = start + day * DAY
        for hour in (9, 13, 18):
            pilot.now = base + hour * 3600
            if hour == 9:
                records = morning(pilot, day)
            elif hour == 13:
                records = daytime(pilot, payments_per_day)
            else:
                records = evening(pilot, day, last=day == days - 1)
            for i in range(0, len(records), 200):
                pilot.post(records[i : i + 200])
        pilot.now = base + 19 * 3600 + 1800  # 20:30 or 21:30 in Bayonne: the shops close
        close_days(pilot)
        if day % 30 == 29 or day == days - 1:  # the month's bank statements
            pilot.counts["bank statement"] = pilot.counts.get("bank statement", 0) + len(
                bank_statements(pilot, bank, last=day == days - 1)
            )
        if day % 7 == 6:
            with ledger.unit_of_work() as uow:
                latest_checkpoint(uow, now=pilot.now)
                uow.commit()
    with ledger.unit_of_work() as uow:
        checkpoint = latest_checkpoint(uow, now=pilot.now)
        uow.commit()
    counts = ", ".join(f"{n} {t}" for t, n in sorted(pilot.counts.items()))
    return (
        f"pilot loaded: {len(pilot.residents)} residents, {len(pilot.merchants)} merchants, "
        f"{len(pilot.offices)} offices, {days} days; {counts}; log size {checkpoint.size}"
    )
