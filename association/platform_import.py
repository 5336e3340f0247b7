"""Coming from another platform: members, accounts, balances and history from Cyclos 4 exports
(three CSV files: users, accounts, transfers) or a generic CSV (accounts, optional history).

The formats are in docs/FORMATS.md ("Imports from another platform"). `parse` reads the files
exactly (amounts into integer cents, never a float) and checks them: every account and
transfer names a known user, no login twice, no member's balance below zero, the system debit
account (Cyclos) holds minus the members' total, and the history, when given, sums to every
balance. `plan` adds what the import would do, without writing: the accounts to open (their
numbers are the next free ones) and one unsigned opening-balance `conversion` (method
`import`) per account holding units, with the reconciliation. The treasurer signs those
records; `run` judges the files again, checks that the signed records are exactly the plan's,
opens the accounts, posts the records, stores the history as a read-only archive linked to
the new accounts, and reconciles again on the ledger's balances: all in the caller's one unit
of work, refused whole (and nothing written) by any difference. A second import of the same
files (their SHA-256) is refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, update

from association.csv_fr import decode_text
from association.errors import (
    ImportAlreadyDone,
    ImportDuplicateLogin,
    ImportNegativeBalance,
    ImportRecordsMismatch,
    ImportUnbalanced,
    ImportUnknownOwner,
    InvalidMemberDetails,
    MalformedImportFile,
)
from association.member_register import clean_contact, clean_name
from association.tables import ARCHIVED_TRANSFERS, PLATFORM_IMPORTS
from ledger import holders
from ledger.accounts import FIRST_HOLDER
from ledger.acts import record_act
from ledger.admin import open_account
from ledger.ports import LedgerUnitOfWork
from ledger.posting import Posted, post_records
from ledger.records import SignedRecord

__all__ = ["SOURCES", "Plan", "Source", "archive", "parse", "plan", "run"]

SOURCES = ("cyclos", "generic")
MAX_ACCOUNTS = 20_000
MAX_TRANSFERS = 200_000
HOLDER_KINDS = ("resident", "merchant")
SYSTEM = "system"  # the old platform's own side of a transfer (Cyclos: its debit account)

# header names, folded (lower case, no accents, single spaces)
_LOGIN = {"login", "identifiant", "nom d'utilisateur", "username", "user name", "id", "utilisateur"}
_NAME = {"nom", "name", "nom complet", "full name", "display name"}
_EMAIL = {"email", "e-mail", "courriel", "mail", "adresse e-mail", "adresse email"}
_GROUP = {"groupe", "group", "categorie", "category"}
_OWNER = {"proprietaire", "owner", "titulaire", "utilisateur", "user", "login", "identifiant"}
_TYPE = {"type de compte", "account type", "type", "kind", "genre"}
_BALANCE = {"solde", "balance", "solde d'ouverture", "opening balance"}
_DATE = {"date", "date de la transaction", "transaction date"}
_FROM = {"de", "from", "payeur", "emetteur", "du compte", "from account"}
_TO = {"a", "to", "beneficiaire", "destinataire", "vers", "au compte", "to account"}
_AMOUNT = {"montant", "amount"}
_DESCRIPTION = {"description", "libelle", "motif"}
_REFERENCE = {
    "numero de transaction",
    "transaction number",
    "numero",
    "number",
    "reference",
    "transaction",
}
_SYSTEM_NAMES = {
    "",
    "system",
    "systeme",
    "compte de debit",
    "debit account",
    "compte systeme",
    "system account",
}
_MERCHANT_WORDS = ("profession", "entreprise", "commer", "business", "merchant", "prestataire")
_RESIDENT_WORDS = (
    "particulier",
    "membre",
    "member",
    "consumer",
    "resident",
    "personne",
    "adherent",
)
_DEBIT_WORDS = ("debit",)


# --- reading ------------------------------------------------------------------------------


def _rows(data: bytes, file: str) -> list[tuple[int, list[str]]]:
    """The file's rows that hold something, with their line numbers (from 1)."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    header = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=header.count)
    try:
        rows = list(enumerate(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True), 1))
    except csv.Error as exc:
        raise MalformedImportFile(f"{file}: not a CSV file: {exc}", file=file) from None
    found = [(n, row) for n, row in rows if any(c.strip() for c in row)]
    if not found:
        raise MalformedImportFile(f"{file}: the file is empty", file=file)
    return found


