"""What the pilot's people do in a day: conversions and paper notes in the morning, payments
at the tills and stickers during the day, refunds, deposits, reconversions and payouts in the
evening, and each merchant closing its business day (see `sou.pilot`)."""

from __future__ import annotations

import os

from association.offices import record_note_delivery
from ledger.records import SignedRecord, sign_record
from merchants.days import business_day_of, close_day, record_for
from merchants.payment_requests import sign_request
from merchants.payouts import approve_batch, mark_executed, request_reconversion
from merchants.profiles import merchant_profile
from merchants.requests import register_request
from sou.pilot.cast import ASSOCIATION_BANK, PRICES, Person, Pilot


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


def morning(pilot: Pilot, day: int) -> list[SignedRecord]:
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


def daytime(pilot: Pilot, payments_per_day: float) -> list[SignedRecord]:
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


def evening(pilot: Pilot, day: int, *, last: bool = False) -> list[SignedRecord]:
    """The evening's records; on the `last` day the offices take their cash to the bank too."""
    records = _refund(pilot)
    if day % 7 == 4 or last:
        records += _deposits(pilot)
    if day % 9 == 5 and pilot.residents:
        records += _paper_back(pilot)
    if day % 30 == 27:
        _reconversions(pilot)
    elif day % 30 == 29 and pilot.reconversions:
        _payouts(pilot)
    elif day % 30 == 2 and pilot.batches:  # the bank has paid the last batch
        with pilot.ledger.unit_of_work() as uow:
            mark_executed(uow, number=pilot.batches[-1], now=pilot.now)
            uow.commit()
    return records


def _refund(pilot: Pilot) -> list[SignedRecord]:
    """Now and then a merchant refunds a recent payment, by its till when it is small."""
    if not pilot.payments or pilot.rng.random() >= 0.25:
        return []
    payment, payer, payee = pilot.rng.choice(pilot.payments[-40:])
    amount = min(payment.record["amount"], payee.balance)
    if amount <= 0 or payee not in pilot.merchants:
        return []
    payee.balance -= amount
    payer.balance += amount
    small = amount <= 50_00 and payee.till is not None
    pilot.payments.remove((payment, payer, payee))
    return [
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
    ]


def _deposits(pilot: Pilot) -> list[SignedRecord]:
    """Each office takes its cash (for digital units and for paper notes) to the bank."""
    records = []
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
    return records


def _paper_back(pilot: Pilot) -> list[SignedRecord]:
    """A resident brings paper notes back to an office for digital units."""
    office, resident = pilot.rng.choice(pilot.offices), pilot.rng.choice(pilot.residents)
    amount = pilot.rng.choice((10, 20, 50)) * 100
    resident.balance += amount
    pilot.note_stock[office.number] = pilot.note_stock.get(office.number, 0) + amount
    pilot.paper_back += amount  # the treasurer moves these euros to the digital reserve's bank
    return [
        pilot.record(
            "paper_exchange",
            office.key,
            office=str(office.number),
            to=str(resident.number),
            amount=amount,
        )
    ]


def _reconversions(pilot: Pilot) -> None:
    """Monthly, merchants holding more than they spend ask for half of it in euros."""
    for merchant in pilot.merchants:
        if merchant.balance > 300_00 and pilot.rng.random() < 0.5:
            amount = merchant.balance // 2
            fee = amount * 250 // 10_000  # 2.5 %
            merchant.balance -= amount
            record = pilot.record(
                "reconversion", merchant.key, from_=str(merchant.number), amount=amount, fee=fee
            )
            pilot.reconversions.append((record.id, amount - fee))
            with pilot.ledger.unit_of_work() as uow:
                request_reconversion(uow, record=record, now=pilot.now)
                uow.commit()
            pilot.counts["reconversion"] = pilot.counts.get("reconversion", 0) + 1


def _payouts(pilot: Pilot) -> None:
    """The treasurer pays the month's reconversions in one batch (its SEPA file)."""
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


def close_days(pilot: Pilot) -> None:
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
