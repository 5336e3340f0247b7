"""The self-check: the stored ledger, read whole, against what the service signed.

A batch checks only the accounts it touches (ledger.integrity). This reads everything, in one
read transaction: every entry (its leaf hash is the hash of its leaf, the leaf is a record,
the indexes have no gap), the tree those leaves make against the stored nodes, the log head
and the latest signed checkpoint; every posting (its entry exists) folded into each account's
debits, credits and latest entry, against the account's row and its seal; and the reserve's
invariants (FORMATS.md §3) over the folded balances. It names each problem found, the first
of each kind first, and never stops on damaged data with anything but a finding.

The service runs it as it starts and then in the background (`wallet_api.app`); `sou audit
db` runs it on demand. It only reads, in one snapshot (REPEATABLE READ on PostgreSQL, a read
transaction on SQLite), so writers go on meanwhile. A damaged log stops the process's writes;
an account whose row or seal does not fold from its postings is quarantined
(ledger.integrity). `seal_unsealed` seals, once, the accounts of a database from before seals,
each only if its row folds from its postings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ledger import integrity
from ledger.accounts import Account
from ledger.audit_report import check_invariants
from ledger.checkpoint import open_checkpoint
from ledger.context import Ledger, LedgerUnitOfWork
from ledger.errors import SouError
from ledger.log import CompactRange, leaf_hash
from ledger.persistence.tables import ACCOUNTS, ENTRIES, LOG_HEAD, POSTINGS
from ledger.records import parse_leaf
from ledger.state import LedgerState

CHUNK = 5_000  # rows read at a time


LOG_KINDS = ("entry", "log", "posting")  # what damages the log itself


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # "entry", "posting", "account", "log", "reserve"
    subject: str  # "entry 42", "account 1063", …
    why: str
    account: int | None = None  # the account a finding of kind "account" is about

    def __str__(self) -> str:
        return f"{self.subject}: {self.why}"


def account_finding(number: int, why: str) -> Finding:
    return Finding("account", f"account {number}", why, number)


@dataclass
class Report:
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def damage(self) -> Finding | None:
        """The first finding that damages the log itself (an entry, a posting, the tree)."""
        return next((f for f in self.findings if f.kind in LOG_KINDS), None)

    def first(self, kind: str) -> Finding | None:
        return next((f for f in self.findings if f.kind == kind), None)


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def self_check(ledger: Ledger, *, progress: Progress | None = None, alarm: bool = True) -> Report:
    """Reads the whole stored ledger and reports what does not hold; with `alarm`, raises
    this process's alarm for what it found (ledger.integrity)."""
    report = Report()
    tell = progress or (lambda phase, done, total: None)
    with ledger.unit_of_work(write=False, snapshot=True) as uow:
        size = uow.connection.execute(select(LOG_HEAD.c.size)).scalar_one()
        _check_log(ledger, uow, size, report, tell)
        folded = _fold_postings(uow, size, report, tell)
        accounts = _check_accounts(ledger, uow, folded, report, tell)
        _check_reserve(ledger, accounts, report)
    if alarm:
        _raise_alarms(ledger, report)
    return report


def seal_unsealed(ledger: Ledger) -> tuple[int, list[Finding]]:
    """Seals the accounts that have no seal yet (a database from before seals), each whose
    debits and credits are what its postings fold to, with writers held off (the log head
    is locked); the number sealed, and the accounts left unsealed and why."""
    A, P = ACCOUNTS, POSTINGS
    with ledger.unit_of_work() as uow:
        conn, store = uow.connection, uow.store
        numbers = [n for (n,) in conn.execute(select(A.c.number).where(A.c.seal.is_(None)))]
        if not numbers:
            return 0, []
        store.lock_head()
        left: list[Finding] = []
        sealed: list[Account] = []
        for start in range(0, len(numbers), CHUNK):
            accounts = store.lock_accounts(numbers[start : start + CHUNK])
            folds: dict[int, _Fold] = {a.number: _Fold() for a in accounts}
            for side, column in (("debits", P.c.debit), ("credits", P.c.credit)):
                rows = conn.execute(
                    select(column, func.sum(P.c.amount), func.max(P.c.entry))
                    .where(column.in_(list(folds)))
                    .group_by(column)
                )
                for number, total, last in rows:
                    fold = folds[number]
                    setattr(fold, side, int(total))
                    fold.last = last if fold.last is None else max(fold.last, last)
            digests = store.digests(sorted({f.last for f in folds.values() if f.last is not None}))
            for account in accounts:
                fold = folds[account.number]
                if (account.debits, account.credits) != (fold.debits, fold.credits):
                    why = f"its row does not fold from its postings ({fold.debits}, {fold.credits})"
                    left.append(account_finding(account.number, why))
                    continue
                digest = integrity.NO_DIGEST if fold.last is None else digests.get(fold.last)
                if digest is None:
                    why = f"its latest entry {fold.last} has no stored leaf"
                    left.append(account_finding(account.number, why))
                    continue
                integrity.seal(ledger.seal_key, account, fold.last, digest)
                sealed.append(account)
        store.write_seals(sealed)
        uow.commit()
    return len(sealed), left


