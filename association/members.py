"""A member's data rights (GDPR art. 15, 17 and 20): everything Sou holds about one account's
holder, as JSON and as a readable page, and the erasure of a closed account's personal data.

What is held is listed in docs/PRIVACY.md. The signed log holds account numbers and amounts,
never names nor a memo's text (only its salted commitment, ledger.memos); erasure removes what
lies beside it (the holder's name and contact, the devices' labels, a merchant's legal name,
address, activity and IBAN, the memos of the account's movements, the bank statement lines
of the member's own top-ups), so that the log, the accounting exports and the audit still
verify. Payout files sent to the bank are accounting documents and are kept.
"""

from __future__ import annotations

import dataclasses
import html
import json
from typing import Any

from sqlalchemy import select, update

from association.memberships import payments
from association.platform_import import archive, erase_archive
from association.tables import STATEMENT_LINES
from ledger import acts, erasure, queries
from ledger.errors import AccountNotOpen, UnknownAccount, UnknownMemo
from ledger.ports import AccountInfo, LedgerUnitOfWork
from ledger.records import format_time
from merchants.tables import MERCHANTS

ERASED = "(effacé)"


def member_data(uow: LedgerUnitOfWork, *, number: int) -> dict[str, Any]:
    """Everything held about the holder of account `number`, for them."""
    conn = uow.connection
    row = _account(uow, number)
    holder = uow.reads.holders([number]).get(number)
    keys = uow.reads.keys(account=number)
    merchant = conn.execute(select(MERCHANTS).where(MERCHANTS.c.account == number)).first()
    history = _whole_history(uow, number)
    lines = conn.execute(
        select(STATEMENT_LINES)
        .where(STATEMENT_LINES.c.entry.in_(_matched_entries(uow, touching=[number])))
        .order_by(STATEMENT_LINES.c.statement, STATEMENT_LINES.c.line)
    ).all()
    trail = acts.acts(uow, subject=str(number), limit=None)
    archived = archive(uow, account=number, limit=1_000_000)[1]
    return {
        "account": {
            "number": str(number),
            "kind": row.kind,
            "status": row.status,
            "balance": row.balance,
            "unit": row.unit,
        },
        "holder": None if holder is None else {"name": holder.name, "detail": holder.detail},
        "devices": [
            {"kid": k.kid, "role": k.role, "status": k.status, "label": k.label} for k in keys
        ],
        "merchant": None
        if merchant is None
        else {
            "legal_name": merchant.legal_name,
            "address": merchant.address,
            "activity": merchant.activity,
            "iban": merchant.iban,
            "bic": merchant.bic,
            "status": merchant.status,
            "membership_paid_until": merchant.membership_paid_until,
        },
        "history": [dataclasses.asdict(item) for item in history],
        "bank_lines": [
            {"date": line.date, "amount": line.amount, "label": line.label} for line in lines
        ],
        "memberships": [
            {
                "receipt": p.number,
                "year": p.year,
                "category": p.category,
                "amount": p.amount,
                "method": p.method,
                "entry": p.entry,
                "at": format_time(p.at),
            }
            for p in payments(uow, account=number)
        ],
        "archive": [dataclasses.asdict(line) for line in archived],
        "acts": [
            {"at": format_time(a.at), "actor": a.actor, "act": a.act, "detail": a.detail}
            for a in trail
        ],
    }


def _account(uow: LedgerUnitOfWork, number: int) -> AccountInfo:
    found = uow.reads.accounts(numbers=[number])
    if not found:
        raise UnknownAccount(f"no account {number}", account=str(number))
    return found[0]


def _matched_entries(
    uow: LedgerUnitOfWork, *, touching: list[int] | None = None, credit: int | None = None
) -> list[int]:
    """The entries that bank statement lines are matched to and that move the account's
    money (debited or credited with `touching`, credited only with `credit`): the lines
    narrow the postings read, so that a busy account's history is not read whole."""
    matched = select(STATEMENT_LINES.c.entry).where(STATEMENT_LINES.c.entry.is_not(None))
    legs = uow.reads.postings(touching=touching, credit=credit, among=matched)
    return sorted({leg.entry for leg in legs})


