"""Coming from another platform: a Cyclos 4 export (made by scripts/make_cyclos_export.py) or
a generic CSV, planned, signed by the treasurer and imported whole, or refused whole."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from association import platform_import as pi
from association.errors import (
    ImportAlreadyDone,
    ImportDuplicateLogin,
    ImportNegativeBalance,
    ImportRecordsMismatch,
    ImportUnbalanced,
    ImportUnknownOwner,
    MalformedImportFile,
    PlatformImportError,
)
from association.members import erase_member
from ledger.errors import NotAuthorized
from ledger.records import SignedRecord
from tests.support import World


def _load_generator() -> ModuleType:
    path = Path(__file__).parents[2] / "scripts" / "make_cyclos_export.py"
    spec = importlib.util.spec_from_file_location("make_cyclos_export", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


GENERATOR = _load_generator()


def cyclos_files(users: int = 1500, transfers: int = 5000, seed: int = 20) -> dict[str, bytes]:
    return {k: v.encode() for k, v in GENERATOR.make(users, transfers, seed).items()}


def signed(world: World, plan: pi.Plan) -> list[SignedRecord]:
    return [
        world.record("conversion", world.treasurer.key, memo=plan.memo, **fields)
        for fields in plan.records
    ]


def do_import(world: World, source: str, files: dict[str, bytes]) -> pi.Imported:
    parsed = pi.parse(source, files)
    with world.ledger.unit_of_work(write=False) as uow:
        plan = pi.plan(uow, parsed)
    records = signed(world, plan)
    with world.ledger.unit_of_work() as uow:
        done = pi.run(uow, parsed, records=records, now=world.now)
        uow.commit()
    return done


def test_amounts_are_parsed_exactly_into_cents() -> None:
    assert pi.parse_amount("1 234,56") == 123456
    assert pi.parse_amount("1\u00a0234,56") == 123456
    assert pi.parse_amount("1234.56") == 123456
    assert pi.parse_amount("1.234,56") == 123456
    assert pi.parse_amount("-12,5") == -1250
    assert pi.parse_amount("0,01") == 1
    assert pi.parse_amount("7") == 700
    for bad in ("", "1,234", "12,345", "1e3", "abc", "1 23,00", "--1", "0x10", "1.2.3"):
        with pytest.raises(ValueError):
            pi.parse_amount(bad)


def test_a_realistic_cyclos_export_is_imported_and_reconciled(world: World) -> None:
    files = cyclos_files()
    assert sum(len(f.splitlines()) for f in files.values()) > 8000
    parsed = pi.parse("cyclos", files)
    with world.ledger.unit_of_work(write=False) as uow:
        plan = pi.plan(uow, parsed)
    assert len(plan.accounts) == 1500
    assert plan.reconciliation["difference"] == 0
    total = plan.reconciliation["total"]
    assert isinstance(total, int) and parsed.debit == -total
    done = do_import(world, "cyclos", files)
    assert len(done.accounts) == 1500 and done.transfers > 5000
    assert done.reconciliation["difference"] == 0
    after = done.reconciliation["ledger_after"]
    before = done.reconciliation["ledger_before"]
    assert isinstance(after, dict) and isinstance(before, dict)
    assert sum(after.get(k, 0) - before.get(k, 0) for k in ("resident", "merchant")) == total
    for opening, holder in zip(done.accounts[:50], parsed.holders[:50], strict=True):
        assert world.balance(opening) == holder.balance
    with world.ledger.unit_of_work(write=False) as uow:
        count, page = pi.archive(uow, account=done.accounts[0], limit=10)
        assert count >= 1 and len(page) <= 10
        assert (
            sum(line.amount for line in pi.archive(uow, account=done.accounts[0], limit=10**6)[1])
            == parsed.holders[0].balance
        )
        # the reconciliation of the reserve: an import is no bank movement in transit
        rows = uow.reads.postings(types=("conversion",), records=True)
        assert {r.record["method"] for r in rows} == {"import"}
    with pytest.raises(ImportAlreadyDone):
        do_import(world, "cyclos", files)


def _replace(data: bytes, old: str, new: str) -> bytes:
    text = data.decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def _broken() -> list[tuple[str, dict[str, bytes], type[PlatformImportError]]]:
    files = cyclos_files(60, 200, seed=3)
    accounts_lines = files["accounts"].decode().splitlines()
    owner, kind, number, balance = accounts_lines[1].split(";")
    cases: list[tuple[str, dict[str, bytes], type[PlatformImportError]]] = [
        (
            "bad amount",
            {**files, "accounts": _replace(files["accounts"], f";{balance}\n", ";12,3x\n")},
            MalformedImportFile,
        ),
        (
            "unknown owner",
            {**files, "accounts": _replace(files["accounts"], f"{owner};", "inconnu;")},
            ImportUnknownOwner,
        ),
        (
            "unknown payee",
            {**files, "transfers": _replace(files["transfers"], ";membre00001;", ";fantome;")},
            ImportUnknownOwner,
        ),
        (
            "unbalanced debit account",
            {
                **files,
                "accounts": _replace(
                    files["accounts"], "Compte de débit;1;-", "Compte de débit;1;-1"
                ),
            },
            ImportUnbalanced,
        ),
        (
            "history that does not give the balances",
            {
                **files,
                "accounts": _replace(
                    files["accounts"],
                    f"{owner};{kind};{number};{balance}",
                    f"{owner};{kind};{number};{pi_amount(balance, 1)}",
                ),
            },
            ImportUnbalanced,
        ),
        (
            "duplicate login",
            {
                **files,
                "users": files["users"] + files["users"].decode().splitlines()[5].encode() + b"\n",
            },
            ImportDuplicateLogin,
        ),
        (
            "wrong columns",
            {**files, "accounts": _replace(files["accounts"], "Solde", "Avoir")},
            MalformedImportFile,
        ),
        (
            "negative balance",
            {**files, "accounts": _replace(files["accounts"], f";{balance}\n", f";-{balance}\n")},
            ImportNegativeBalance,
        ),
        ("not a CSV", {**files, "users": b'\x00\x01binary"\x00;\n"x'}, MalformedImportFile),
        (
            "bad date",
            {**files, "transfers": _replace(files["transfers"], "02/01/2023", "32/13/2023")},
            MalformedImportFile,
        ),
    ]
    cases.append(
        (
            "bad e-mail",
            {**files, "users": _replace(files["users"], "membre00003@exemple.fr", "pas@@courriel")},
            MalformedImportFile,
        )
    )
    return cases


def pi_amount(text: str, plus: int) -> str:
    return str(GENERATOR.fr_amount(pi.parse_amount(text) + plus))


@pytest.mark.parametrize("index", range(11))
def test_a_broken_export_is_refused_with_a_typed_error_and_nothing_written(
    world: World, index: int
) -> None:
    why, files, error = _broken()[index]
    before = world.row_counts()
    with pytest.raises(error) as refused:
        do_import(world, "cyclos", files)
    assert refused.value.code.startswith(("malformed-import", "import-")), why
    assert world.row_counts() == before, why


def test_signed_records_that_are_not_the_plan_are_refused_and_nothing_written(
    world: World,
) -> None:
    files = cyclos_files(30, 100, seed=5)
    parsed = pi.parse("cyclos", files)
    with world.ledger.unit_of_work(write=False) as uow:
        plan = pi.plan(uow, parsed)
    records = signed(world, plan)
    fields = dict(plan.records[0])
    fields["amount"] = int(str(fields["amount"])) + 1
    tampered = [world.record("conversion", world.treasurer.key, **fields), *records[1:]]
    before = world.row_counts()
    for wrong in (tampered, records[1:], [*records, records[0]]):
        with pytest.raises(ImportRecordsMismatch), world.ledger.unit_of_work() as uow:
            pi.run(uow, parsed, records=wrong, now=world.now)
            uow.commit()
        assert world.row_counts() == before
    # an account opened between the preview and the import: the plan is stale
    world.resident()
    before = world.row_counts()
    with pytest.raises(ImportRecordsMismatch), world.ledger.unit_of_work() as uow:
        pi.run(uow, parsed, records=records, now=world.now)
        uow.commit()
    assert world.row_counts() == before


def test_a_resident_cannot_sign_opening_balances(world: World) -> None:
    files = cyclos_files(10, 30, seed=7)
    parsed = pi.parse("cyclos", files)
    someone = world.resident()
    with world.ledger.unit_of_work(write=False) as uow:
        plan = pi.plan(uow, parsed)
    records = [world.record("conversion", someone.key, **f) for f in plan.records]
    before = world.row_counts()
    with pytest.raises(NotAuthorized) as refused, world.ledger.unit_of_work() as uow:
        pi.run(uow, parsed, records=records, now=world.now)
        uow.commit()
    assert getattr(refused.value, "code", "") == "not-authorized"
    assert world.row_counts() == before


GENERIC = (
    "identifiant;nom;courriel;type;solde\n"
    "a1;Élodie Martin;elodie@exemple.fr;particulier;12,50\n"
    "b2;Épicerie du coin;;professionnel;1 000,00\n"
    "c3;Jean Roux;;particulier;0\n"
)
HISTORY = (
    "date;de;à;montant;description;référence\n"
    "2025-03-01;;a1;20,00;Conversion;H1\n"
    "2025-03-02 10:00;a1;b2;7,50;Pain;H2\n"
    "2025-03-03;;b2;992,50;Conversion;H3\n"
)


def test_a_generic_csv_is_imported_with_its_history(world: World) -> None:
    done = do_import(world, "generic", {"accounts": GENERIC.encode(), "history": HISTORY.encode()})
    a1, b2, c3 = done.accounts
    assert (world.balance(a1), world.balance(b2), world.balance(c3)) == (12_50, 1000_00, 0)
    assert done.records == 2
    with world.ledger.unit_of_work(write=False) as uow:
        count, lines = pi.archive(uow, account=a1)
        assert count == 2 and [x.amount for x in lines] == [-750, 2000]
        assert lines[0].counterparty == "Épicerie du coin"
        holder = uow.reads.holders([a1])[a1]
        assert holder.name == "Élodie Martin"


def test_erasing_a_member_erases_their_archived_history(world: World) -> None:
    extra = "2025-03-04;a1;c3;2,00;Merci;H4\n2025-03-05;c3;a1;2,00;Retour;H5\n"
    files = {"accounts": GENERIC.encode(), "history": (HISTORY + extra).encode()}
    done = do_import(world, "generic", files)
    a1, c3 = done.accounts[0], done.accounts[2]
    world.set_status(c3, "closed")  # an empty account: closed, then its holder erased
    with world.ledger.unit_of_work() as uow:
        erased = erase_member(uow, number=c3)
        uow.commit()
    assert erased.archived == 2
    with world.ledger.unit_of_work(write=False) as uow:
        assert pi.archive(uow, account=c3)[0] == 0
        count, lines = pi.archive(uow, account=a1)
        assert count == 4  # the other side keeps its own rows, without the erased name
        assert "Jean Roux" not in {x.counterparty for x in lines}


def test_opening_balances_are_in_the_reserve_and_never_in_transit(world: World) -> None:
    from association.bank_import import register_bank_account
    from association.reserve_check import reserve_check

    with world.ledger.unit_of_work() as uow:
        register_bank_account(
            uow, iban="FR7610278360550002048150165", reserve="digital", label="Réserve"
        )
        uow.commit()
    done = do_import(world, "generic", {"accounts": GENERIC.encode()})
    with world.ledger.unit_of_work(write=False) as uow:
        (digital,) = reserve_check(uow)
    assert digital.reserve_balance == 1012_50 == done.reconciliation["total"]
    assert digital.in_transit == ()
    # a bank conversion, by contrast, waits for its statement line
    holder = world.resident()
    world.post(
        world.record(
            "conversion",
            world.treasurer.key,
            method="bank",
            office=None,
            to=holder.account,
            amount=5_00,
        )
    )
    with world.ledger.unit_of_work(write=False) as uow:
        (digital,) = reserve_check(uow)
    assert [t.amount for t in digital.in_transit] == [5_00]