def _check_log(
    ledger: Ledger, uow: LedgerUnitOfWork, size: int, report: Report, tell: Progress
) -> None:
    conn, E = uow.connection, ENTRIES
    tree = CompactRange()
    after = -1
    while True:
        rows = conn.execute(
            select(E.c.idx, E.c.signed, E.c.sig, E.c.leaf_hash)
            .where(E.c.idx > after)
            .order_by(E.c.idx)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        for idx, signed, sig, stored in rows:
            if idx != tree.size:
                report.findings.append(
                    Finding("entry", f"entry {tree.size}", f"missing (the next stored is {idx})")
                )
                return
            leaf = bytes(signed) + bytes(sig)
            hashed = leaf_hash(leaf)
            if bytes(stored) != hashed:
                report.findings.append(
                    Finding("entry", f"entry {idx}", "its leaf hash is not the hash of its leaf")
                )
            try:
                parse_leaf(leaf)
            except SouError as error:
                report.findings.append(Finding("entry", f"entry {idx}", f"not a record: {error}"))
            tree.append(hashed)
        after = rows[-1].idx
        report.entries = tree.size
        tell("log", tree.size, size)
    if tree.size != size:
        report.findings.append(
            Finding("log", "the log head", f"says {size} entries; {tree.size} are stored")
        )
        return
    if not size:
        return
    try:
        stored_root = uow.store.frontier(size).root()
    except LookupError as error:
        report.findings.append(Finding("log", "the stored tree", str(error)))
        return
    if stored_root != tree.root():
        report.findings.append(
            Finding("log", "the stored tree", "its root is not the root of the stored leaves")
        )
    latest = uow.store.latest_checkpoint()
    if latest is None:
        return
    checkpoint_size, note = latest
    try:
        checkpoint = open_checkpoint(note, name=ledger.origin, public_key=ledger.key.public_bytes)
    except SouError as error:
        report.findings.append(Finding("log", f"checkpoint {checkpoint_size}", str(error)))
        return
    if checkpoint.size > size:
        report.findings.append(
            Finding("log", f"checkpoint {checkpoint.size}", f"signs more entries than the {size}")
        )
    elif uow.store.frontier(checkpoint.size).root() != checkpoint.root:
        report.findings.append(
            Finding(
                "log",
                f"checkpoint {checkpoint.size}",
                "the stored tree at its size has another root",
            )
        )


@dataclass(slots=True)
class _Fold:
    debits: int = 0
    credits: int = 0
    last: int | None = None


def _fold_postings(
    uow: LedgerUnitOfWork, size: int, report: Report, tell: Progress
) -> dict[int, _Fold]:
    P = POSTINGS
    folded: dict[int, _Fold] = {}
    after = (-1, -1)
    while True:
        rows = uow.connection.execute(
            select(P.c.entry, P.c.leg, P.c.debit, P.c.credit, P.c.amount)
            .where((P.c.entry > after[0]) | ((P.c.entry == after[0]) & (P.c.leg > after[1])))
            .order_by(P.c.entry, P.c.leg)
            .limit(CHUNK)
        ).all()
        if not rows:
            return folded
        for entry, _leg, debit, credit, amount in rows:
            if entry >= size:
                report.findings.append(
                    Finding("posting", f"posting {entry}/{_leg}", "its entry is not in the log")
                )
            for number, side in ((debit, "debits"), (credit, "credits")):
                fold = folded.setdefault(number, _Fold())
                setattr(fold, side, getattr(fold, side) + amount)
                fold.last = entry
        report.postings += len(rows)
        after = (rows[-1].entry, rows[-1].leg)
        tell("postings", after[0] + 1, size)


def _check_accounts(
    ledger: Ledger, uow: LedgerUnitOfWork, folded: dict[int, _Fold], report: Report, tell: Progress
) -> list[Account]:
    store, key = uow.store, ledger.seal_key
    A = ACCOUNTS
    numbers = [n for (n,) in uow.connection.execute(select(A.c.number).order_by(A.c.number))]
    checked: list[Account] = []
    for start in range(0, len(numbers), CHUNK):
        accounts = store.lock_accounts(numbers[start : start + CHUNK], lock=False)
        sealed = [a for a in accounts if a.seal is not None]
        bad = store.check_seals(sealed, key)
        for account in accounts:
            fold = folded.get(account.number, _Fold())
            why = None
            if (account.debits, account.credits) != (fold.debits, fold.credits):
                why = (
                    f"its row says debits {account.debits}, credits {account.credits}; its"
                    f" postings fold to {fold.debits}, {fold.credits}"
                )
            elif account.seal is None:
                why = "it has no seal"
            elif account.number in bad:
                why = bad[account.number]
            elif account.last_entry != fold.last:
                why = f"sealed as of entry {account.last_entry}, its latest posting is {fold.last}"
            if why is not None:
                report.findings.append(account_finding(account.number, why))
            account.debits, account.credits = fold.debits, fold.credits  # for the reserve
        checked.extend(accounts)
        report.accounts = len(checked)
        tell("accounts", len(checked), len(numbers))
    return checked


def _check_reserve(ledger: Ledger, accounts: list[Account], report: Report) -> None:
    """FORMATS.md §3 over the balances the postings fold to (not the rows')."""
    state = LedgerState(ledger.host, ledger.currency, ledger.key.public_bytes, ledger.key.kid)
    for account in accounts:
        state.add_account(account)
    try:
        check_invariants(state)
    except SouError as error:
        report.findings.append(Finding("reserve", "the reserve", str(error)))


def _raise_alarms(ledger: Ledger, report: Report) -> None:
    for finding in report.findings:
        if finding.account is not None:
            ledger.integrity.account_failed(finding.account, finding.why)
    first = report.damage
    if first is not None:
        ledger.integrity.log_failed(str(first))
    reserve = report.first("reserve")
    if reserve is not None:
        ledger.integrity.reserve_failed(reserve.why)


def as_json(report: Report) -> str:
    return json.dumps(
        {
            "ok": report.ok,
            "entries": report.entries,
            "postings": report.postings,
            "accounts": report.accounts,
            "findings": [
                {"kind": f.kind, "subject": f.subject, "why": f.why} for f in report.findings
            ],
        },
        ensure_ascii=False,
    )