def _whole_history(uow: LedgerUnitOfWork, number: int) -> list[queries.HistoryItem]:
    """Every movement of the account, newest first, a page at a time."""
    items: list[queries.HistoryItem] = []
    while True:
        before = items[-1].entry if items else None
        page = queries.history(uow, number=number, before=before, limit=queries.MAX_PAGE)
        items.extend(page)
        if len(page) < queries.MAX_PAGE:
            return items


def member_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def member_html(data: dict[str, Any]) -> str:
    """A page a member reads: each part of `member_data` as a table, in French."""
    e = html.escape
    account = data["account"]
    parts = [
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>Vos données — compte n° {e(account['number'])}</title>",
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;"
        "padding:.2rem .4rem;text-align:left}</style></head><body>",
        f"<h1>Vos données — compte n° {e(account['number'])}</h1>",
        "<p>Tout ce que l’association tient sur vous dans Sou (RGPD, articles 15 et 20).</p>",
    ]

    def table(title: str, rows: list[dict[str, Any]]) -> None:
        parts.append(f"<h2>{e(title)}</h2>")
        if not rows:
            parts.append("<p>Rien.</p>")
            return
        heads = list(rows[0])
        parts.append("<table><tr>" + "".join(f"<th scope='col'>{e(h)}</th>" for h in heads))
        for r in rows:
            cells = "".join(f"<td>{e('' if r[h] is None else str(r[h]))}</td>" for h in heads)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")

    table("Compte", [account])
    table("Titulaire", [data["holder"]] if data["holder"] else [])
    table("Appareils", data["devices"])
    table("Commerce", [data["merchant"]] if data["merchant"] else [])
    table("Mouvements", data["history"])
    table("Lignes de relevé bancaire", data["bank_lines"])
    table("Adhésions", data["memberships"])
    table("Historique de l’ancienne plateforme", data["archive"])
    table("Actes de l’association", data["acts"])
    parts.append("</body></html>")
    return "\n".join(parts)


@dataclasses.dataclass(frozen=True, slots=True)
class Erased:
    account: int
    holder: bool
    devices: int
    merchant: bool
    memos: int
    bank_lines: int
    archived: int = 0  # transfers of another platform's history (association.platform_import)


def erase_member(uow: LedgerUnitOfWork, *, number: int) -> Erased:
    """Erases the personal data of closed account `number` (its balance is 0: the rules
    close only an empty account); the log, the postings and the accounts stay as they are."""
    conn = uow.connection
    row = _account(uow, number)
    if row.status != "closed":
        raise AccountNotOpen(
            f"account {number} is {row.status}: close it (its balance reconverted or given"
            " to the association) before erasing its holder's data",
            account=str(number),
        )
    erased = erasure.erase_account_data(uow, number=number)
    holder, devices, memos = erased.holder, erased.devices, erased.memos
    merchant = conn.execute(
        update(MERCHANTS)
        .where(MERCHANTS.c.account == number)
        .values(legal_name=ERASED, address="", activity=ERASED, iban="", bic=None)
    ).rowcount
    credited = _matched_entries(uow, credit=number)  # its top-ups
    lines = conn.execute(
        update(STATEMENT_LINES).where(STATEMENT_LINES.c.entry.in_(credited)).values(label=ERASED)
    ).rowcount
    archived = erase_archive(uow, account=number, erased=ERASED)
    acts.record_act(
        uow,
        "member.erase",
        number,
        {
            "holder": bool(holder),
            "devices": devices,
            "merchant": bool(merchant),
            "memos": memos,
            "lines": lines,
            "archived": archived,
        },
    )
    return Erased(number, bool(holder), devices, bool(merchant), memos, lines, archived)


def erase_memo(uow: LedgerUnitOfWork, *, entry: int) -> None:
    """Erases the memo of entry `entry` (a payer's or a third person's request, GDPR art. 16-17:
    the text cannot be corrected, since the record commits to it, only removed)."""
    if not erasure.erase_memo(uow, entry=entry):
        raise UnknownMemo(f"entry {entry} has no memo", entry=entry)
    acts.record_act(uow, "memo.erase", f"entry {entry}", {})
