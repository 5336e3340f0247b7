"""A hand in the database, without the ledger key: an edited balance, posting or log row,
or an account row put back to an earlier state, triggers bypassed, is not spent nor shown.

Each test edits the database directly as an attacker with write access would (on PostgreSQL
with `session_replication_role = replica`, which turns the append-only triggers off; on
SQLite by dropping them), then shows that a payment from the edited account is refused with
a typed problem and leaves nothing written, that the process raises its alarm (and, for a
damaged log, stops writing), that untouched accounts go on where they can, and that the
self-check names what was changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from ledger.errors import AccountQuarantined, LogUnverifiable
from ledger.persistence.database import make_engine
from ledger.queries import account_view, totals
from ledger.readiness import check_readiness
from ledger.selfcheck import self_check
from tests.integration.test_cli import Sou
from tests.support import Holder, World


@contextmanager
def by_hand(world: World | Engine) -> Iterator[Connection]:
    """A connection that writes past the append-only triggers, committed at the end."""
    engine = world.engine if isinstance(world, World) else world
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield conn
            return
        triggers = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).all()
        for name, _ in triggers:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        yield conn
        for _, sql in triggers:
            conn.exec_driver_sql(sql)


def last_entry_of(world: World, holder: Holder) -> int:
    with world.engine.connect() as conn:
        entry: int = conn.execute(
            text("SELECT max(entry) FROM postings WHERE debit = :n OR credit = :n"),
            {"n": holder.number},
        ).scalar_one()
    return entry


def refused_and_untouched(world: World, payer: Holder, payee: Holder, error: type) -> None:
    before = (world.row_counts(), world.log_size())
    with pytest.raises(error):
        world.pay(payer, payee, 1_00)
    assert (world.row_counts(), world.log_size()) == before


@pytest.fixture
def people(world: World) -> tuple[Holder, Holder, Holder]:
    alice, bob, shop = (
        world.resident(balance=50_00),
        world.resident(balance=50_00),
        world.merchant(),
    )
    world.pay(alice, shop, 10_00)
    world.pay(bob, shop, 5_00)
    return alice, bob, shop


def test_a_balance_raised_by_hand_is_neither_spent_nor_shown(
    world: World, people: tuple[Holder, Holder, Holder]
) -> None:
    alice, bob, shop = people
    with by_hand(world) as conn:
        conn.execute(
            text("UPDATE accounts SET credits = credits + 1000000 WHERE number = :n"),
            {"n": alice.number},
        )
    refused_and_untouched(world, alice, shop, AccountQuarantined)
    assert alice.number in world.ledger.integrity.quarantined
    readiness = check_readiness(world.ledger)
    assert not readiness.ready and "quarantined" in readiness.checks["integrity"]
    with world.ledger.unit_of_work(write=False) as uow:
        with pytest.raises(AccountQuarantined):
            account_view(uow, number=alice.number)  # nor shown
        with pytest.raises(AccountQuarantined):
            totals(uow)  # nor counted in the reserve's figures
    world.pay(bob, shop, 1_00)  # an untouched payer still pays an untouched shop
    refused_and_untouched(world, bob, alice, AccountQuarantined)  # nor is it credited
    report = self_check(world.ledger)
    assert [str(f) for f in report.findings if f.kind == "account"] == [
        f"account {alice.number}: its row says debits 1000, credits 1005000; its postings"
        " fold to 1000, 5000"
    ]


def test_an_edited_posting_quarantines_its_accounts(
    world: World, people: tuple[Holder, Holder, Holder]
) -> None:
    alice, bob, shop = people
    entry = last_entry_of(world, alice)  # her payment to the shop, 10,00 made 0,01
    with by_hand(world) as conn:
        conn.execute(text("UPDATE postings SET amount = 1 WHERE entry = :e"), {"e": entry})
    refused_and_untouched(world, alice, bob, AccountQuarantined)
    assert list(world.ledger.integrity.quarantined) == [alice.number]
    assert world.ledger.integrity.log is None  # the log itself still verifies
    world.pay(bob, shop, 1_00)  # the shop's latest entry is not the edited one
    report = self_check(world.ledger)
    assert {f.subject for f in report.findings} == {
        f"account {alice.number}",
        f"account {shop.number}",
    }


def test_a_rewritten_log_row_stops_every_write(
    world: World, people: tuple[Holder, Holder, Holder]
) -> None:
    alice, bob, shop = people
    entry = last_entry_of(world, alice)
    with world.engine.connect() as conn:
        signed, sig = conn.execute(
            text("SELECT signed, sig FROM entries WHERE idx = :e"), {"e": entry}
        ).one()
    forged = bytes(signed).replace(b'"amount":1000', b'"amount":1')
    assert forged != bytes(signed)
    with by_hand(world) as conn:  # the leaf and its hash, consistently: the tree disagrees
        conn.execute(
            text("UPDATE entries SET signed = :s, leaf_hash = :h WHERE idx = :e"),
            {"s": forged, "h": hashlib.sha256(b"\0" + forged + bytes(sig)).digest(), "e": entry},
        )
    refused_and_untouched(world, alice, shop, LogUnverifiable)
    assert world.ledger.integrity.log is not None
    refused_and_untouched(world, bob, shop, LogUnverifiable)  # nothing extends that log now
    assert not check_readiness(world.ledger).ready
    report = self_check(world.ledger, alarm=False)
    assert report.first("entry") is None  # its leaf hash is its leaf's…
    log = report.first("log")
    assert log is not None and "root" in log.why  # …but not the tree's


def test_a_log_row_edited_alone_is_found_by_the_self_check(
    world: World, people: tuple[Holder, Holder, Holder]
) -> None:
    alice, bob, _ = people
    entry = last_entry_of(world, bob) - 1
    with by_hand(world) as conn:
        conn.execute(
            text("UPDATE entries SET sig = :s WHERE idx = :e"), {"s": bytes(64), "e": entry}
        )
    report = self_check(world.ledger)
    first = report.first("entry")
    assert first is not None and first.subject == f"entry {entry}"
    assert world.ledger.integrity.log is not None
    refused_and_untouched(world, alice, bob, LogUnverifiable)


def test_an_account_row_put_back_to_an_earlier_state_is_not_spent_again(
    world: World, people: tuple[Holder, Holder, Holder]
) -> None:
    alice, _, shop = people
    with world.engine.connect() as conn:
        saved = conn.execute(
            text("SELECT debits, credits, seal FROM accounts WHERE number = :n"),
            {"n": alice.number},
        ).one()
    world.pay(alice, shop, 40_00)  # all she has left
    with by_hand(world) as conn:  # the row as it was, seal and all: a valid seal, but old
        conn.execute(
            text("UPDATE accounts SET debits = :d, credits = :c, seal = :s WHERE number = :n"),
            {"d": saved.debits, "c": saved.credits, "s": saved.seal, "n": alice.number},
        )
    refused_and_untouched(world, alice, shop, AccountQuarantined)
    assert "newer" in world.ledger.integrity.quarantined[alice.number]


def test_a_sound_ledger_passes_the_self_check(
    world: World, people: tuple[Holder, Holder, Holder]
) -> None:
    report = self_check(world.ledger)
    assert report.ok, report.findings
    assert report.entries == world.log_size() and report.accounts > 3
    assert world.ledger.integrity.failures == 0


def test_the_command_line_names_the_damage_and_exports_nothing(db_url: str, tmp_path: Path) -> None:
    sou = Sou(db_url, tmp_path)
    sou("db", "upgrade")
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    sou("admin", "convert", number, "2500")
    sou("admin", "convert", number, "1000")
    assert sou("audit", "db").output.strip().splitlines()[-1].startswith("OK: ")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        last = conn.execute(text("SELECT max(idx) FROM entries")).scalar_one()
    with by_hand(engine) as conn:  # a log row and its postings gone
        conn.execute(text("DELETE FROM postings WHERE entry = :e"), {"e": last - 1})
        conn.execute(text("DELETE FROM entries WHERE idx = :e"), {"e": last - 1})
    engine.dispose()
    audit = sou("audit", "db", ok=False)
    assert audit.exit_code == 1 and isinstance(audit.exception, SystemExit)  # no traceback
    assert f"entry: entry {last - 1}: missing (the next stored is {last})" in audit.output
    assert f"account {number}" in audit.output
    out = tmp_path / "log.sou"
    export = sou("export", "log", str(out), ok=False)
    assert export.exit_code == 1 and isinstance(export.exception, SystemExit)  # no traceback
    assert f"entry {last - 1}: missing" in export.output
    assert not out.exists() and not out.with_name("log.sou.part").exists()


def test_a_database_from_before_seals_is_sealed_once_each_row_folds_from_its_postings(
    world: World, people: tuple[Holder, Holder, Holder]
) -> None:
    from ledger.selfcheck import seal_unsealed

    alice, bob, shop = people
    with by_hand(world) as conn:  # as migration 0010 leaves it, and one row wrong besides
        conn.execute(text("UPDATE accounts SET seal = NULL"))
        conn.execute(
            text("UPDATE accounts SET credits = credits + 1 WHERE number = :n"), {"n": bob.number}
        )
    sealed, left = seal_unsealed(world.ledger)
    assert [f.subject for f in left] == [f"account {bob.number}"]
    assert sealed > 3
    world.pay(alice, shop, 1_00)  # sealed: pays again
    refused_and_untouched(world, bob, shop, AccountQuarantined)  # never sealed: refused
    assert seal_unsealed(world.ledger)[0] == 0  # nothing more to seal
