"""Publishing the signed reserve statement (FORMATS.md §8), its cosignatures and holders' proofs.

`publish` ties a date to the latest log checkpoint (signed if the log grew), builds a Merkle
sum tree (`association.liabilities`) under a fresh salt over every holder account that existed
at that checkpoint, with its balance there, plus one leaf ``paper`` for the notes held by the
public (anonymous, but owed all the same), so that the liabilities are the whole circulation.
The note is signed by the ledger key under the name ``<host>/ledger`` (the checkpoints' key and
name, so the verifier key published at `GET /v1/ledger` checks both) and kept with its salt and
the balances, from which each holder's proof is rebuilt on demand.

**What the reserve is.** The ledger's own books cannot fall short: every record keeps backing
equal to circulation (FORMATS.md §3). A shortfall is a fact of the bank: the reserve in the
statement is, for each reserve bank account whose statement was imported (the latest one
closing on or before the statement's date), the bank's closing balance adjusted as a bank
reconciliation does (plus the offices' cash deposits in transit, less the payout batches the
bank has not debited yet), less the euros it holds that back no unit — the payouts payable
and fees earned, held in the digital reserve's account — plus, for a reserve account with no
imported statement, its ledger balance, plus the cash at the offices (at the checkpoint). If
the bank holds less than the ledger says it should, the reserve is below the liabilities and
the statement is published all the same, marked ``SHORTFALL``.

**What it was checked against.** The note names the SHA-256 of every bank statement file it
counts (one ``bank-statement`` line each; the digest is kept with the imported file). A
reserve account that holds euros by the ledger but has no bank statement closing on or before
the date is counted at its ledger balance, which no bank has confirmed: the statement is then
``UNCHECKED``, not ``OK`` (still ``SHORTFALL`` if short), so that the ledger never certifies
its own word as the bank's. It is published all the same, since a refusal would leave the
public with no statement at all; a reserve held only as the offices' cash, with nothing at the
bank, is ``OK``. With no bank statement at all, the note names the SHA-256 of the empty file
(``e3b0c442…b855``).

Cosignatures: a treasurer or auditor device adds its own line, signed under the name
``<host>/<role>`` with its device key; it is verified before it is stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, insert, select, update

from association.dashboard import system_numbers
from association.errors import (
    LiabilityError,
    ReserveStatementError,
    StatementAlreadyPublished,
    UnknownReserveStatement,
)
from association.liabilities import LiabilityProof, SumTree, build, new_salt
from association.reserve_check import reserve_check
from association.reserve_statement import make_statement, sign_statement, verify_statement
from association.tables import BANK_ACCOUNTS, BANK_STATEMENTS, RESERVE_STATEMENTS
from ledger.accounts import HOLDER_KINDS, Key
from ledger.acts import record_act
from ledger.checkpoint import SIGNATURE_PREFIX, Checkpoint, key_hash, verifier_key
from ledger.errors import NotAuthorized
from ledger.numbering import next_number
from ledger.ports import LedgerUnitOfWork
from ledger.transparency import latest_checkpoint

NO_BANK_STATEMENT = hashlib.sha256(b"").hexdigest()
PAPER_LEAF = "paper"
COSIGNING_ROLES = frozenset({"treasurer", "auditor"})


@dataclass(frozen=True, slots=True)
class BankPart:
    """What one reserve bank account contributes to the statement's reserve."""

    iban: str
    ledger_account: int
    sha256: str
    closing_date: str
    closing_balance: int
    held_apart: int  # payouts payable and fees earned held in it, backing no unit
    # the bank reconciliation's adjustments (association.reserve_check): cash an office's agent
    # counted and deposited that the bank books a day or two later (+), payout batches sent
    # that the bank has not debited yet (−); a bank conversion the bank has not shown is not
    # counted, since nobody but the treasurer has seen it
    in_transit: int = 0

    @property
    def backing(self) -> int:
        return max(0, self.closing_balance + self.in_transit - self.held_apart)


@dataclass(frozen=True, slots=True)
class ReserveBasis:
    banks: tuple[BankPart, ...]
    ledger_only: int  # reserve accounts with no imported bank statement, at their ledger balance
    office_cash: int
    unchecked: tuple[int, ...] = ()  # reserve accounts holding euros with no bank statement

    @property
    def checked(self) -> bool:
        """Every reserve account that holds euros by the ledger was checked against its bank."""
        return not self.unchecked

    @property
    def total(self) -> int:
        return sum(bank.backing for bank in self.banks) + self.ledger_only + self.office_cash

    @property
    def digests(self) -> tuple[str, ...]:
        return tuple(bank.sha256 for bank in self.banks) or (NO_BANK_STATEMENT,)