def _columns(
    header: list[str], file: str, wanted: Mapping[str, set[str]], required: Sequence[str]
) -> dict[str, int]:
    where: dict[str, int] = {}
    for index, title in enumerate(header):
        key = holders.folded(title).replace("’", "'").rstrip(":").strip()
        for name, keys in wanted.items():
            if key in keys and name not in where:
                where[name] = index
                break
    missing = [name for name in required if name not in where]
    if missing:
        raise MalformedImportFile(
            f"{file}: the header row lacks the column(s) {', '.join(missing)}"
            f" (it reads {';'.join(h.strip() for h in header)[:200]!r})",
            file=file,
            line=1,
        )
    return where


def _cell(row: list[str], where: Mapping[str, int], name: str) -> str:
    index = where.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


_GROUPED = re.compile(r"([+-])?(\d{1,3}(?:[ \u00a0\u202f']\d{3})+|\d+)(?:[.,](\d{1,2}))?")
_DOTTED = re.compile(r"([+-])?(\d{1,3}(?:\.\d{3})+),(\d{1,2})")


def parse_amount(text: str) -> int:
    """`1 234,56`, `1234.56`, `-12,5`, `1.234,56` → cents, exactly; anything else refused."""
    cleaned = text.strip().removesuffix("€").strip()
    match = _GROUPED.fullmatch(cleaned) or _DOTTED.fullmatch(cleaned)
    if match is None:
        raise ValueError(text)
    sign, units, decimals = match[1], match[2], match[3] or ""
    digits = re.sub(r"\D", "", units)
    cents = int(digits) * 100 + int(decimals.ljust(2, "0") or "0")
    if cents > 2**62:
        raise ValueError(text)
    return -cents if sign == "-" else cents


def _amount(text: str, file: str, line: int) -> int:
    try:
        return parse_amount(text)
    except ValueError:
        raise MalformedImportFile(
            f"{file}, line {line}: {text[:40]!r} is not an amount", file=file, line=line
        ) from None


_FR_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


def _date(text: str, file: str, line: int) -> str:
    """`31/12/2025 14:05`, `2025-12-31 14:05:00` → `2025-12-31T14:05:00`."""
    value = text.strip()
    if m := _FR_DATE.fullmatch(value):
        y, mo, d = m[3], m[2], m[1]
    elif m := _ISO_DATE.fullmatch(value):
        y, mo, d = m[1], m[2], m[3]
    else:
        raise MalformedImportFile(
            f"{file}, line {line}: {value[:40]!r} is not a date", file=file, line=line
        )
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        raise MalformedImportFile(
            f"{file}, line {line}: {value[:40]!r} is not a date", file=file, line=line
        )
    return f"{y}-{mo}-{d}T{m[4] or '00'}:{m[5] or '00'}:{m[6] or '00'}"


def _person(name: str, email: str, login: str, file: str, line: int) -> tuple[str, str | None]:
    """The holder's name (the login if none) and e-mail, as the members' register takes them."""
    try:
        return clean_name(name or login), clean_contact(email)
    except InvalidMemberDetails as error:
        raise MalformedImportFile(
            f"{file}, line {line}: {error.message}", file=file, line=line
        ) from None


def _kind(text: str, file: str, line: int) -> str:
    word = holders.folded(text)
    if any(w in word for w in _MERCHANT_WORDS):
        return "merchant"
    if any(w in word for w in _RESIDENT_WORDS):
        return "resident"
    raise MalformedImportFile(
        f"{file}, line {line}: {text[:40]!r} is neither a member's nor a professional's",
        file=file,
        line=line,
    )


# --- the judged source --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holder:
    login: str
    name: str
    email: str | None
    kind: str  # resident or merchant
    balance: int  # cents, ≥ 0


@dataclass(frozen=True, slots=True)
class Movement:
    date: str
    payer: str  # a login, or SYSTEM
    payee: str
    amount: int  # cents, > 0
    description: str
    reference: str


