"""The reserve's bank statements: import, matching, top-ups by bank transfer, the reserve check.

The 2026 statements under `tests/data/statements/` (`*_sou_*`) are of the scenario `march`
builds: a resident (account 1002, reference RF13 1002) and a shop, 120 € of cash deposited on
the digital reserve's account, a reconversion of 100 € paid out in batch SOU-RTZ-000001; the
bank's own 2024 files are imported as they came.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select

from association.bank_import import (
    LineView,
    StatementView,
    bank_accounts,
    register_bank_account,
    statement_lines,
    statements,
)
from association.errors import (
    BankAccountExists,
    BrokenChain,
    DuplicateStatement,
    InvalidIban,
    LineMatchRefused,
    LineNotOpen,
    MalformedStatement,
    TopUpRefused,
    UnbalancedStatement,
    UnknownStatementLine,
    WrongAccount,
)
from association.reconciliation import match_line, post_bank_conversion, resolve_line
from association.reserve_check import BankAccountCheck, reserve_check
from association.statement_import import Imported, import_statement
from ledger.context import LedgerUnitOfWork
from ledger.errors import FormatError, NotAuthorized, SouError
from ledger.posting import Posted
from ledger.records import SignedRecord
from merchants.payouts import approve_batch, batch, request_reconversion, set_fee_rule
from merchants.reconversion import FeeRule
from merchants.sepa import Debtor
from merchants.tables import RECONVERSIONS
from tests.integration.test_rejections import refused
from tests.support import Holder, World

DATA = Path(__file__).parents[1] / "data" / "statements"
DIGITAL = "FR7610278360550002048150165"
PAPER = "FR7610278360550002048150262"
OTHER = "FR7642559100000801234567812"  # the account of the bank's CSV samples
ASSOCIATION = Debtor("Association Rétzi", DIGITAL, "CMCIFR2A")
MARCH = "camt053_sou_digital_2026-03.xml"
APRIL = "csv_fr_sou_digital_2026-04.csv"
T = TypeVar("T")


def run(world: World, action: Callable[[LedgerUnitOfWork], T]) -> T:
    with world.ledger.unit_of_work() as uow:
        result = action(uow)
        uow.commit()
    return result


def register(world: World, iban: str, reserve: str) -> None:
    run(world, lambda uow: register_bank_account(uow, iban=iban, reserve=reserve, label=reserve))


def import_file(world: World, name: str) -> Imported:
    data = (DATA / name).read_bytes()
    return run(world, lambda uow: import_statement(uow, data=data, now=world.now))


def lines(world: World, statement: int | None = None) -> list[LineView]:
    with world.ledger.unit_of_work(write=False) as uow:
        return statement_lines(uow, statement=statement)


def check(world: World) -> dict[str, BankAccountCheck]:
    with world.ledger.unit_of_work(write=False) as uow:
        return {c.reserve: c for c in reserve_check(uow)}


def top_up(world: World, statement: int, line: int, record: SignedRecord) -> Posted:
    return run(
        world,
        lambda uow: post_bank_conversion(
            uow, statement=statement, line=line, record=record, now=world.now
        ),
    )


def bank_conversion(world: World, to: Holder | str, cents: int) -> SignedRecord:
    account = to if isinstance(to, str) else to.account
    return world.record(
        "conversion", world.treasurer.key, method="bank", office=None, to=account, amount=cents
    )


def march(
    world: World, *, registered: bool = True, deposit: int = 120_00, pay_out: bool = True
) -> Holder:
    """The ledger the March statement reports on; returns the resident who tops up by bank.
    `deposit`: the office's deposit as the ledger books it; without `pay_out`, the
    reconversion waits for `pay_out_march`."""
    alice = world.resident()
    assert alice.number == 1002  # the statement's RF13 1002
    shop = world.shop(balance=100_00)
    world.convert(alice, 20_00)
    world.deposit(deposit)
    with world.ledger.unit_of_work() as uow:
        rule = FeeRule.from_percent("business", "2 %")
        set_fee_rule(uow, rule=rule, membership_required=False, now=world.now)
        uow.commit()
    asked = world.record("reconversion", shop.key, from_=shop.account, amount=100_00, fee=2_00)
    run(world, lambda uow: request_reconversion(uow, record=asked, now=world.now))
    if pay_out:
        pay_out_march(world, asked.id)
    if registered:
        register(world, DIGITAL, "digital")
    return alice


def pay_out_march(world: World, reconversion: str) -> None:
    payout = world.record("payout", world.treasurer.key, reconversion=reconversion, amount=98_00)
    made = run(
        world,
        lambda uow: approve_batch(uow, payouts=[payout], debtor=ASSOCIATION, now=world.now),
    )
    assert made.message_id == "SOU-RTZ-000001"


def batch_status(world: World) -> str:
    with world.ledger.unit_of_work(write=False) as uow:
        return batch(uow, number=1).status


# --- import and matching ------------------------------------------------------------------


def test_the_march_camt_statement_matches_the_deposit_and_the_payout_batch(world: World) -> None:
    march(world)
    before = check(world)["digital"]
    assert [(t.kind, t.amount) for t in before.in_transit] == [
        ("deposit", 120_00),
        ("payout-batch", -98_00),
    ]
    imported = import_file(world, MARCH)
    assert (imported.iban, imported.lines, imported.matched, imported.open) == (DIGITAL, 3, 2, 1)
    deposit, payout, topup = lines(world, imported.id)
    assert (deposit.status, deposit.entry is not None, deposit.amount) == ("matched", True, 120_00)
    assert (payout.status, payout.batch, payout.amount) == ("matched", 1, -98_00)
    assert batch_status(world) == "executed"  # FORMATS.md §7: the statement shows the payout
    assert (topup.status, topup.member, topup.reference) == ("open", 1002, "RF131002")
    (stored,) = [s for s in _statements(world) if s.id == imported.id]
    assert (stored.format, stored.opening_balance, stored.closing_balance) == ("camt.053", 0, 72_00)
    assert stored.sha256 == _sha256(MARCH)


def test_a_top_up_line_becomes_a_bank_conversion_and_balances_the_reserve(world: World) -> None:
    alice = march(world)
    imported = import_file(world, MARCH)
    digital = check(world)["digital"]
    assert (digital.bank, digital.ledger, digital.difference, digital.unexplained) == (
        72_00,
        22_00,  # 20 € of reserve and the 2 € fee
        50_00,  # the top-up: received by the bank, not yet converted
        0,
    )
    posted = top_up(world, imported.id, 3, bank_conversion(world, alice, 50_00))
    assert world.balance(alice) == 20_00 + 50_00
    line = lines(world, imported.id)[2]
    assert (line.status, line.entry) == ("matched", posted.index)
    digital = check(world)["digital"]
    assert (digital.bank, digital.expected, digital.difference, digital.balanced) == (
        72_00,
        72_00,
        0,
        True,
    )
    assert digital.open_lines == () and digital.in_transit == ()


def while_held(
    world: World,
    first: Callable[[LedgerUnitOfWork], object],
    second: Callable[[], object],
    error: type[SouError],
) -> None:
    """`first` in a unit of work held open while `second` starts in another thread (it waits
    for the locks); once `first` commits, `second` must fail with exactly `error`."""
    outcome: list[BaseException | None] = []

    def racer() -> None:
        try:
            second()
            outcome.append(None)
        except error as refusal:
            outcome.append(refusal)

    with world.ledger.unit_of_work() as uow:
        first(uow)
        thread = threading.Thread(target=racer)
        thread.start()
        thread.join(timeout=0.5)  # it waits for this unit of work's locks
        uow.commit()
    thread.join()
    assert len(outcome) == 1 and type(outcome[0]) is error


def test_two_treasurers_topping_up_from_the_same_line_at_once_create_units_once(
    world: World,
) -> None:
    """The first holds its unit of work open; the second, started meanwhile, must lose."""
    alice = march(world)
    imported = import_file(world, MARCH)
    record = bank_conversion(world, alice, 50_00)
    while_held(
        world,
        lambda uow: post_bank_conversion(
            uow, statement=imported.id, line=3, record=record, now=world.now
        ),
        lambda: top_up(world, imported.id, 3, bank_conversion(world, alice, 50_00)),
        LineNotOpen,
    )
    assert world.balance(alice) == 20_00 + 50_00


def test_a_retried_top_up_returns_the_same_entry_and_changes_nothing(world: World) -> None:
    alice = march(world)
    imported = import_file(world, MARCH)
    record = bank_conversion(world, alice, 50_00)
    first = top_up(world, imported.id, 3, record)
    counts = world.row_counts()
    again = top_up(world, imported.id, 3, record)
    assert (again.index, again.retry) == (first.index, True)
    assert world.row_counts() == counts


@pytest.mark.parametrize(
    ("line", "to", "cents", "error"),
    [
        (3, "1002", 49_99, TopUpRefused),  # not the line's amount
        (3, "1003", 50_00, TopUpRefused),  # not the member the reference names
        (1, "1002", 120_00, LineNotOpen),  # the deposit's line, matched already
        (4, "1002", 50_00, UnknownStatementLine),
    ],
)
def test_a_bank_conversion_that_does_not_account_for_its_line_is_refused(
    world: World, line: int, to: str, cents: int, error: type[SouError]
) -> None:
    march(world)
    imported = import_file(world, MARCH)
    with refused(world, error):
        top_up(world, imported.id, line, bank_conversion(world, to, cents))


def test_a_cash_conversion_or_an_agent_cannot_stand_for_a_top_up(world: World) -> None:
    alice = march(world)
    imported = import_file(world, MARCH)
    cash = world.record(
        "conversion",
        world.office.key,
        method="cash",
        office=world.office.account,
        to=alice.account,
        amount=50_00,
    )
    with refused(world, TopUpRefused):
        top_up(world, imported.id, 3, cash)
    by_agent = world.record(
        "conversion", world.office.key, method="bank", office=None, to=alice.account, amount=50_00
    )
    with refused(world, NotAuthorized):
        top_up(world, imported.id, 3, by_agent)


def test_a_credit_on_the_paper_account_is_never_a_top_up(world: World) -> None:
    register(world, PAPER, "paper")
    imported = import_file(world, "cfonb120_reserve_paper_2024-03.txt")
    line = lines(world, imported.id)[3]
    assert (line.amount, line.reference, line.member) == (45_00, "RF931017", 1017)
    with refused(world, TopUpRefused):
        top_up(world, imported.id, 4, bank_conversion(world, "1017", 45_00))


def test_the_april_csv_chains_and_its_bank_fee_is_resolved_but_still_reported(
    world: World,
) -> None:
    alice = march(world)
    imported = import_file(world, MARCH)
    top_up(world, imported.id, 3, bank_conversion(world, alice, 50_00))
    april = import_file(world, APRIL)
    assert (april.lines, april.matched, april.open) == (1, 0, 1)
    digital = check(world)["digital"]
    assert (digital.statement, digital.statement_date, digital.bank) == (
        april.id,
        "2026-04-30",
        69_60,
    )
    assert (digital.difference, digital.unexplained) == (-2_40, 0)  # the open line explains it
    line = run(
        world,
        lambda uow: resolve_line(uow, statement=april.id, line=1, note="Frais de tenue de compte"),
    )
    assert (line.status, line.note) == ("resolved", "Frais de tenue de compte")
    digital = check(world)["digital"]
    assert (digital.difference, digital.unexplained, digital.balanced) == (-2_40, -2_40, False)
    with refused(world, LineNotOpen):
        run(world, lambda uow: resolve_line(uow, statement=april.id, line=1, note="encore"))


def test_a_resolution_needs_a_note_and_an_existing_line(world: World) -> None:
    march(world)
    imported = import_file(world, MARCH)
    with refused(world, FormatError):
        run(world, lambda uow: resolve_line(uow, statement=imported.id, line=3, note="  "))
    with refused(world, UnknownStatementLine):
        run(world, lambda uow: resolve_line(uow, statement=imported.id + 1, line=1, note="x"))


def match_by_hand(
    world: World,
    statement: int,
    line: int,
    *,
    entry: int | None = None,
    batch: int | None = None,
    note: str = "compté à part",
) -> LineView:
    return run(
        world,
        lambda uow: match_line(
            uow, statement=statement, line=line, entry=entry, batch=batch, note=note, now=world.now
        ),
    )


def test_a_deposit_the_bank_booked_for_another_amount_is_matched_by_hand(world: World) -> None:
    """The office's slip said 119,50 €, the bank counted 120,00 €: the treasurer matches the
    line with the deposit by hand, and the 50 cents stay in the reserve check, unexplained."""
    march(world, deposit=119_50)
    imported = import_file(world, MARCH)
    assert (imported.matched, imported.open) == (1, 2)  # the payout batch only
    digital = check(world)["digital"]
    (deposit,) = digital.in_transit
    assert (deposit.kind, deposit.amount, [x.line for x in digital.open_lines]) == (
        "deposit",
        119_50,
        [1, 3],
    )
    assert deposit.entry is not None
    note = "Bordereau de 119,50 €, la banque a compté 120,00 €"
    line = match_by_hand(world, imported.id, 1, entry=deposit.entry, note=note)
    assert (line.status, line.entry, line.batch, line.note) == (
        "matched",
        deposit.entry,
        None,
        note,
    )
    digital = check(world)["digital"]
    assert digital.in_transit == ()
    assert [x.line for x in digital.open_lines] == [3]  # the top-up, still to convert
    assert (digital.unexplained, digital.balanced) == (50, False)
    with refused(world, LineNotOpen):
        match_by_hand(world, imported.id, 1, entry=deposit.entry)


def test_a_payout_batch_approved_after_its_line_was_imported_is_matched_by_hand(
    world: World,
) -> None:
    march(world, pay_out=False)
    imported = import_file(world, MARCH)
    assert (imported.matched, imported.open) == (1, 2)  # the deposit only
    with world.ledger.unit_of_work(write=False) as uow:
        reconversion = uow.connection.execute(select(RECONVERSIONS.c.record_id)).scalar_one()
    pay_out_march(world, reconversion)
    assert batch_status(world) == "approved"
    line = match_by_hand(world, imported.id, 2, batch=1, note="Lot approuvé après le relevé")
    assert (line.status, line.batch, line.amount) == ("matched", 1, -98_00)
    assert batch_status(world) == "executed"  # FORMATS.md §7, as when matched at import
    digital = check(world)["digital"]
    assert (digital.in_transit, [x.line for x in digital.open_lines]) == ((), [3])


@pytest.mark.parametrize(
    ("line", "target", "note", "error"),
    [
        (1, {"entry": "conversion"}, "x", LineMatchRefused),  # not a movement of the account
        (1, {"batch": True}, "x", LineMatchRefused),  # its line is matched already
        (3, {"entry": "deposit"}, "x", LineMatchRefused),  # a member's top-up is a conversion
        (4, {"entry": "deposit"}, "x", UnknownStatementLine),
        (2, {"entry": "deposit"}, "x", LineNotOpen),  # the payout's line, matched already
        (1, {}, "x", FormatError),
        (1, {"entry": "deposit", "batch": True}, "x", FormatError),
        (1, {"entry": "deposit"}, "  ", FormatError),
    ],
)
def test_a_line_is_matched_by_hand_only_with_what_the_ledger_expects_for_it(
    world: World, line: int, target: dict[str, object], note: str, error: type[SouError]
) -> None:
    march(world, deposit=119_50)
    imported = import_file(world, MARCH)
    (deposit,) = check(world)["digital"].in_transit
    conversion = world.convert(world.resident(), 5_00)  # credits the resident, not the bank
    entries = {"deposit": deposit.entry, "conversion": conversion.index}
    entry = entries[str(target["entry"])] if "entry" in target else None
    batch = 1 if "batch" in target else None
    with refused(world, error):
        match_by_hand(world, imported.id, line, entry=entry, batch=batch, note=note)


def test_two_treasurers_matching_two_lines_with_one_deposit_at_once_match_one(
    world: World,
) -> None:
    """The first holds its unit of work open; the second, matching another line with the
    same deposit meanwhile, must be refused (PostgreSQL: by the unique index on the lines'
    entry, once the first commits; SQLite: it waits for the write lock)."""
    march(world, deposit=119_50)
    text = (  # the bank counted the office's cash in two lots, neither the deposit's amount
        f"Compte;{DIGITAL}\r\n"
        "Solde initial;28/02/2026;0,00 €\r\n"
        "Date opération;Date valeur;Libellé;Montant;Référence\r\n"
        "02/03/2026;02/03/2026;VERSEMENT ESPECES;60,00;B1\r\n"
        "02/03/2026;02/03/2026;VERSEMENT ESPECES;59,50;B2\r\n"
        "Solde final;31/03/2026;119,50 €\r\n"
    )
    data = text.encode()
    imported = run(world, lambda uow: import_statement(uow, data=data, now=world.now))
    assert (imported.matched, imported.open) == (0, 2)
    (deposit, _batch) = check(world)["digital"].in_transit
    while_held(
        world,
        lambda uow: match_line(
            uow, statement=imported.id, line=1, entry=deposit.entry, note="x", now=1
        ),
        lambda: match_by_hand(world, imported.id, 2, entry=deposit.entry),
        LineMatchRefused,
    )
    assert [x.status for x in lines(world, imported.id)] == ["matched", "open"]


def test_a_debit_line_cannot_stand_for_a_deposit(world: World) -> None:
    march(world, deposit=119_50)
    march_statement = import_file(world, MARCH)
    april = import_file(world, APRIL)  # one line: the bank's fee, a debit
    (deposit,) = check(world)["digital"].in_transit
    with refused(world, LineMatchRefused):
        match_by_hand(world, april.id, 1, entry=deposit.entry)
    assert [x.status for x in lines(world, march_statement.id)] == ["open", "matched", "open"]


def paper_reserve(world: World) -> None:
    """110 € of paper notes issued at the office, deposited in two visits on the paper account."""
    office = world.office
    world.post(
        world.record("paper_issue", office.key, office=office.account, amount=110_00),
    )
    world.deposit(80_00, "paper")
    world.deposit(30_00, "paper")
    register(world, PAPER, "paper")


def test_the_paper_reserve_cfonb_statement_matches_both_deposits_and_balances(
    world: World,
) -> None:
    paper_reserve(world)
    assert check(world)["paper"].bank is None  # no statement yet
    imported = import_file(world, "cfonb120_sou_paper_2026-03.txt")
    assert (imported.iban, imported.lines, imported.matched) == (PAPER, 2, 2)
    paper = check(world)["paper"]
    assert (paper.bank, paper.ledger, paper.difference, paper.balanced) == (110_00, 110_00, 0, True)
    assert (paper.payouts_held, paper.fees_held) == (0, 0)


def test_a_deposit_the_bank_has_not_booked_yet_is_in_transit(world: World) -> None:
    march(world)
    imported = import_file(world, MARCH)
    world.convert(world.resident(), 15_00)
    world.deposit(15_00)
    digital = check(world)["digital"]
    assert [(t.kind, t.amount) for t in digital.in_transit] == [("deposit", 15_00)]
    assert digital.unexplained == 0  # the open top-up and the deposit in transit explain it
    assert digital.statement == imported.id


# --- refusals -----------------------------------------------------------------------------


def test_the_same_file_twice_is_refused_as_a_duplicate(world: World) -> None:
    march(world)
    import_file(world, MARCH)
    with refused(world, DuplicateStatement):
        import_file(world, MARCH)


def test_a_statement_that_does_not_chain_is_refused(world: World) -> None:
    march(world)
    import_file(world, MARCH)
    with refused(world, BrokenChain):
        import_file(world, "csv_fr_sou_digital_2026-04_wrong_opening.csv")


def test_the_banks_own_files_import_in_order_and_name_their_top_ups(world: World) -> None:
    register(world, DIGITAL, "digital")
    march_2024 = import_file(world, "camt053_v02_reserve_digital_2024-03.xml")
    assert [v.member for v in lines(world, march_2024.id)] == [1001, None, None, None, 1002]
    april_2024 = import_file(world, "camt053_v08_reserve_digital_2024-04.xml")
    assert april_2024.lines >= 1
    assert [s.id for s in _statements(world)] == [april_2024.id, march_2024.id]


def test_an_earlier_statement_after_a_later_one_is_refused(world: World) -> None:
    register(world, DIGITAL, "digital")
    import_file(world, "camt053_v08_reserve_digital_2024-04.xml")
    with refused(world, BrokenChain):
        import_file(world, "camt053_v02_reserve_digital_2024-03.xml")


def test_a_statement_of_another_account_is_refused(world: World) -> None:
    register(world, DIGITAL, "digital")
    with refused(world, WrongAccount):
        import_file(world, "csv_fr_debit_credit_iso8859-15.csv")


def test_a_malformed_file_is_refused_and_leaves_no_trace(world: World) -> None:
    register(world, DIGITAL, "digital")
    data = (DATA / MARCH).read_bytes().replace(b'<Amt Ccy="EUR">72.00', b'<Amt Ccy="EUR">72.01')
    with refused(world, UnbalancedStatement):
        run(world, lambda uow: import_statement(uow, data=data, now=world.now))
    with refused(world, MalformedStatement):
        run(world, lambda uow: import_statement(uow, data=b"bonjour", now=world.now))


def test_a_reserve_has_one_bank_account_and_its_iban_is_checked(world: World) -> None:
    register(world, DIGITAL, "digital")
    with refused(world, BankAccountExists):
        register(world, OTHER, "digital")
    with refused(world, BankAccountExists):
        register(world, DIGITAL, "paper")
    with refused(world, InvalidIban):
        register(world, "FR7610278360550002048150166", "paper")
    register(world, PAPER, "paper")
    with world.ledger.unit_of_work(write=False) as uow:
        assert [(a.iban, a.reserve, a.ledger_account) for a in bank_accounts(uow)] == [
            (DIGITAL, "digital", 11),
            (PAPER, "paper", 12),
        ]


def _statements(world: World) -> list[StatementView]:
    with world.ledger.unit_of_work(write=False) as uow:
        return statements(uow)


def _sha256(name: str) -> str:
    import hashlib

    return hashlib.sha256((DATA / name).read_bytes()).hexdigest()