@dataclass(frozen=True, slots=True)
class Published:
    id: int
    date: dt.date
    status: str
    checkpoint_size: int
    liabilities: int
    reserve: int
    note: str
    basis: ReserveBasis

    @property
    def shortfall(self) -> int:
        return max(0, self.liabilities - self.reserve)


@dataclass(frozen=True, slots=True)
class StatementSummary:
    id: int
    date: str
    status: str
    checkpoint_size: int
    liabilities: int
    reserve: int


@dataclass(frozen=True, slots=True)
class HolderProof:
    statement: int
    date: str
    account: int
    balance: int
    proof: LiabilityProof
    note: str


def holder_balances(uow: LedgerUnitOfWork, *, size: int) -> dict[str, int]:
    """Every holder account opened within the first `size` entries, with its balance there,
    and the paper notes held by the public under the leaf ``paper``."""
    balances = uow.reads.balances_at(size)
    holders = [a.number for a in uow.reads.accounts(kinds=HOLDER_KINDS) if a.opened_idx < size]
    leaves = {str(number): balances.get(number, 0) for number in holders}
    leaves[PAPER_LEAF] = balances.get(system_numbers(uow)["paper"], 0)
    return leaves


def _latest_bank_statements(uow: LedgerUnitOfWork, on: dt.date) -> dict[str, Row[Any]]:
    """The latest statement of each bank account closing on or before `on`, by IBAN."""
    rows = uow.connection.execute(
        select(BANK_STATEMENTS, BANK_ACCOUNTS.c.ledger_account)
        .join(BANK_ACCOUNTS, BANK_ACCOUNTS.c.iban == BANK_STATEMENTS.c.iban)
        .where(BANK_STATEMENTS.c.closing_date <= on.isoformat())
        .order_by(BANK_STATEMENTS.c.closing_date, BANK_STATEMENTS.c.id)
    )
    return {row.iban: row for row in rows}  # later rows replace earlier ones


def reserve_basis(uow: LedgerUnitOfWork, *, size: int, on: dt.date) -> ReserveBasis:
    """The reserve a statement of `on` at checkpoint `size` certifies (see the module's doc)."""
    balances = uow.reads.balances_at(size)
    system = system_numbers(uow)
    reserves = {system["reserve:digital"], system["reserve:paper"]}
    apart = {
        system["reserve:digital"]: balances.get(system["payouts"], 0)
        + balances.get(system["association"], 0)
    }
    banks: list[BankPart] = []
    covered: set[int] = set()
    transit = {
        check.iban: sum(t.amount for t in check.in_transit if t.kind == "deposit" or t.amount < 0)
        for check in reserve_check(uow)
    }
    for iban, row in sorted(_latest_bank_statements(uow, on).items()):
        account = int(row.ledger_account)
        if account not in reserves:
            continue  # a bank account of the association that is not the reserve's
        covered.add(account)
        banks.append(
            BankPart(
                iban=iban,
                ledger_account=account,
                sha256=row.sha256,
                closing_date=row.closing_date,
                closing_balance=int(row.closing_balance),
                held_apart=apart.get(account, 0),
                in_transit=transit.get(iban, 0),
            )
        )
    offices = uow.reads.accounts(kinds=["office_cash"])
    uncovered = sorted(reserves - covered)
    return ReserveBasis(
        banks=tuple(banks),
        ledger_only=sum(balances.get(n, 0) for n in uncovered),
        office_cash=sum(balances.get(office.number, 0) for office in offices),
        unchecked=tuple(n for n in uncovered if balances.get(n, 0) != 0),
    )


def _checkpoint(uow: LedgerUnitOfWork, *, now: int) -> Checkpoint:
    published = latest_checkpoint(uow, now=now)
    root = uow.reads.checkpoint_root(published.size)
    assert root is not None, "latest_checkpoint stores the checkpoint it returns"
    return Checkpoint(uow.ledger.origin, published.size, root, published.note)


