"""The first pilot's demo data: a cooperative (CAE) whose entrepreneurs are the merchants.

`load_pilot` peoples an empty ledger with the currency association (its treasurer), two
exchange offices, the CAE (an approved merchant) and its entrepreneurs (each an approved
merchant of the CAE with an analytic code, a merchant key and a till), and residents, then
plays months of realistic activity day by day: cash and bank conversions, paper notes issued
and exchanged, payments at the tills (payment requests) and at the printed stickers, between
merchants, refunds by the tills, cash deposits at the bank, each merchant closing its
business day with a declared total, and monthly reconversions approved by the treasurer in a
batch with its SEPA file. Every record is signed by a generated device key through the same
use cases as the service, so the demo log verifies like a real one.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from association.iban import iban_from_rib
from association.offices import record_note_delivery
from ledger.admin import enrol_device, issue_enrolment_code, open_account
from ledger.context import Ledger
from ledger.errors import SouError
from ledger.persistence.tables import ACCOUNTS
from ledger.posting import Posted, post_records
from ledger.records import SignedRecord, operation, sign_record
from ledger.signing import SigningKey
from ledger.transparency import latest_checkpoint
from merchants.days import business_day_of, close_day, record_for
from merchants.payment_requests import sign_request
from merchants.payouts import approve_batch, mark_executed, request_reconversion, set_fee_rule
from merchants.profiles import (
    Application,
    apply_merchant,
    approve_merchant,
    merchant_profile,
    record_membership,
)
from merchants.reconversion import FeeRule
from merchants.requests import register_request
from merchants.sepa import Debtor

DAY = 86_400
FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Alice",
    "Lina",
    "Emma",
    "Hugo",
    "Louis",
    "Jules",
    "Gabriel",
    "Arthur",
    "Lucas",
    "Nathan",
    "Raphaël",
    "Théo",
    "Paul",
    "Maël",
    "Yanis",
    "Sacha",
    "Nina",
    "Rose",
    "Zoé",
    "Élise",
    "Maëlle",
    "Anaïs",
    "Mathis",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Etxeberria",
]
ENTREPRENEURS = (
    "Boulangerie du Port",
    "Les Paniers de Nive",
    "Atelier Vélo Solidaire",
    "Librairie La Pléiade",
    "Épicerie Vrac & Co",
    "Céramiques Argila",
    "Graphisme Itsasoa",
    "Traiteur Saveurs d'Ici",
    "Couture Fil Rouge",
    "Menuiserie Zura",
)
PRICES = {  # typical basket, in cents, per merchant
    "Boulangerie du Port": (180, 1_500),
    "Les Paniers de Nive": (1_200, 4_500),
    "Atelier Vélo Solidaire": (800, 9_000),
    "Librairie La Pléiade": (700, 4_000),
    "Épicerie Vrac & Co": (500, 6_000),
    "Céramiques Argila": (1_500, 8_000),
    "Graphisme Itsasoa": (5_000, 30_000),
    "Traiteur Saveurs d'Ici": (900, 5_000),
    "Couture Fil Rouge": (1_000, 12_000),
    "Menuiserie Zura": (3_000, 40_000),
    "CAE Hemen Lan": (2_000, 20_000),
}


class PilotError(SouError):
    """The pilot's demo data cannot be loaded into this ledger."""

    code = "pilot"


# The association's reserve account at its bank, and demo IBANs of the entrepreneurs (valid
# check digits, fictitious accounts).
ASSOCIATION_BANK = Debtor("Association Hemen Txanpona", "FR7630004000031234567890143", "BNPAFRPP")
CAE = "CAE Hemen Lan"


def _demo_iban(n: int) -> str:
    """A French IBAN with valid RIB key and check digits: bank 30006, branch 00001."""
    return iban_from_rib("30006", "00001", f"{n:011d}")


@dataclass
class Person:
    number: int
    key: SigningKey
    name: str
    balance: int = 0
    till: SigningKey | None = None  # a merchant's till (cashier key)


