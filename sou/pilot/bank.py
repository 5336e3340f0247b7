"""The pilot's bank: the reserve's two bank accounts and their monthly camt.053 statements.

The pilot registers the digital and the paper reserve's bank accounts, then, at each month end
and at the load's end, writes for each a camt.053.001.08 statement (`camt053`) of what the
bank booked since the previous one, and imports it through `import_statement`, which matches
its lines with what the ledger expects. The bank books what the ledger expects on the account
(`association.reserve_check.expectations`), as a bank would: a resident's transfer for a bank
conversion the same day, with the resident's creditor reference; an office's cash deposit two
days after it was made; a payout batch, one debit of its total under its message id, the day
after its approval. What the bank has not booked by the closing date is in transit (the
offices' deposit of the load's last day, the last payout batch). Paper notes exchanged for
units move their euros from the paper reserve to the digital one in the ledger; the treasurer
moves them between the two bank accounts at the month end, two lines the ledger expects on
neither, which the treasurer resolves with a note. A few lines are of the bank alone, left
open for the treasurer to resolve: the monthly account fee, which the association covers the
same day from its own account so that the reserve stays whole (resolved by the pilot but for
the last month's), and, on the last statement, a transfer from someone unknown. Balances
chain: each statement opens at the previous one's closing balance.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from association.bank_import import BankAccountView, register_bank_account, statement_lines
from association.iban import iban_from_rib
from association.reconciliation import match_line, resolve_line
from association.reserve_check import expectations
from association.statement_import import Imported, import_statement
from merchants.business_day import local_time
from sou.pilot.cast import ASSOCIATION_BANK, Pilot

__all__ = ["ACCOUNT_FEE", "FEE_COVER", "PAPER_BANK_IBAN", "UNKNOWN_TRANSFER", "BankLine", "camt053"]

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
PAPER_BANK_IBAN = iban_from_rib("30004", "00003", "12345678902")
DEPOSIT_DELAY = dt.timedelta(days=2)  # the bank counts an office's cash two days later
ACCOUNT_FEE = -9_90  # the digital account's monthly fee
FEE_COVER = "VIR ASSOCIATION HEMEN TXANPONA COUVERTURE FRAIS"  # from its own account
FEE_NOTE = "Frais bancaires couverts par l'association sur ses fonds propres"
UNKNOWN_TRANSFER = 37_15  # a transfer nobody explained, on the last statement
INTERNAL_NOTE = "Virement interne : billets rendus contre des unités (paper_exchange)"


@dataclass(frozen=True, slots=True)
class BankLine:
    """A booked line: signed cents (credits positive), its creditor reference or end-to-end id."""

    date: dt.date
    amount: int
    label: str
    reference: str | None = None
    end_to_end: str | None = None


def _decimal(cents: int) -> str:
    return f"{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAMT_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _amount(parent: ET.Element, cents: int) -> None:
    _sub(parent, "Amt", _decimal(cents), Ccy="EUR")
    _sub(parent, "CdtDbtInd", "DBIT" if cents < 0 else "CRDT")


def _balance(stmt: ET.Element, code: str, cents: int, on: dt.date) -> None:
    bal = _sub(stmt, "Bal")
    _sub(_sub(_sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
    _amount(bal, cents)
    _sub(_sub(bal, "Dt"), "Dt", on.isoformat())


def camt053(
    *,
    iban: str,
    number: int,
    opening_date: dt.date,
    opening_balance: int,
    closing_date: dt.date,
    lines: Sequence[BankLine],
    created: dt.datetime,
) -> bytes:
    """A camt.053.001.08 statement of `iban` (its `number`-th): the opening balance, the lines
    booked, and the closing balance they add up to."""
    ET.register_namespace("", CAMT_NS)
    root = ET.Element(f"{{{CAMT_NS}}}Document")
    statement = _sub(root, "BkToCstmrStmt")
    header = _sub(statement, "GrpHdr")
    _sub(header, "MsgId", f"SOUPILOT{closing_date:%Y%m%d}{number:04d}{iban[-6:]}")
    _sub(header, "CreDtTm", created.isoformat(timespec="seconds"))
    stmt = _sub(statement, "Stmt")
    _sub(stmt, "Id", f"{closing_date:%Y-%m}-{iban[-11:]}-{number}")
    _sub(stmt, "ElctrncSeqNb", str(number))
    _sub(stmt, "CreDtTm", created.isoformat(timespec="seconds"))
    account = _sub(stmt, "Acct")
    _sub(_sub(account, "Id"), "IBAN", iban)
    _sub(account, "Ccy", "EUR")
    _balance(stmt, "OPBD", opening_balance, opening_date)
    _balance(stmt, "CLBD", opening_balance + sum(line.amount for line in lines), closing_date)
    for index, line in enumerate(lines, 1):
        entry = _sub(stmt, "Ntry")
        _sub(entry, "NtryRef", f"{index:04d}")
        _amount(entry, line.amount)
        _sub(_sub(entry, "Sts"), "Cd", "BOOK")
        _sub(_sub(entry, "BookgDt"), "Dt", line.date.isoformat())
        _sub(_sub(entry, "ValDt"), "Dt", line.date.isoformat())
        _sub(entry, "AcctSvcrRef", f"{line.date:%y%m%d}{number:03d}{index:04d}")
        if line.reference is not None or line.end_to_end is not None:
            tx = _sub(_sub(entry, "NtryDtls"), "TxDtls")
            _sub(_sub(tx, "Refs"), "EndToEndId", line.end_to_end or "NOTPROVIDED")
            if line.reference is not None:
                ref_info = _sub(_sub(_sub(tx, "RmtInf"), "Strd"), "CdtrRefInf")
                _sub(_sub(_sub(ref_info, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                _sub(ref_info, "Ref", line.reference)
        _sub(entry, "AddtlNtryInf", line.label)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


@dataclass
class PilotBank:
    """The reserve's bank accounts as the pilot's bank keeps them: balance and last date."""

    accounts: list[BankAccountView]
    balances: dict[str, int]
    opened: dict[str, dt.date]
    numbers: dict[str, int]
    booked: set[str]  # the expectations (entry:…, batch:…) already on a statement


def open_bank(pilot: Pilot) -> PilotBank:
    """Registers the digital and paper reserves' bank accounts."""
    start = local_time(pilot.now).date()
    with pilot.ledger.unit_of_work() as uow:
        accounts = [
            register_bank_account(
                uow, iban=ASSOCIATION_BANK.iban, reserve="digital", label="Réserve numérique"
            ),
            register_bank_account(
                uow, iban=PAPER_BANK_IBAN, reserve="paper", label="Réserve des billets"
            ),
        ]
        uow.commit()
    ibans = [a.iban for a in accounts]
    return PilotBank(
        accounts,
        dict.fromkeys(ibans, 0),
        dict.fromkeys(ibans, start),
        dict.fromkeys(ibans, 0),
        set(),
    )


