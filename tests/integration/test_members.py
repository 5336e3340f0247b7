"""A member's data rights: everything held about them, and the erasure of a closed account's
personal data after which the log, the accounting and the audit still verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from association.accounting import fec_file
from association.members import erase_member, erase_memo, member_data, member_html
from association.memberships import record_payment, set_fee
from ledger import acts, queries
from ledger.audit import verify_log
from ledger.errors import AccountNotOpen, UnknownMemo
from ledger.export import export_log
from ledger.persistence.tables import ENTRIES, HOLDERS, MEMOS
from ledger.selfcheck import self_check
from tests.integration.test_cli import Sou
from tests.support import World


def test_a_member_gets_everything_held_about_them(world: World) -> None:
    camille = world.resident(balance=30_00)
    with world.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO holders (account, name, detail) VALUES (:n, :name, :d)"),
            {"n": camille.number, "name": "Camille <Martin>", "d": "06 12 34 56 78"},
        )
    shop = world.shop(name="Épicerie du port")
    for _ in range(110):  # more than a page of history: the export holds all of it
        world.pay(camille, shop, 1)
    world.pay(camille, shop, 12_00, memo="Pain")
    with world.ledger.unit_of_work(write=False) as uow:
        data = member_data(uow, number=camille.number)
    assert data["holder"] == {"name": "Camille <Martin>", "detail": "06 12 34 56 78"}
    assert data["account"]["balance"] == 18_00 - 110
    assert len(data["history"]) == 1 + 110 + 1  # the conversion, the payments
    assert [d["role"] for d in data["devices"]] == ["resident"]
    assert [(h["direction"], h["amount"], h["memo"]) for h in data["history"]][:1] == [
        ("out", 12_00, "Pain")
    ]
    assert any(a["act"] == "account.open" for a in data["acts"])
    assert data["memberships"] == [] and data["archive"] == []
    page = member_html(data)
    assert "Camille &lt;Martin&gt;" in page and "<h2>Mouvements</h2>" in page
    assert "<h2>Adhésions</h2>" in page
    json.dumps(data)  # all of it is JSON


def test_the_export_holds_the_members_fees(world: World) -> None:
    camille = world.resident(balance=30_00)
    with world.ledger.unit_of_work() as uow:
        set_fee(uow, year=2026, category="resident", amount=12_00)
        record_payment(
            uow,
            account=camille.number,
            year=2026,
            category="resident",
            method="euros",
            now=world.now,
        )
        uow.commit()
    with world.ledger.unit_of_work(write=False) as uow:
        data = member_data(uow, number=camille.number)
    assert [(m["year"], m["amount"], m["method"]) for m in data["memberships"]] == [
        (2026, 12_00, "euros")
    ]


def test_erasure_leaves_a_log_and_books_that_verify(world: World, tmp_path: Path) -> None:
    camille, shop = world.resident(balance=30_00), world.shop()
    with world.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO holders (account, name) VALUES (:n, 'Camille Martin')"),
            {"n": camille.number},
        )
    world.pay(camille, shop, 10_00)
    with world.ledger.unit_of_work() as uow, pytest.raises(AccountNotOpen):
        erase_member(uow, number=camille.number)  # an open account keeps its holder
    world.pay(camille, world.treasurer, 20_00, memo="Solde donné à l’association")
    world.set_status(camille, "closed")
    with world.ledger.unit_of_work() as uow:
        erased = erase_member(uow, number=camille.number)
        uow.commit()
    assert erased.holder and erased.devices == 0  # the test's keys carry no label
    assert erased.memos == 1
    with world.engine.connect() as conn:
        assert (
            conn.execute(select(HOLDERS).where(HOLDERS.c.account == camille.number)).first() is None
        )
        assert conn.execute(select(MEMOS)).first() is None
    path = tmp_path / "log.sou"
    with world.ledger.unit_of_work(write=False) as uow, path.open("w", encoding="utf-8") as out:
        export_log(uow, out)
    assert verify_log(path).entries == world.log_size()
    assert "Solde donné".encode() not in path.read_bytes()
    with world.ledger.unit_of_work(write=False) as uow:
        assert b"Camille" not in fec_file(uow)
        assert member_data(uow, number=camille.number)["holder"] is None
    assert self_check(world.ledger).ok


def test_a_memo_is_erased_alone_and_its_record_still_verifies(world: World, tmp_path: Path) -> None:
    camille, shop = world.resident(balance=30_00), world.shop()
    paid = world.pay(camille, shop, 10_00, memo="Cadeau pour Mme Etxeberria")
    world.pay(camille, shop, 1_00, memo="Pain")
    with world.engine.connect() as conn:
        signed = conn.execute(
            select(ENTRIES.c.signed).where(ENTRIES.c.idx == paid.index)
        ).scalar_one()
    assert b"Etxeberria" not in bytes(signed)  # the log never held the text
    with world.ledger.unit_of_work() as uow:
        erase_memo(uow, entry=paid.index)
        uow.commit()
    with world.ledger.unit_of_work() as uow, pytest.raises(UnknownMemo):
        erase_memo(uow, entry=paid.index)
    with world.ledger.unit_of_work(write=False) as uow:
        memos = [h.memo for h in queries.history(uow, number=camille.number)]
        trail = acts.acts(uow, subject=f"entry {paid.index}", limit=None)
    assert memos[:2] == ["Pain", ""]
    assert [a.act for a in trail] == ["memo.erase"]
    path = tmp_path / "log.sou"
    with world.ledger.unit_of_work(write=False) as uow, path.open("w", encoding="utf-8") as out:
        export_log(uow, out)
    assert verify_log(path).entries == world.log_size()
    assert self_check(world.ledger).ok


def test_the_command_line_exports_and_erases(db_url: str, tmp_path: Path) -> None:
    sou = Sou(db_url, tmp_path)
    sou("db", "upgrade")
    number = sou.last_line("admin", "account", "create", "--kind", "resident", "--name", "Léa")
    page = tmp_path / "lea.html"
    exported = json.loads(sou("member", "export", number, "--html", str(page)).output)
    assert exported["holder"]["name"] == "Léa" and "Léa" in page.read_text(encoding="utf-8")
    assert sou("member", "erase", number, ok=False).exit_code == 1  # not closed
    sou("admin", "account", "status", number, "closed")
    assert sou.last_line("member", "erase", number) == number
    assert json.loads(sou("member", "export", number).output)["holder"] is None
    assert "member.erase" in sou("admin", "acts").output
    assert sou("member", "erase-memo", "1", ok=False).exit_code == 1  # entry 1 has no memo