@dataclass
class Pilot:
    ledger: Ledger
    rng: random.Random
    now: int
    treasurer: Person | None = None
    offices: list[Person] = field(default_factory=list)  # number = office account, key = agent
    merchants: list[Person] = field(default_factory=list)
    residents: list[Person] = field(default_factory=list)
    payments: list[tuple[SignedRecord, Person, Person]] = field(default_factory=list)
    reconversions: list[tuple[str, int]] = field(default_factory=list)  # (id, net)
    batches: list[int] = field(default_factory=list)
    office_cash: dict[int, int] = field(default_factory=dict)
    paper_cash: dict[int, int] = field(default_factory=dict)
    note_stock: dict[int, int] = field(default_factory=dict)  # notes in each office's drawer
    counts: dict[str, int] = field(default_factory=dict)

    def record(self, record_type: str, key: SigningKey, **fields: Any) -> SignedRecord:
        return operation(
            record_type,
            key=key,
            host=self.ledger.host,
            currency=self.ledger.currency,
            now=self.now,
            **fields,
        )

    def post(self, records: list[SignedRecord]) -> list[Posted]:
        with self.ledger.unit_of_work() as uow:
            outcomes = post_records(uow, records=records, now=self.now)
            uow.commit()
        posted = []
        for outcome in outcomes:
            if isinstance(outcome, SouError):
                raise outcome  # the pilot tracks balances: a refusal is a bug
            posted.append(outcome)
            self.counts[outcome.record.type] = self.counts.get(outcome.record.type, 0) + 1
        return posted


def is_empty(ledger: Ledger) -> bool:
    with ledger.engine.connect() as conn:
        holders = conn.execute(
            select(func.count()).select_from(ACCOUNTS).where(ACCOUNTS.c.number > 100)
        ).scalar_one()
    return holders == 0


def _enrol(pilot: Pilot, kind: str, role: str, name: str) -> Person:
    key = SigningKey.generate()
    with pilot.ledger.unit_of_work() as uow:
        number = open_account(uow, kind=kind, now=pilot.now, holder_name=name)
        code = issue_enrolment_code(uow, account=number, role=role, now=pilot.now)
        enrol_device(uow, code=code, public_key=key.public_bytes, now=pilot.now, label=name)
        uow.commit()
    return Person(number, key, name)


def _people(pilot: Pilot, residents: int) -> None:
    rng = pilot.rng
    pilot.treasurer = _enrol(pilot, "association", "treasurer", "Association Hemen Txanpona")
    for name in ("Comptoir du Port", "Comptoir des Halles"):
        office = _enrol(pilot, "office", "agent", name)
        pilot.offices.append(office)
        pilot.office_cash[office.number] = 0
        pilot.paper_cash[office.number] = 0
    cae = _merchant(pilot, CAE, parent=None, n=0)
    pilot.merchants.append(cae)
    for n, name in enumerate(ENTREPRENEURS, start=1):
        pilot.merchants.append(_merchant(pilot, name, parent=cae.number, n=n))
    for _ in range(residents):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        pilot.residents.append(_enrol(pilot, "resident", "resident", name))


def _merchant(pilot: Pilot, name: str, *, parent: int | None, n: int) -> Person:
    """An approved merchant of the CAE (the CAE itself when `parent` is None), its merchant
    key, and a till whose cashier may refund up to 50,00."""
    key, till = SigningKey.generate(), SigningKey.generate()
    application = Application(
        kind="cae",
        legal_name=name,
        address=f"{n + 1} rue des Artisans, 64100 Bayonne",
        activity="coopérative d'activité et d'emploi" if parent is None else name,
        iban=_demo_iban(1000 + n),
        parent=parent,
        analytic_code=None if parent is None else f"ENT{n:02d}",
    )
    with pilot.ledger.unit_of_work() as uow:
        number = apply_merchant(uow, application=application, now=pilot.now)
        approve_merchant(uow, account=number, now=pilot.now)
        paid_until = dt.datetime.fromtimestamp(pilot.now, dt.UTC).date() + dt.timedelta(days=800)
        record_membership(uow, account=number, paid_until=paid_until)
        for device, role, label in ((key, "merchant", name), (till, "cashier", "Caisse 1")):
            code = issue_enrolment_code(
                uow,
                account=number,
                role=role,
                now=pilot.now,
                refund_limit=50_00 if role == "cashier" else None,
            )
            enrol_device(uow, code=code, public_key=device.public_bytes, now=pilot.now, label=label)
        uow.commit()
    return Person(number, key, name, till=till)