@dataclass(frozen=True, slots=True)
class Source:
    source: str  # cyclos or generic
    sha256: str  # of the files' SHA-256s, in the format's order: the import's identity
    holders: tuple[Holder, ...]
    debit: int | None  # Cyclos: the system debit account's balance
    history: tuple[Movement, ...]


def _digest(source: str, files: Mapping[str, bytes | None]) -> str:
    parts = [source] + [
        f"{name}:{'' if data is None else hashlib.sha256(data).hexdigest()}"
        for name, data in files.items()
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _holder_login(text: str) -> str:
    return " ".join(text.split())


def _history(
    data: bytes | None, file: str, logins: Mapping[str, Holder], *, system_ok: bool
) -> tuple[Movement, ...]:
    if data is None:
        return ()
    rows = _rows(data, file)
    wanted = {
        "date": _DATE,
        "from": _FROM,
        "to": _TO,
        "amount": _AMOUNT,
        "description": _DESCRIPTION,
        "reference": _REFERENCE,
    }
    where = _columns(rows[0][1], file, wanted, ("date", "from", "to", "amount"))
    if len(rows) - 1 > MAX_TRANSFERS:
        raise MalformedImportFile(f"{file}: at most {MAX_TRANSFERS} transfers", file=file)
    folded = {holders.folded(login): login for login in logins}
    out = []
    for line, row in rows[1:]:
        sides = []
        for side in ("from", "to"):
            text = _holder_login(_cell(row, where, side))
            login = folded.get(holders.folded(text))
            if login is None and system_ok and holders.folded(text) in _SYSTEM_NAMES:
                login = SYSTEM
            if login is None:
                raise ImportUnknownOwner(
                    f"{file}, line {line}: {text[:60]!r} is no user of the users' file",
                    file=file,
                    line=line,
                )
            sides.append(login)
        amount = _amount(_cell(row, where, "amount"), file, line)
        if amount <= 0:
            raise MalformedImportFile(
                f"{file}, line {line}: a transfer's amount is positive", file=file, line=line
            )
        if sides[0] == sides[1]:
            raise MalformedImportFile(
                f"{file}, line {line}: a transfer from an account to itself", file=file, line=line
            )
        out.append(
            Movement(
                date=_date(_cell(row, where, "date"), file, line),
                payer=sides[0],
                payee=sides[1],
                amount=amount,
                description=" ".join(_cell(row, where, "description").split())[:500],
                reference=_cell(row, where, "reference")[:80] or f"{file}:{line}",
            )
        )
    return tuple(out)


def _check_history(source: Source) -> None:
    """The history, when given, gives every balance (and, Cyclos, the debit account's)."""
    if not source.history:
        return
    sums: dict[str, int] = {}
    for m in source.history:
        sums[m.payer] = sums.get(m.payer, 0) - m.amount
        sums[m.payee] = sums.get(m.payee, 0) + m.amount
    for h in source.holders:
        if sums.get(h.login, 0) != h.balance:
            raise ImportUnbalanced(
                f"the history of {h.login!r} sums to {sums.get(h.login, 0)} cents, its balance"
                f" is {h.balance}",
                login=h.login,
                difference=h.balance - sums.get(h.login, 0),
            )
    if source.debit is not None and sums.get(SYSTEM, 0) != source.debit:
        raise ImportUnbalanced(
            f"the history of the debit account sums to {sums.get(SYSTEM, 0)} cents, its"
            f" balance is {source.debit}",
            difference=source.debit - sums.get(SYSTEM, 0),
        )


def parse_cyclos(users: bytes, accounts: bytes, transfers: bytes | None = None) -> Source:
    """The three CSV files a Cyclos 4 administrator exports, judged."""
    rows = _rows(users, "users")
    where = _columns(
        rows[0][1],
        "users",
        {"login": _LOGIN, "name": _NAME, "email": _EMAIL, "group": _GROUP},
        ("login", "name"),
    )
    if len(rows) - 1 > MAX_ACCOUNTS:
        raise MalformedImportFile(f"users: at most {MAX_ACCOUNTS} users", file="users")
    people: dict[str, tuple[str, str | None, str | None, int]] = {}
    seen: dict[str, int] = {}
    for line, row in rows[1:]:
        login = _holder_login(_cell(row, where, "login"))
        if not login:
            raise MalformedImportFile(f"users, line {line}: no login", file="users", line=line)
        key = holders.folded(login)
        if key in seen:
            raise ImportDuplicateLogin(
                f"users, line {line}: the login {login!r} is already on line {seen[key]}",
                file="users",
                line=line,
            )
        seen[key] = line
        name, email = _person(
            _cell(row, where, "name"), _cell(row, where, "email"), login, "users", line
        )
        people[login] = (name, email, _cell(row, where, "group"), line)
    by_folded = {holders.folded(login): login for login in people}

    rows = _rows(accounts, "accounts")
    where = _columns(
        rows[0][1],
        "accounts",
        {"owner": _OWNER, "type": _TYPE, "balance": _BALANCE},
        ("owner", "type", "balance"),
    )
    balances: dict[str, tuple[int, str]] = {}
    debit: int | None = None
    for line, row in rows[1:]:
        owner = _holder_login(_cell(row, where, "owner"))
        kind_text = _cell(row, where, "type")
        balance = _amount(_cell(row, where, "balance"), "accounts", line)
        found = by_folded.get(holders.folded(owner))
        if found is None and holders.folded(owner) in _SYSTEM_NAMES:
            if any(w in holders.folded(kind_text) for w in _DEBIT_WORDS):
                if debit is not None:
                    raise ImportDuplicateLogin(
                        f"accounts, line {line}: a second debit account",
                        file="accounts",
                        line=line,
                    )
                debit = balance
                continue
            if balance == 0:
                continue  # another system account, empty: nothing to bring
            raise MalformedImportFile(
                f"accounts, line {line}: the system account {kind_text[:40]!r} holds"
                f" {balance} cents; only the debit account's units can be brought",
                file="accounts",
                line=line,
            )
        if found is None:
            raise ImportUnknownOwner(
                f"accounts, line {line}: {owner[:60]!r} is no user of the users' file",
                file="accounts",
                line=line,
            )
        login = found
        if login in balances:
            raise ImportDuplicateLogin(
                f"accounts, line {line}: {login!r} has a second account",
                file="accounts",
                line=line,
            )
        if balance < 0:
            raise ImportNegativeBalance(
                f"accounts, line {line}: the account of {login!r} is negative ({balance} cents)",
                file="accounts",
                line=line,
            )
        balances[login] = (balance, _kind(kind_text, "accounts", line))
    if debit is None:
        raise MalformedImportFile(
            "accounts: no system debit account (owner 'Système', type 'Compte de débit')",
            file="accounts",
        )
    out = []
    for login, (name, email, group, line) in people.items():
        balance, kind = balances.get(login, (0, ""))
        if not kind:
            kind = _kind(group or "", "users", line)
        out.append(Holder(login, name, email, kind, balance))
    total = sum(h.balance for h in out)
    if debit != -total:
        raise ImportUnbalanced(
            f"the debit account holds {debit} cents, minus the members' total is {-total}",
            difference=debit + total,
        )
    logins = {h.login: h for h in out}
    judged = Source(
        source="cyclos",
        sha256=_digest("cyclos", {"users": users, "accounts": accounts, "transfers": transfers}),
        holders=tuple(out),
        debit=debit,
        history=_history(transfers, "transfers", logins, system_ok=True),
    )
    _check_history(judged)
    return judged


def parse_generic(accounts: bytes, history: bytes | None = None) -> Source:
    """The generic CSV: one file of accounts with their opening balances, one of history."""
    rows = _rows(accounts, "accounts")
    where = _columns(
        rows[0][1],
        "accounts",
        {
            "login": _LOGIN,
            "name": _NAME,
            "email": _EMAIL,
            "type": _TYPE | _GROUP,
            "balance": _BALANCE,
        },
        ("login", "name", "type", "balance"),
    )
    if len(rows) - 1 > MAX_ACCOUNTS:
        raise MalformedImportFile(f"accounts: at most {MAX_ACCOUNTS} accounts", file="accounts")
    out: dict[str, Holder] = {}
    seen: dict[str, int] = {}
    for line, row in rows[1:]:
        login = _holder_login(_cell(row, where, "login"))
        if not login:
            raise MalformedImportFile(
                f"accounts, line {line}: no identifier", file="accounts", line=line
            )
        key = holders.folded(login)
        if key in seen:
            raise ImportDuplicateLogin(
                f"accounts, line {line}: the identifier {login!r} is already on line {seen[key]}",
                file="accounts",
                line=line,
            )
        seen[key] = line
        balance = _amount(_cell(row, where, "balance"), "accounts", line)
        if balance < 0:
            raise ImportNegativeBalance(
                f"accounts, line {line}: the account of {login!r} is negative ({balance} cents)",
                file="accounts",
                line=line,
            )
        name, email = _person(
            _cell(row, where, "name"), _cell(row, where, "email"), login, "accounts", line
        )
        out[login] = Holder(
            login,
            name,
            email,
            _kind(_cell(row, where, "type"), "accounts", line),
            balance,
        )
    judged = Source(
        source="generic",
        sha256=_digest("generic", {"accounts": accounts, "history": history}),
        holders=tuple(out.values()),
        debit=None,
        history=_history(history, "history", out, system_ok=True),
    )
    _check_history(judged)
    return judged


def parse(source: str, files: Mapping[str, bytes | None]) -> Source:
    """`files` by name: cyclos `users`, `accounts`, `transfers` (optional); generic
    `accounts`, `history` (optional)."""
    if source == "cyclos":
        users, accounts = files.get("users"), files.get("accounts")
        if not users or not accounts:
            raise MalformedImportFile("a Cyclos import needs its users' and accounts' files")
        return parse_cyclos(users, accounts, files.get("transfers") or None)
    if source == "generic":
        accounts = files.get("accounts")
        if not accounts:
            raise MalformedImportFile("a generic import needs its accounts' file")
        return parse_generic(accounts, files.get("history") or None)
    raise MalformedImportFile(f"the source is cyclos or generic, not {source[:20]!r}")


# --- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opening:
    """An account the import opens, and the conversion it signs for it (if it holds units)."""

    number: int
    login: str
    name: str
    kind: str
    balance: int


@dataclass(frozen=True, slots=True)
class Plan:
    source: str
    sha256: str
    memo: str  # every opening balance's memo
    accounts: tuple[Opening, ...]
    transfers: int  # history rows, as the old platform numbered them
    reconciliation: dict[str, object] = field(hash=False)

    @property
    def records(self) -> list[dict[str, object]]:
        """The unsigned opening balances: the fields of one `conversion` record each."""
        return [
            {"method": "import", "office": None, "to": str(a.number), "amount": a.balance}
            for a in self.accounts
            if a.balance > 0
        ]


def _by_kind(pairs: Sequence[tuple[str, int]]) -> dict[str, dict[str, int]]:
    out = {kind: {"accounts": 0, "balance": 0} for kind in HOLDER_KINDS}
    for kind, balance in pairs:
        out[kind]["accounts"] += 1
        out[kind]["balance"] += balance
    return out


def _history_totals(source: Source) -> dict[str, int]:
    kinds = {h.login: h.kind for h in source.holders}
    sums = dict.fromkeys((*HOLDER_KINDS, SYSTEM), 0)
    for m in source.history:
        sums[kinds.get(m.payer, SYSTEM)] -= m.amount
        sums[kinds.get(m.payee, SYSTEM)] += m.amount
    return sums


def _already(uow: LedgerUnitOfWork, sha256: str) -> None:
    found = uow.connection.execute(
        select(PLATFORM_IMPORTS.c.id, PLATFORM_IMPORTS.c.at).where(
            PLATFORM_IMPORTS.c.sha256 == sha256
        )
    ).first()
    if found is not None:
        raise ImportAlreadyDone(
            f"these files were already imported (import {found.id})", id=found.id
        )


def _first_number(uow: LedgerUnitOfWork) -> int:
    highest = max((a.number for a in uow.reads.accounts()), default=0)
    return max(highest + 1, FIRST_HOLDER)


def plan(uow: LedgerUnitOfWork, source: Source) -> Plan:
    """What the import would do, nothing written."""
    _already(uow, source.sha256)
    first = _first_number(uow)
    accounts = tuple(
        Opening(first + i, h.login, h.name, h.kind, h.balance) for i, h in enumerate(source.holders)
    )
    before = _by_kind([(h.kind, h.balance) for h in source.holders])
    after = _by_kind([(a.kind, a.balance) for a in accounts])
    total = sum(h.balance for h in source.holders)
    reconciliation: dict[str, object] = {
        "before": before,
        "debit_account": source.debit,
        "history": _history_totals(source) if source.history else None,
        "after": after,
        "total": total,
        "difference": sum(before[k]["balance"] - after[k]["balance"] for k in HOLDER_KINDS),
    }
    return Plan(
        source=source.source,
        sha256=source.sha256,
        memo=f"Reprise {source.source} {source.sha256[:12]}",
        accounts=accounts,
        transfers=len(source.history),
        reconciliation=reconciliation,
    )


# --- the import ---------------------------------------------------------------------------


def _check_records(judged: Plan, records: Sequence[SignedRecord]) -> None:
    wanted = {(r["to"], r["amount"]) for r in judged.records}
    given = []
    for record in records:
        r = record.record
        if record.type != "conversion" or r.get("method") != "import" or r.get("office"):
            raise ImportRecordsMismatch("an opening balance is a conversion of method 'import'")
        given.append((str(r["to"]), r["amount"]))
    if len(given) != len(set(given)) or set(given) != wanted:
        missing = len(wanted - set(given))
        extra = len(set(given) - wanted)
        raise ImportRecordsMismatch(
            f"the signed records are not the plan's ({missing} missing, {extra} not in the"
            f" plan, {len(given) - len(set(given))} twice): preview the import again",
            missing=missing,
            extra=extra,
        )


@dataclass(frozen=True, slots=True)
class Imported:
    id: int
    sha256: str
    accounts: tuple[int, ...]
    records: int
    transfers: int  # archive rows written
    reconciliation: dict[str, object]


def run(
    uow: LedgerUnitOfWork, source: Source, *, records: Sequence[SignedRecord], now: int
) -> Imported:
    """The import, whole, in the caller's unit of work (the caller commits)."""
    judged = plan(uow, source)
    _check_records(judged, records)
    kinds = (*HOLDER_KINDS, "association", "issuance")
    ledger_before = {k: t.balance for k, t in uow.reads.kind_totals(kinds).items()}
    numbers: dict[str, int] = {}
    contacts = {h.login: h.email for h in source.holders}
    for a in judged.accounts:
        number = open_account(uow, kind=a.kind, now=now, holder_name=a.name)
        if number != a.number:
            raise ImportRecordsMismatch(
                f"account {a.number} was opened meanwhile: preview the import again"
            )
        numbers[a.login] = number
        if contacts[a.login]:
            holders.set_holder(uow, number=number, name=a.name, contact=contacts[a.login])
    outcomes = post_records(uow, records=list(records), now=now) if records else []
    for outcome in outcomes:
        if not isinstance(outcome, Posted):
            raise outcome  # the caller's unit of work rolls the whole import back
    # the reconciliation again, on what the ledger now holds
    balances = {a.number: a.balance for a in uow.reads.accounts(numbers=numbers.values())}
    after = _by_kind([(a.kind, balances.get(a.number, 0)) for a in judged.accounts])
    ledger_after = {k: t.balance for k, t in uow.reads.kind_totals(kinds).items()}
    before = judged.reconciliation["before"]
    assert isinstance(before, dict)
    # every account as the export has it, every kind, and the ledger's totals: no difference
    off = sum(abs(balances.get(a.number, 0) - a.balance) for a in judged.accounts)
    difference = sum(abs(before[k]["balance"] - after[k]["balance"]) for k in HOLDER_KINDS)
    moved = sum(ledger_after.get(k, 0) - ledger_before.get(k, 0) for k in HOLDER_KINDS)
    issued = ledger_after.get("issuance", 0) - ledger_before.get("issuance", 0)
    if off or difference or moved != judged.reconciliation["total"] or issued != -moved:
        raise ImportUnbalanced(
            f"after posting, the new accounts differ from the export by {off} cents",
            difference=off or difference,
        )
    reconciliation = {
        **judged.reconciliation,
        "after": after,
        "ledger_before": ledger_before,
        "ledger_after": ledger_after,
        "difference": difference,
    }
    conn = uow.connection
    number = (conn.execute(select(func.max(PLATFORM_IMPORTS.c.id))).scalar() or 0) + 1
    rows = archive_rows(source, numbers, number)
    conn.execute(
        insert(PLATFORM_IMPORTS).values(
            id=number,
            sha256=source.sha256,
            source=source.source,
            at=now,
            by=uow.actor()[:80],
            accounts=len(judged.accounts),
            total=judged.reconciliation["total"],
            transfers=len(source.history),
            reconciliation=json.dumps(reconciliation, sort_keys=True),
        )
    )
    for start in range(0, len(rows), 1000):
        conn.execute(insert(ARCHIVED_TRANSFERS), rows[start : start + 1000])
    record_act(
        uow,
        "platform.import",
        number,
        {
            "source": source.source,
            "sha256": source.sha256,
            "accounts": len(judged.accounts),
            "total": judged.reconciliation["total"],
            "transfers": len(source.history),
        },
    )
    return Imported(
        number,
        source.sha256,
        tuple(a.number for a in judged.accounts),
        len(records),
        len(rows),
        reconciliation,
    )


def archive_rows(
    source: Source, numbers: Mapping[str, int], import_id: int
) -> list[dict[str, object]]:
    """One row per new account a transfer concerns: + received, − paid."""
    names = {h.login: h.name for h in source.holders}
    rows: list[dict[str, object]] = []
    for m in source.history:
        for login, other, sign in ((m.payer, m.payee, -1), (m.payee, m.payer, 1)):
            if login == SYSTEM:
                continue
            rows.append(
                {
                    "import_id": import_id,
                    "account": numbers[login],
                    "date": m.date,
                    "amount": sign * m.amount,
                    "counterparty": "—" if other == SYSTEM else names[other][:140],
                    "other": None if other == SYSTEM else numbers[other],
                    "description": m.description,
                    "reference": m.reference,
                }
            )
    return rows


# --- reading the archive ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchivedLine:
    date: str
    amount: int
    counterparty: str
    description: str
    reference: str
    import_id: int


def archive(
    uow: LedgerUnitOfWork, *, account: int, limit: int = 50, offset: int = 0
) -> tuple[int, list[ArchivedLine]]:
    """Account `account`'s archived history, newest first: (how many in all, this page)."""
    t = ARCHIVED_TRANSFERS
    conn = uow.connection
    total = conn.execute(select(func.count()).where(t.c.account == account)).scalar() or 0
    rows = conn.execute(
        select(t)
        .where(t.c.account == account)
        .order_by(t.c.date.desc(), t.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [
        ArchivedLine(r.date, r.amount, r.counterparty, r.description, r.reference, r.import_id)
        for r in rows
    ]


def erase_archive(uow: LedgerUnitOfWork, *, account: int, erased: str = "—") -> int:
    """The member's erasure: removes account `account`'s archived history, and its name from
    the other members' rows (which stay theirs); the rows removed."""
    t = ARCHIVED_TRANSFERS
    conn = uow.connection
    conn.execute(update(t).where(t.c.other == account).values(counterparty=erased))
    return conn.execute(delete(t).where(t.c.account == account)).rowcount


@dataclass(frozen=True, slots=True)
class ImportSummary:
    id: int
    source: str
    sha256: str
    at: int
    by: str
    accounts: int
    total: int
    transfers: int
    reconciliation: dict[str, object]


def imports(uow: LedgerUnitOfWork) -> list[ImportSummary]:
    """Every import done, the latest first."""
    t = PLATFORM_IMPORTS
    rows = uow.connection.execute(select(t).order_by(t.c.id.desc())).all()
    return [
        ImportSummary(
            r.id,
            r.source,
            r.sha256,
            r.at,
            r.by,
            r.accounts,
            r.total,
            r.transfers,
            json.loads(r.reconciliation),
        )
        for r in rows
    ]