def publish(uow: LedgerUnitOfWork, *, on: dt.date, now: int) -> Published:
    """Signs and stores the reserve statement of `on`; a second one for `on` is refused."""
    if _row_of_date(uow, on) is not None:
        raise StatementAlreadyPublished(
            f"a reserve statement was already published for {on.isoformat()}", date=on.isoformat()
        )
    checkpoint = _checkpoint(uow, now=now)
    balances = holder_balances(uow, size=checkpoint.size)
    salt = new_salt()
    tree = build(balances, salt)
    basis = reserve_basis(uow, size=checkpoint.size, on=on)
    statement = make_statement(
        host=uow.ledger.host,
        on=on,
        checkpoint=checkpoint,
        liabilities=tree.total,
        liabilities_root=tree.root_hash,
        reserve=basis.total,
        bank_statements=basis.digests,
        checked=basis.checked,
    )
    note = sign_statement(statement, name=uow.ledger.origin, private_key=uow.ledger.key.private_key)
    number = next_number(uow.connection, RESERVE_STATEMENTS.c.id)
    uow.connection.execute(
        insert(RESERVE_STATEMENTS).values(
            id=number,
            date=on.isoformat(),
            checkpoint_size=checkpoint.size,
            liabilities=tree.total,
            reserve=basis.total,
            status=statement.status,
            note=note,
            salt=salt,
            balances=json.dumps(balances, sort_keys=True).encode("utf-8"),
            created=now,
        )
    )
    record_act(
        uow, "reserve.publish", int(number), {"date": on.isoformat(), "status": statement.status}
    )
    return Published(
        int(number), on, statement.status, checkpoint.size, tree.total, basis.total, note, basis
    )


def _row_of_date(uow: LedgerUnitOfWork, on: dt.date) -> Row[Any] | None:
    return uow.connection.execute(
        select(RESERVE_STATEMENTS.c.id).where(RESERVE_STATEMENTS.c.date == on.isoformat())
    ).first()


def _row(uow: LedgerUnitOfWork, number: int) -> Row[Any]:
    row = uow.connection.execute(
        select(RESERVE_STATEMENTS).where(RESERVE_STATEMENTS.c.id == number)
    ).first()
    if row is None:
        raise UnknownReserveStatement(f"no reserve statement {number}", statement=number)
    return row


def statements(uow: LedgerUnitOfWork) -> list[StatementSummary]:
    """Every published reserve statement, newest first."""
    rows = uow.connection.execute(
        select(RESERVE_STATEMENTS).order_by(RESERVE_STATEMENTS.c.date.desc())
    )
    return [
        StatementSummary(r.id, r.date, r.status, r.checkpoint_size, r.liabilities, r.reserve)
        for r in rows
    ]


def statement_note(uow: LedgerUnitOfWork, *, number: int) -> str:
    """The signed note, with every cosignature added so far."""
    return str(_row(uow, number).note)


def _tree(row: Row[Any]) -> tuple[SumTree, dict[str, int]]:
    balances: dict[str, int] = json.loads(bytes(row.balances))
    return build(balances, bytes(row.salt)), balances


def holder_proof(uow: LedgerUnitOfWork, *, number: int, account: int) -> HolderProof:
    """The proof that `account`'s balance is counted in statement `number`."""
    row = _row(uow, number)
    tree, balances = _tree(row)
    if str(account) not in balances:
        raise LiabilityError(
            f"account {account} is not a holder in reserve statement {number}", account=account
        )
    proof = tree.proof(str(account))
    return HolderProof(
        statement=number,
        date=row.date,
        account=account,
        balance=proof.balance,
        proof=proof,
        note=row.note,
    )


def cosigner_name(host: str, role: str) -> str:
    return f"{host}/{role}"


def cosign(uow: LedgerUnitOfWork, *, number: int, device: Key, line: str) -> str:
    """Adds `device`'s signature line to statement `number` once it verifies; the new note."""
    if device.role not in COSIGNING_ROLES:
        raise NotAuthorized("only a treasurer's or an auditor's key cosigns a reserve statement")
    row = _row(uow, number)
    name = cosigner_name(uow.ledger.host, device.role)
    line = line.removesuffix("\n")
    expected = f"{SIGNATURE_PREFIX}{name} "
    if "\n" in line or not line.startswith(expected):
        raise ReserveStatementError(f"a cosignature is one line '{expected}<base64>'")
    note = str(row.note) + line + "\n"
    verify_statement(note, [verifier_key(name, device.public_key)])
    # The note may already hold a valid line by this key; the new line must be its own.
    blob = base64.b64decode(line.removeprefix(expected).encode("ascii"))
    if blob[:4] != key_hash(name, device.public_key):
        raise ReserveStatementError("the cosignature is not made by this device's key")
    uow.connection.execute(
        update(RESERVE_STATEMENTS).where(RESERVE_STATEMENTS.c.id == number).values(note=note)
    )
    record_act(uow, "reserve.cosign", number, {"role": device.role, "kid": device.kid})
    return note
