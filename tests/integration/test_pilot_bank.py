"""The pilot's bank: camt.053 statements that the importer reads, matches and chains, and a
reserve statement that says which bank statements it was checked against."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from association.bank_import import statement_lines, statements
from association.camt import parse_camt053
from association.publication import NO_BANK_STATEMENT, publish
from association.reserve_check import reserve_check
from association.reserve_statement import verify_statement
from association.rf import rf_reference
from ledger.admin import create_ledger
from ledger.context import Ledger
from ledger.persistence.database import make_engine
from ledger.signing import SigningKey
from merchants.business_day import local_time
from merchants.tables import PAYOUT_BATCHES
from sou.pilot import load_pilot
from sou.pilot.bank import ACCOUNT_FEE, PAPER_BANK_IBAN, UNKNOWN_TRANSFER, BankLine, camt053
from sou.pilot.cast import ASSOCIATION_BANK
from tests.support import HOST, UNIT

MONTHS = 2


def test_the_writer_s_statement_is_read_back_by_the_camt_reader() -> None:
    lines = [
        BankLine(dt.date(2026, 3, 2), 50_00, "VIR SEPA RECU", rf_reference(1042)),
        BankLine(dt.date(2026, 3, 3), -120_35, "VIR SEPA EMIS", None, "SOU-BATCH-7"),
        BankLine(dt.date(2026, 3, 31), ACCOUNT_FEE, "FRAIS TENUE DE COMPTE & CO"),
    ]
    data = camt053(
        iban=ASSOCIATION_BANK.iban,
        number=3,
        opening_date=dt.date(2026, 3, 1),
        opening_balance=10_00,
        closing_date=dt.date(2026, 3, 31),
        lines=lines,
        created=dt.datetime(2026, 4, 1, 5, 30, tzinfo=dt.UTC),
    )
    (statement,) = parse_camt053(data)
    assert statement.account_iban == ASSOCIATION_BANK.iban
    assert (statement.opening_balance, statement.closing_balance) == (10_00, 10_00 - 80_25)
    assert (statement.opening_date, statement.closing_date) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    read = [(x.date, x.amount, x.reference) for x in statement.lines]
    assert read == [
        (dt.date(2026, 3, 2), 50_00, "RF971042"),
        (dt.date(2026, 3, 3), -120_35, "SOU-BATCH-7"),
        (dt.date(2026, 3, 31), -9_90, None),
    ]
    assert statement.lines[2].label == "FRAIS TENUE DE COMPTE & CO"


@pytest.fixture
def pilot(db_url: str) -> Iterator[Ledger]:
    now = int(time.time())
    engine = make_engine(db_url)
    ledger = Ledger(engine, HOST, UNIT, SigningKey.generate(), "Rétzi", lambda: now)
    with ledger.unit_of_work() as uow:
        create_ledger(uow, now=now)
        uow.commit()
    load_pilot(ledger, residents=12, months=MONTHS)
    yield ledger
    engine.dispose()


def test_the_pilot_s_reserve_check_shows_matches_transit_and_lines_to_resolve(
    pilot: Ledger,
) -> None:
    now = pilot.clock()
    today = local_time((now // 86_400 - 1) * 86_400 + 12 * 3600).date()  # the load's last day
    with pilot.unit_of_work(write=False) as uow:
        checks = {c.reserve: c for c in reserve_check(uow)}
        imported = statements(uow)
        lines = statement_lines(uow)
        batches = uow.connection.execute(
            select(PAYOUT_BATCHES.c.id, PAYOUT_BATCHES.c.status).order_by(PAYOUT_BATCHES.c.id)
        ).all()
        reserves = [c.ledger_account for c in checks.values()]
        deposits = [p for n in reserves for p in uow.reads.postings(credit=n, types=("deposit",))]
        bank_conversions = [
            p
            for n in reserves
            for p in uow.reads.postings(credit=n, types=("conversion",), records=True)
        ]
        published = publish(uow, on=today, now=now)
    assert sorted(checks) == ["digital", "paper"]
    digital, paper = checks["digital"], checks["paper"]
    assert (digital.iban, paper.iban) == (ASSOCIATION_BANK.iban, PAPER_BANK_IBAN)
    # a statement per account and month, chained, the last one closing on the load's last day
    assert Counter(s.iban for s in imported) == {digital.iban: MONTHS, paper.iban: MONTHS}
    for iban in (digital.iban, paper.iban):
        mine = sorted((s for s in imported if s.iban == iban), key=lambda s: s.closing_date)
        assert [s.opening_balance for s in mine[1:]] == [s.closing_balance for s in mine[:-1]]
        assert mine[-1].closing_date == today.isoformat() and mine[0].opening_balance == 0
    # in transit: the offices' deposits of the last day, and the last payout batch (digital)
    last_day = [p for p in deposits if local_time(p.accepted).date() == today]
    assert {p.credit for p in last_day} == {digital.ledger_account, paper.ledger_account}
    for check in (digital, paper):
        transit = sorted(
            (t.kind, t.amount, t.date) for t in check.in_transit if t.kind != "payout-batch"
        )
        wanted = sorted(
            ("deposit", p.amount, today.isoformat())
            for p in last_day
            if p.credit == check.ledger_account
        )
        assert transit == wanted
    (last_batch,) = [t for t in digital.in_transit if t.kind == "payout-batch"]
    assert last_batch.batch == batches[-1].id and last_batch.amount < 0
    assert not [t for t in paper.in_transit if t.kind == "payout-batch"]
    assert [b.status for b in batches[:-1]] == ["executed"] * (len(batches) - 1)
    # matched: every deposit and bank conversion and every earlier batch, but those in transit
    matched = [line for line in lines if line.status == "matched"]
    in_transit = len(digital.in_transit) + len(paper.in_transit)
    assert len(matched) == len(deposits) + len(bank_conversions) + len(batches) - in_transit
    assert bank_conversions and {p.record["method"] for p in bank_conversions} == {"bank"}
    assert {line.entry for line in matched if line.member is not None} == {
        p.entry for p in bank_conversions
    }
    # the bank's own lines, open: the last month's fee and the association's cover of it, and
    # the unknown transfer, which is the difference (the earlier fees resolved, each covered)
    assert sorted(line.amount for line in digital.open_lines) == sorted(
        [ACCOUNT_FEE, -ACCOUNT_FEE, UNKNOWN_TRANSFER]
    )
    assert paper.open_lines == ()
    assert digital.difference == UNKNOWN_TRANSFER
    assert (paper.difference, digital.unexplained, paper.unexplained) == (0, 0, 0)
    # the internal transfers for the notes exchanged are resolved with a note, in pairs
    resolved = [line for line in lines if line.status == "resolved"]
    assert resolved and sum(line.amount for line in resolved) == 0
    # the reserve statement names the latest bank statement of each account
    latest = {s.iban: s.sha256 for s in sorted(imported, key=lambda s: s.closing_date)}
    assert published.basis.digests == (latest[digital.iban], latest[paper.iban])
    assert published.status == "OK"  # checked against the bank, which covers the reserve
    note = verify_statement(published.note, [pilot.verifier_key])
    assert note.bank_statements == published.basis.digests
    assert NO_BANK_STATEMENT not in note.bank_statements