def _booked_lines(
    pilot: Pilot, bank: PilotBank, account: BankAccountView, closing: dt.date
) -> tuple[list[BankLine], dict[int, str]]:
    """What the bank booked on `account` up to `closing`, and which lines stand for what."""
    with pilot.ledger.unit_of_work(write=False) as uow:
        expected = expectations(uow, account, set())
    lines: list[tuple[BankLine, str]] = []
    for expectation, transit in expected:
        if expectation.id in bank.booked or expectation.expected_date is None:
            continue
        if transit.kind == "deposit":
            booked = expectation.expected_date + DEPOSIT_DELAY
            line = BankLine(booked, transit.amount, "VERSEMENT ESPECES COMPTOIR")
        elif transit.kind == "conversion":
            booked = expectation.expected_date
            line = BankLine(
                booked, transit.amount, "VIR SEPA RECU /MOTIF RECHARGE", transit.reference
            )
        else:
            booked = expectation.expected_date
            line = BankLine(
                booked,
                transit.amount,
                "VIR SEPA EMIS /LOT DE REMBOURSEMENTS",
                None,
                transit.reference,
            )
        if booked <= closing:
            lines.append((line, expectation.id))
    lines.sort(key=lambda pair: (pair[0].date, pair[1]))
    return [line for line, _ in lines], {i: target for i, (_, target) in enumerate(lines, 1)}