def _convert(pilot: Pilot, person: Person, amount: int) -> SignedRecord:
    assert pilot.treasurer is not None
    person.balance += amount
    if pilot.rng.random() < 0.2:  # by bank transfer, matched from the statement
        return pilot.record(
            "conversion",
            pilot.treasurer.key,
            method="bank",
            office=None,
            to=str(person.number),
            amount=amount,
        )
    office = pilot.rng.choice(pilot.offices)
    pilot.office_cash[office.number] += amount
    return pilot.record(
        "conversion",
        office.key,
        method="cash",
        office=str(office.number),
        to=str(person.number),
        amount=amount,
    )


def _payment_request(pilot: Pilot, merchant: Person, amount: int) -> str:
    """The till shows a payment request, registered with the ledger; its hash."""
    assert merchant.till is not None
    pr = sign_request(
        host=pilot.ledger.host,
        merchant=merchant.number,
        amount=amount,
        expires=pilot.now + 300,
        nonce=os.urandom(8),
        ref=f"T{pilot.rng.randint(1, 9999):04d}",
        key=merchant.till,
    )
    with pilot.ledger.unit_of_work() as uow:
        register_request(uow, pr=pr, now=pilot.now)
        uow.commit()
    return pr.payreq


def _pay(
    pilot: Pilot, payer: Person, payee: Person, amount: int, *, at_till: bool = False
) -> SignedRecord:
    payer.balance -= amount
    payee.balance += amount
    record = pilot.record(
        "transfer",
        payer.key,
        from_=str(payer.number),
        to=str(payee.number),
        amount=amount,
        payreq=_payment_request(pilot, payee, amount) if at_till else None,
        ref=None,
    )
    pilot.payments.append((record, payer, payee))
    return record


def _deliver_notes(pilot: Pilot, office: int, cents: int) -> None:
    """The association hands a lot of printed notes to an office (inventory, beside the log)."""
    assert pilot.treasurer is not None
    with pilot.ledger.unit_of_work() as uow:
        record_note_delivery(
            uow,
            office=office,
            amount=cents,
            note="Lot de billets imprimés",
            kid=pilot.treasurer.key.kid,
            now=pilot.now,
        )
        uow.commit()
    pilot.note_stock[office] = pilot.note_stock.get(office, 0) + cents


def _morning(pilot: Pilot, day: int) -> list[SignedRecord]:
    rng, records = pilot.rng, []
    for resident in pilot.residents:
        if resident.balance < 15_00 and rng.random() < (0.9 if day == 0 else 0.15):
            records.append(_convert(pilot, resident, rng.choice((20, 30, 50, 80, 100)) * 100))
    if day % 7 == 1:  # paper notes for the week, at each office
        for office in pilot.offices:
            amount = rng.choice((200, 300, 500)) * 100
            if pilot.note_stock.get(office.number, 0) < amount:
                _deliver_notes(pilot, office.number, 2_000_00)
            pilot.note_stock[office.number] -= amount
            pilot.paper_cash[office.number] += amount
            records.append(
                pilot.record("paper_issue", office.key, office=str(office.number), amount=amount)
            )
    return records


