"""The exported log and its offline audit (FORMATS.md §5): a clean export verifies with the right
totals, and every kind of tampering is caught at the entry concerned."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import audit_signatures
from ledger.audit import verify_log
from ledger.audit_file import count_entries
from ledger.audit_report import AuditReport
from ledger.checkpoint import sign_checkpoint
from ledger.errors import AuditFailure
from ledger.export import export_log
from ledger.log import CompactRange, leaf_hash
from ledger.records import SignedRecord, operation, parse_leaf
from ledger.transparency import latest_checkpoint
from tests.databases import BACKENDS, Templates
from tests.support import HOST, UNIT, Holder, World

ORIGIN = f"{HOST}/ledger"
Item = dict[str, object]  # one line of the file after the header


@dataclass
class Scenario:
    """A small ledger with a bit of everything, exported; indexes of its notable entries."""

    world: World
    path: Path
    alice: Holder
    shop: Holder
    cashier: Holder
    payment: int  # alice pays the shop (her first payment), later partly refunded
    refund: int
    side_payment: int  # alice pays bob: nothing refers to it
    alice_conversion: int  # what funds her payments
    final_size: int


def checkpoint(world: World) -> None:
    with world.ledger.unit_of_work() as uow:
        latest_checkpoint(uow, now=world.now)
        uow.commit()


def build(world: World, path: Path) -> Scenario:
    office = world.office.account
    alice = world.resident()
    alice_conversion = world.convert(alice, 100_00).index
    bob = world.resident(balance=50_00)
    shop = world.merchant()
    cashier = world.cashier(shop, refund_limit=20_00)
    checkpoint(world)
    world.now += 30
    payment = world.pay(alice, shop, 12_50)
    world.pay(bob, shop, 7_25, payreq=world.register_request(shop, 7_25))
    side_payment = world.pay(alice, bob, 3_00).index
    refund = world.pay(shop, alice, 2_50, ref=payment.record.id, key=cashier.key).index
    world.post(world.record("paper_issue", world.office.key, office=office, amount=20_00))
    for reserve, amount in (("digital", 60_00), ("paper", 20_00)):
        world.post(
            world.record("deposit", world.office.key, office=office, reserve=reserve, amount=amount)
        )
    world.post(
        world.record("paper_exchange", world.office.key, office=office, to=bob.account, amount=5_00)
    )
    checkpoint(world)
    world.now += 30
    reconversion = world.post(
        world.record("reconversion", shop.key, from_=shop.account, amount=10_00, fee=20)
    )
    world.post(
        world.record(
            "payout", world.treasurer.key, reconversion=reconversion.record.id, amount=9_80
        )
    )
    world.post(
        world.day(
            shop,
            "2026-03-14",
            first_entry=payment.index,
            last_entry=refund,
            count=2,
            credits=19_75,
            refunds=2_50,
            debits=2_50,
            declared=19_75,
        )
    )
    world.revoke(cashier.key)  # through ledger.admin.revoke_key
    with world.ledger.unit_of_work() as uow, path.open("w", encoding="utf-8") as out:
        summary = export_log(uow, out, now=world.now)
        uow.commit()
    assert summary.size == path.stat().st_size
    return Scenario(
        world=world,
        path=path,
        alice=alice,
        shop=shop,
        cashier=cashier,
        payment=payment.index,
        refund=refund,
        side_payment=side_payment,
        alice_conversion=alice_conversion,
        final_size=summary.entries,
    )


@pytest.fixture
def fresh(world: World, tmp_path: Path) -> Scenario:
    return build(world, tmp_path / "log.jsonl")


@pytest.fixture(scope="module", params=BACKENDS)
def scenario(
    request: pytest.FixtureRequest, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    """One export per backend, shared by the tampering tests, which only read it."""
    workdir = tmp_path_factory.mktemp("audit")
    with templates.database(request.param, workdir) as url:
        world = World(url)
        try:
            yield build(world, workdir / "log.jsonl")
        finally:
            world.close()


# --- reading and rewriting the file ----------------------------------------------------------


def read(path: Path) -> tuple[Item, list[Item]]:
    header, *items = (json.loads(line) for line in path.read_text("utf-8").splitlines())
    return header, items


def write(path: Path, header: Item, items: list[Item]) -> Path:
    out = path.with_name(f"tampered-{uuid.uuid4().hex[:8]}.jsonl")
    lines = [json.dumps(obj, separators=(",", ":")) + "\n" for obj in (header, *items)]
    out.write_text("".join(lines), "utf-8")
    return out


def leaves(items: list[Item]) -> list[bytes]:
    return [base64.b64decode(str(item["leaf"])) for item in items if "leaf" in item]


def notes(items: list[Item]) -> list[str]:
    return [str(item["checkpoint"]) for item in items if "checkpoint" in item]


def note_size(note: str) -> int:
    return int(note.split("\n")[1])


def lay_out(leaves: list[bytes], notes: list[str]) -> list[Item]:
    """Entries numbered from 0, each checkpoint after the entry that completes its size."""
    items: list[Item] = [{"checkpoint": n} for n in notes if note_size(n) == 0]
    for index, leaf in enumerate(leaves):
        items.append({"i": index, "leaf": base64.b64encode(leaf).decode()})
        items += [{"checkpoint": n} for n in notes if note_size(n) == index + 1]
    return items


def signed_note(world: World, leaves: list[bytes], *, root: bytes | None = None) -> str:
    """A checkpoint over `leaves` signed with the real ledger key (or over another root)."""
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf_hash(leaf))
    return sign_checkpoint(
        ORIGIN,
        len(leaves),
        root if root is not None else tree.root(),
        name=ORIGIN,
        private_key=world.ledger.key.private_key,
    ).text


def entry_position(items: list[Item], index: int) -> int:
    return next(n for n, item in enumerate(items) if item.get("i") == index)


def failure(
    path: Path, *, ledger_key: bytes | None = None, workers: int | None = None
) -> AuditFailure:
    with pytest.raises(AuditFailure) as caught:
        verify_log(path, ledger_key=ledger_key, workers=workers)
    return caught.value


def with_leaf(items: list[Item], index: int, change: Callable[[bytes], bytes]) -> list[Item]:
    position = entry_position(items, index)
    leaf = base64.b64decode(str(items[position]["leaf"]))
    items[position] = {"i": index, "leaf": base64.b64encode(change(leaf)).decode()}
    return items


def extended(scenario: Scenario, *records: SignedRecord) -> Path:
    """The exported log with `records` appended and a checkpoint truly signed by the ledger."""
    header, items = read(scenario.path)
    all_leaves = leaves(items) + [sr.leaf for sr in records]
    items = lay_out(all_leaves, [*notes(items), signed_note(scenario.world, all_leaves)])
    return write(scenario.path, header, items)


# --- the clean export ------------------------------------------------------------------------


def test_a_clean_export_verifies_and_reports_the_ledgers_totals(
    world: World, fresh: Scenario
) -> None:
    progress: list[int] = []
    report = verify_log(
        fresh.path, ledger_key=world.ledger.key.public_bytes, progress=progress.append
    )
    assert isinstance(report, AuditReport)
    assert report.entries == report.checkpoint_size == fresh.final_size
    assert progress[-1] == fresh.final_size
    assert count_entries(fresh.path) == fresh.final_size
    assert report.checkpoints == 3
    with world.ledger.unit_of_work(write=False) as uow:
        latest = uow.store.latest_checkpoint()
        root = uow.store.frontier(uow.store.size()).root()
    assert latest is not None and report.checkpoint == latest[1]
    assert report.root == root.hex()
    # 150 converted, 20 issued on paper, 10 reconverted: 160 in circulation, 15 on paper
    # (5 exchanged), backed by 55 + 15 in the reserves and 90 still at the office.
    assert (report.circulation, report.paper, report.backing) == (160_00, 15_00, 160_00)
    assert world.balance(1) == -160_00 and world.balance(2) == 15_00
    assert world.balance(11) + world.balance(12) + world.balance(world.office) == 160_00
    counts = dict(report.counts)
    assert counts["genesis"] == 1
    assert (counts["conversion"], counts["transfer"], counts["paper_issue"]) == (2, 4, 1)
    assert (counts["deposit"], counts["paper_exchange"]) == (2, 1)
    assert (counts["reconversion"], counts["payout"]) == (1, 1)
    assert counts["key"] == 7  # office agent, treasurer, alice, bob, shop, cashier; 1 revoked
    assert sum(counts.values()) == report.entries
    assert any(str(report.entries) in line for line in report.lines())


def test_the_export_is_a_header_then_entries_in_order_with_each_checkpoint_after_its_size(
    world: World, fresh: Scenario
) -> None:
    header, items = read(fresh.path)
    assert header == {
        "format": "sou-log/1",
        "host": HOST,
        "currency": UNIT,
        "origin": ORIGIN,
        "ledger_key": world.ledger.key.public_bytes.hex(),
        "checkpoint_verifier": world.ledger.verifier_key,
    }
    seen = 0
    for item in items:
        if "i" in item:
            assert item["i"] == seen
            seen += 1
        else:
            assert note_size(str(item["checkpoint"])) == seen
    assert "checkpoint" in items[-1]
    first = fresh.path.read_text("utf-8").splitlines()[1]
    assert first.startswith('{"i":0,"leaf":"') and " " not in first


def test_verification_in_worker_processes_gives_the_same_report(
    fresh: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_signatures, "CHUNK", 4)
    assert verify_log(fresh.path, workers=2) == verify_log(fresh.path, workers=0)


# --- tampering -------------------------------------------------------------------------------


def test_a_flipped_byte_anywhere_in_a_record_is_reported_at_that_entry(
    scenario: Scenario,
) -> None:
    header, items = read(scenario.path)
    signed = leaves(items)[scenario.payment][:-64]
    kid = signed.index(b'"kid":"') + len(b'"kid":"')
    for position in range(signed.index(b"{"), len(signed), 3):

        def flip(leaf: bytes, at: int = position) -> bytes:
            return leaf[:at] + bytes([leaf[at] ^ 0x01]) + leaf[at + 1 :]

        caught = failure(
            write(scenario.path, header, with_leaf(list(items), scenario.payment, flip))
        )
        assert caught.entry == scenario.payment
        if kid <= position < kid + 8:  # the record names a key that does not exist, or no key
            assert caught.kind in ("rule-violation", "malformed-record")
        else:
            assert caught.kind in ("bad-signature", "malformed-record"), position


def test_a_changed_amount_is_a_bad_signature_at_that_entry(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    items = with_leaf(
        items, scenario.payment, lambda b: b.replace(b'"amount":1250', b'"amount":125')
    )
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("bad-signature", scenario.payment)


def test_an_altered_signature_is_reported_at_that_entry(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    items = with_leaf(items, scenario.refund, lambda b: b[:-10] + bytes([b[-10] ^ 0x40]) + b[-9:])
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("bad-signature", scenario.refund)


def test_a_removed_entry_line_is_reported_missing(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    del items[entry_position(items, scenario.side_payment)]
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("missing-entry", scenario.side_payment)


def test_two_swapped_entry_lines_are_reported_out_of_order(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    position = entry_position(items, scenario.side_payment)
    items[position], items[position + 1] = items[position + 1], items[position]
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("out-of-order", scenario.side_payment)


def test_a_repeated_entry_line_is_reported_out_of_order(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    position = entry_position(items, scenario.side_payment)
    items.insert(position, items[position])
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("out-of-order", scenario.side_payment + 1)


def test_a_checkpoint_signed_by_another_key_is_reported(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    position, note = next((n, i) for n, i in enumerate(items) if "checkpoint" in i)
    size = note_size(str(note["checkpoint"]))
    forged = sign_checkpoint(
        ORIGIN, size, bytes(32), name=ORIGIN, private_key=Ed25519PrivateKey.generate()
    )
    items[position] = {"checkpoint": forged.text}
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("checkpoint-signature", size - 1)


def test_a_checkpoint_truly_signed_over_another_root_is_reported(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    first, second = notes(items)[:2]
    position = next(n for n, i in enumerate(items) if i.get("checkpoint") == second)
    wrong = signed_note(scenario.world, leaves(items)[: note_size(second)], root=bytes(32))
    items[position] = {"checkpoint": wrong}
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("checkpoint-root", note_size(first))


def test_a_checkpoint_moved_elsewhere_is_reported(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    position = next(n for n, i in enumerate(items) if "checkpoint" in i)
    moved = items.pop(position)
    items.insert(position + 1, moved)
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("checkpoint-size", note_size(str(moved["checkpoint"])))


def test_a_checkpoint_line_repeated_is_reported_out_of_order(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    position = next(n for n, i in enumerate(items) if "checkpoint" in i)
    items.insert(position, items[position])
    caught = failure(write(scenario.path, header, items))
    size = note_size(str(items[position]["checkpoint"]))
    assert (caught.kind, caught.entry) == ("checkpoint-order", size - 1)


def test_a_file_cut_before_its_final_checkpoint_has_an_unauthenticated_tail(
    scenario: Scenario,
) -> None:
    header, items = read(scenario.path)
    caught = failure(write(scenario.path, header, items[:-1]))
    assert (caught.kind, caught.entry) == ("unauthenticated-tail", note_size(notes(items)[-2]))


def test_entries_after_the_final_checkpoint_are_an_unauthenticated_tail(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    extra = scenario.world.transfer(scenario.alice, scenario.shop, 1_00)
    items.append({"i": scenario.final_size, "leaf": base64.b64encode(extra.leaf).decode()})
    caught = failure(write(scenario.path, header, items))
    assert (caught.kind, caught.entry) == ("unauthenticated-tail", scenario.final_size)


def test_a_ledger_key_other_than_the_logs_is_reported_at_the_genesis(scenario: Scenario) -> None:
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    caught = failure(scenario.path, ledger_key=other)
    assert (caught.kind, caught.entry) == ("genesis", 0)


def test_a_header_that_does_not_match_the_genesis_is_reported(scenario: Scenario) -> None:
    header, items = read(scenario.path)
    caught = failure(write(scenario.path, {**header, "currency": "ABC"}, items))
    assert (caught.kind, caught.entry) == ("genesis", 0)
    caught = failure(write(scenario.path, {**header, "format": "sou-log/2"}, items))
    assert (caught.kind, caught.entry) == ("header", None)


def test_an_empty_file_or_one_without_genesis_is_reported_as_a_bad_header(
    scenario: Scenario,
) -> None:
    header, _ = read(scenario.path)
    empty = scenario.path.with_name("empty.jsonl")
    empty.write_text("")
    assert failure(empty).kind == "header"
    assert failure(write(scenario.path, header, [])).kind == "header"


def test_entries_renumbered_after_removing_one_no_longer_match_the_checkpoints(
    scenario: Scenario,
) -> None:
    header, items = read(scenario.path)
    kept = leaves(items)
    del kept[scenario.side_payment]
    caught = failure(write(scenario.path, header, lay_out(kept, notes(items))))
    start = max(note_size(n) for n in notes(items) if note_size(n) <= scenario.side_payment)
    assert (caught.kind, caught.entry) == ("checkpoint-root", start)


def test_deleting_a_conversion_breaks_the_rules_or_the_checkpoint_that_covers_it(
    scenario: Scenario,
) -> None:
    header, items = read(scenario.path)
    kept = leaves(items)
    del kept[scenario.alice_conversion]
    spends = scenario.payment - 1  # alice's payment, renumbered: she has nothing to pay
    sizes = [note_size(n) for n in notes(items)]
    caught = failure(write(scenario.path, header, lay_out(kept, notes(items))))
    betraying = [s for s in sizes if scenario.alice_conversion < s <= spends]
    if betraying:  # a checkpoint comes before the payment that can no longer be made
        start = max([0, *(s for s in sizes if s <= scenario.alice_conversion)])
        assert (caught.kind, caught.entry) == ("checkpoint-root", start)
    else:
        assert (caught.kind, caught.entry) == ("rule-violation", spends)
    # Without the checkpoints, the replay itself refuses alice's spending.
    caught = failure(write(scenario.path, header, lay_out(kept, [])))
    assert (caught.kind, caught.entry) == ("rule-violation", spends)
    assert "lacks" in caught.message


def test_a_correctly_signed_payment_beyond_the_balance_is_a_rule_violation(
    scenario: Scenario,
) -> None:
    too_much = scenario.world.transfer(scenario.alice, scenario.shop, 1_000_00)
    caught = failure(extended(scenario, too_much))
    assert (caught.kind, caught.entry) == ("rule-violation", scenario.final_size)


def test_a_day_closed_twice_is_a_rule_violation(scenario: Scenario) -> None:
    again = scenario.world.day(scenario.shop, "2026-03-14", declared=0)
    caught = failure(extended(scenario, again))
    assert (caught.kind, caught.entry) == ("rule-violation", scenario.final_size)
    assert "already closed" in caught.message


def test_a_record_signed_by_a_revoked_key_is_a_rule_violation(scenario: Scenario) -> None:
    late_refund = scenario.world.transfer(
        scenario.shop, scenario.alice, 1_00, ref=None, key=scenario.cashier.key
    )
    caught = failure(extended(scenario, late_refund))
    assert (caught.kind, caught.entry) == ("rule-violation", scenario.final_size)
    assert "revoked" in caught.message


def test_a_record_long_expired_when_it_was_logged_is_a_rule_violation(scenario: Scenario) -> None:
    stale = operation(
        "transfer",
        key=scenario.alice.key,
        host=HOST,
        currency=UNIT,
        now=scenario.world.now - 3600,
        from_=scenario.alice.account,
        to=scenario.shop.account,
        amount=1_00,
        payreq=None,
        ref=None,
    )
    caught = failure(extended(scenario, stale))
    assert (caught.kind, caught.entry) == ("rule-violation", scenario.final_size)


def test_a_payment_request_paid_twice_is_a_rule_violation(scenario: Scenario) -> None:
    _, items = read(scenario.path)
    (paid,) = [sr for sr in map(parse_leaf, leaves(items)) if sr.record.get("payreq")]
    again = scenario.world.transfer(  # alice pays what bob already paid
        scenario.alice, scenario.shop, 7_25, payreq=paid.record["payreq"]
    )
    caught = failure(extended(scenario, again))
    assert (caught.kind, caught.entry) == ("rule-violation", scenario.final_size)
    assert "already paid" in caught.message


def test_a_record_logged_twice_is_reported_as_a_duplicate(scenario: Scenario) -> None:
    _, items = read(scenario.path)
    again = leaves(items)[scenario.side_payment]
    header, items = read(scenario.path)
    all_leaves = [*leaves(items), again]
    path = write(
        scenario.path,
        header,
        lay_out(all_leaves, [*notes(items), signed_note(scenario.world, all_leaves)]),
    )
    caught = failure(path)
    assert (caught.kind, caught.entry) == ("duplicate", scenario.final_size)


def test_a_bad_signature_is_reported_first_even_when_workers_check_the_signatures(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_signatures, "CHUNK", 4)
    header, items = read(scenario.path)
    items = with_leaf(items, scenario.payment, lambda b: b[:-1] + bytes([b[-1] ^ 0x01]))
    del items[entry_position(items, scenario.side_payment + 3)]  # a later problem
    path = write(scenario.path, header, items)
    for workers in (0, 2):
        caught = failure(path, workers=workers)
        assert (caught.kind, caught.entry) == ("bad-signature", scenario.payment)