def bank_statements(pilot: Pilot, bank: PilotBank, *, last: bool = False) -> list[Imported]:
    """Each reserve account's statement from its last one to today, imported and matched;
    the lines the matcher left open that the bank booked for the ledger's movements (amounts
    alike within the window) the treasurer matches by hand."""
    closing = local_time(pilot.now).date()
    created = dt.datetime.fromtimestamp(pilot.now, dt.UTC)
    imported = []
    for account in bank.accounts:
        lines, targets = _booked_lines(pilot, bank, account, closing)
        internal = None
        if pilot.paper_back:  # the month's notes exchanged, from the paper reserve's account
            lines.append(_internal_transfer(account, closing, pilot.paper_back))
            internal = len(lines)
        covered: set[int] = set()
        if account.reserve == "digital":
            # the bank's fee, and the association's own money that covers it the same day, so
            # that the reserve stays whole; the last month's pair is left for the treasurer
            lines.append(BankLine(closing, ACCOUNT_FEE, "FRAIS TENUE DE COMPTE"))
            lines.append(BankLine(closing, -ACCOUNT_FEE, FEE_COVER))
            if not last:
                covered = {len(lines) - 1, len(lines)}
            if last:
                lines.append(BankLine(closing, UNKNOWN_TRANSFER, "VIR SEPA RECU /DE M INCONNU"))
        bank.numbers[account.iban] += 1
        data = camt053(
            iban=account.iban,
            number=bank.numbers[account.iban],
            opening_date=bank.opened[account.iban],
            opening_balance=bank.balances[account.iban],
            closing_date=closing,
            lines=lines,
            created=created,
        )
        with pilot.ledger.unit_of_work() as uow:
            done = import_statement(uow, data=data, now=pilot.now, iban=account.iban)
            for line in statement_lines(uow, statement=done.id, status=("open",)):
                if line.line == internal:  # the ledger moved these euros: nothing to expect
                    resolve_line(uow, statement=done.id, line=line.line, note=INTERNAL_NOTE)
                    continue
                if line.line in covered:
                    resolve_line(uow, statement=done.id, line=line.line, note=FEE_NOTE)
                    continue
                target = targets.get(line.line)
                if target is None:
                    continue  # the bank's own lines: for the treasurer to resolve
                kind, _, number = target.partition(":")
                match_line(
                    uow,
                    statement=done.id,
                    line=line.line,
                    entry=int(number) if kind == "entry" else None,
                    batch=int(number) if kind == "batch" else None,
                    note="Rapproché à la main : montant identique à un autre mouvement",
                    now=pilot.now,
                )
            uow.commit()
        bank.booked.update(targets.values())
        bank.balances[account.iban] += sum(line.amount for line in lines)
        bank.opened[account.iban] = closing + dt.timedelta(days=1)
        imported.append(done)
    pilot.paper_back = 0
    return imported


def _internal_transfer(account: BankAccountView, on: dt.date, cents: int) -> BankLine:
    reference = f"SOU-RESERVE-{on:%Y%m%d}"
    if account.reserve == "digital":
        return BankLine(on, cents, "VIR INTERNE /DE RESERVE BILLETS", None, reference)
    return BankLine(on, -cents, "VIR INTERNE /VERS RESERVE NUMERIQUE", None, reference)