def _daytime(pilot: Pilot, payments_per_day: float) -> list[SignedRecord]:
    rng, records = pilot.rng, []
    for _ in range(int(payments_per_day) + (rng.random() < payments_per_day % 1)):
        payer = rng.choice(pilot.residents)
        merchant = rng.choice(pilot.merchants)
        low, high = PRICES[merchant.name]
        amount = min(rng.randint(low, high), payer.balance)
        if amount >= 50:  # two payments in three at the till, the others at the sticker
            records.append(_pay(pilot, payer, merchant, amount, at_till=rng.random() < 0.67))
    if rng.random() < 0.3:  # a merchant pays another (supplies, services)
        payer, payee = rng.sample(pilot.merchants, 2)
        amount = min(rng.randint(2_000, 25_000), payer.balance // 2)
        if amount >= 100:
            records.append(_pay(pilot, payer, payee, amount))
    return records


def _evening(pilot: Pilot, day: int) -> list[SignedRecord]:
    rng, records = pilot.rng, []
    if pilot.payments and rng.random() < 0.25:  # a refund of a recent payment
        payment, payer, payee = rng.choice(pilot.payments[-40:])
        amount = min(payment.record["amount"], payee.balance)
        if amount > 0 and payee in pilot.merchants:
            payee.balance -= amount
            payer.balance += amount
            small = amount <= 50_00 and payee.till is not None
            records.append(
                pilot.record(
                    "transfer",
                    payee.till if small and payee.till else payee.key,
                    from_=str(payee.number),
                    to=str(payer.number),
                    amount=amount,
                    payreq=None,
                    ref=payment.id,
                    memo="Remboursement",
                )
            )
            pilot.payments.remove((payment, payer, payee))
    if day % 7 == 4:  # cash deposits at the bank
        for office in pilot.offices:
            for reserve, cash in (("digital", pilot.office_cash), ("paper", pilot.paper_cash)):
                if cash[office.number]:
                    records.append(
                        pilot.record(
                            "deposit",
                            office.key,
                            office=str(office.number),
                            reserve=reserve,
                            amount=cash[office.number],
                        )
                    )
                    cash[office.number] = 0
    if day % 9 == 5 and pilot.residents:  # paper notes brought back for digital units
        office, resident = rng.choice(pilot.offices), rng.choice(pilot.residents)
        amount = rng.choice((10, 20, 50)) * 100
        resident.balance += amount
        pilot.note_stock[office.number] = pilot.note_stock.get(office.number, 0) + amount
        records.append(
            pilot.record(
                "paper_exchange",
                office.key,
                office=str(office.number),
                to=str(resident.number),
                amount=amount,
            )
        )
    if day % 30 == 27:  # monthly reconversions by merchants holding more than they spend
        for merchant in pilot.merchants:
            if merchant.balance > 300_00 and rng.random() < 0.5:
                amount = merchant.balance // 2
                fee = amount * 250 // 10_000  # 2.5 %
                merchant.balance -= amount
                record = pilot.record(
                    "reconversion",
                    merchant.key,
                    from_=str(merchant.number),
                    amount=amount,
                    fee=fee,
                )
                pilot.reconversions.append((record.id, amount - fee))
                with pilot.ledger.unit_of_work() as uow:
                    request_reconversion(uow, record=record, now=pilot.now)
                    uow.commit()
                pilot.counts["reconversion"] = pilot.counts.get("reconversion", 0) + 1
    elif day % 30 == 29 and pilot.reconversions:  # the treasurer pays them in one batch
        assert pilot.treasurer is not None
        payouts = [
            pilot.record("payout", pilot.treasurer.key, reconversion=record_id, amount=net)
            for record_id, net in pilot.reconversions
        ]
        with pilot.ledger.unit_of_work() as uow:
            batch = approve_batch(uow, payouts=payouts, debtor=ASSOCIATION_BANK, now=pilot.now)
            uow.commit()
        pilot.batches.append(batch.id)
        pilot.counts["payout"] = pilot.counts.get("payout", 0) + len(payouts)
        pilot.reconversions.clear()
    elif day % 30 == 2 and pilot.batches:  # the bank has paid the last batch
        with pilot.ledger.unit_of_work() as uow:
            mark_executed(uow, number=pilot.batches[-1], now=pilot.now)
            uow.commit()
    return records


def _close_days(pilot: Pilot) -> None:
    """Each merchant closes its business day with the total it counted (usually exact)."""
    with pilot.ledger.unit_of_work() as uow:
        for merchant in pilot.merchants:
            profile = merchant_profile(uow, account=merchant.number)
            today = business_day_of(profile, pilot.now)
            record = record_for(
                uow, account=merchant.number, date=today, kid=merchant.key.kid, declared=None
            )
            off = pilot.rng.choice((0, 0, 0, 0, 0, 0, 0, 0, -50, 100))
            record["declared"] = max(0, record["credits"] - record["refunds"] + off)
            close_day(uow, record=sign_record(record, merchant.key), now=pilot.now)
            pilot.counts["day"] = pilot.counts.get("day", 0) + 1
        uow.commit()


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
    _people(pilot, residents)
    payments_per_day = residents * 5 / 30  # about five payments a resident a month
    for day in range(days):
        base = start + day * DAY
        for hour in (9, 13, 18):
            pilot.now = base + hour * 3600
            if hour == 9:
                records = _morning(pilot, day)
            elif hour == 13:
                records = _daytime(pilot, payments_per_day)
            else:
                records = _evening(pilot, day)
            for i in range(0, len(records), 200):
                pilot.post(records[i : i + 200])
        pilot.now = base + 19 * 3600 + 1800  # 20:30 or 21:30 in Bayonne: the shops close
        _close_days(pilot)
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
