"""Test helpers that speak the domain: residents, merchants, offices, conversions, payments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

import association.tables  # noqa: F401 (their tables join the metadata the tests compare)
import merchants.tables  # noqa: F401
from association.auditors import grant
from ledger.admin import create_ledger, enrol_device, issue_enrolment_code, open_account
from ledger.context import Ledger
from ledger.persistence import tables
from ledger.persistence.database import make_engine
from ledger.posting import Posted, post_record
from ledger.records import SignedRecord, operation
from ledger.signing import SigningKey

HOST = "pay.example.org"
UNIT = "RTZ"
T0 = 1_773_483_300  # 2026-03-14T10:15:00Z


@dataclass
class Holder:
    number: int
    key: SigningKey
    role: str

    @property
    def account(self) -> str:
        return str(self.number)


class World:
    """A ledger in a fresh database, with helpers to people it and move money."""

    def __init__(
        self, url: str, *, ledger_key: SigningKey | None = None, now: int = T0, genesis: bool = True
    ) -> None:
        """`genesis=False` joins a ledger already in the database (e.g. the pilot's)."""
        self.now = now
        self.engine = make_engine(url)
        self.ledger = Ledger(
            self.engine, HOST, UNIT, ledger_key or SigningKey.generate(), "Rétzi", self.clock
        )
        if genesis:
            with self.ledger.unit_of_work() as uow:
                create_ledger(uow, now=self.now)
                uow.commit()
        self.office = self._holder("office", "agent")
        self.treasurer = self._holder("association", "treasurer")

    def clock(self) -> int:
        return self.now

    def close(self) -> None:
        self.engine.dispose()

    def _holder(self, kind: str, role: str, *, refund_limit: int | None = None) -> Holder:
        key = SigningKey.generate()
        with self.ledger.unit_of_work() as uow:
            number = open_account(uow, kind=kind, now=self.now)
            code = issue_enrolment_code(
                uow, account=number, role=role, now=self.now, refund_limit=refund_limit
            )
            enrol_device(uow, code=code, public_key=key.public_bytes, now=self.now)
            uow.commit()
        return Holder(number, key, role)

    def device(self, number: int, role: str, *, refund_limit: int | None = None) -> Holder:
        """A new key with `role` on the existing account `number`."""
        key = SigningKey.generate()
        with self.ledger.unit_of_work() as uow:
            code = issue_enrolment_code(
                uow, account=number, role=role, now=self.now, refund_limit=refund_limit
            )
            enrol_device(uow, code=code, public_key=key.public_bytes, now=self.now)
            uow.commit()
        return Holder(number, key, role)

    def cashier(self, merchant: Holder, *, refund_limit: int = 20_00) -> Holder:
        return self.device(merchant.number, "cashier", refund_limit=refund_limit)

    def auditor(self, *, days: int | None = None) -> Holder:
        """An auditor's key on the association's account; with `days`, a window from now."""
        auditor = self.device(self.treasurer.number, "auditor")
        if days is not None:
            self.open_window(auditor, days=days)
        return auditor

    def open_window(self, auditor: Holder, *, days: int) -> None:
        with self.ledger.unit_of_work() as uow:
            grant(uow, kid=auditor.key.kid, days=days, now=self.now)
            uow.commit()

    def resident(self, balance: int = 0) -> Holder:
        holder = self._holder("resident", "resident")
        if balance:
            self.convert(holder, balance)
        return holder

    def merchant(self, balance: int = 0) -> Holder:
        holder = self._holder("merchant", "merchant")
        if balance:
            self.convert(holder, balance)
        return holder

    def shop(
        self,
        *,
        name: str = "Boulangerie Martin",
        kind: str = "business",
        closing_minutes: int = 0,
        parent: Holder | None = None,
        analytic_code: str | None = None,
        balance: int = 0,
    ) -> Holder:
        """A merchant with an approved profile (IBAN, closing time), and its merchant key."""
        from merchants.profiles import Application, apply_merchant, approve_merchant

        key = SigningKey.generate()
        application = Application(
            kind=kind,
            legal_name=name,
            address="12 rue de la Paix, 64100 Bayonne",
            activity="boulangerie",
            iban="FR76 3000 6000 0112 3456 7890 189",
            parent=parent.number if parent else None,
            analytic_code=analytic_code,
            closing_minutes=closing_minutes,
        )
        with self.ledger.unit_of_work() as uow:
            number = apply_merchant(uow, application=application, now=self.now)
            approve_merchant(uow, account=number, now=self.now)
            code = issue_enrolment_code(uow, account=number, role="merchant", now=self.now)
            enrol_device(uow, code=code, public_key=key.public_bytes, now=self.now)
            uow.commit()
        holder = Holder(number, key, "merchant")
        if balance:
            self.convert(holder, balance)
        return holder

    def record(self, record_type: str, key: SigningKey, **fields: Any) -> SignedRecord:
        return operation(record_type, key=key, host=HOST, currency=UNIT, now=self.now, **fields)

    def post(self, record: SignedRecord) -> Posted:
        with self.ledger.unit_of_work() as uow:
            posted = post_record(uow, record=record, now=self.now)
            uow.commit()
        return posted

    def convert(self, holder: Holder, cents: int) -> Posted:
        return self.post(
            self.record(
                "conversion",
                self.office.key,
                method="cash",
                office=self.office.account,
                to=holder.account,
                amount=cents,
            )
        )

    def deposit(self, cents: int, reserve: str = "digital") -> Posted:
        """The office takes the cash it collected to the reserve's bank account."""
        office = self.office
        return self.post(
            self.record("deposit", office.key, office=office.account, reserve=reserve, amount=cents)
        )

    def transfer(
        self,
        payer: Holder,
        payee: Holder,
        cents: int,
        *,
        payreq: str | None = None,
        ref: str | None = None,
        memo: str = "",
        key: SigningKey | None = None,
        nonce: str | None = None,
    ) -> SignedRecord:
        return self.record(
            "transfer",
            key or payer.key,
            from_=payer.account,
            to=payee.account,
            amount=cents,
            payreq=payreq,
            ref=ref,
            memo=memo,
            nonce=nonce,
        )

    def pay(self, payer: Holder, payee: Holder, cents: int, **kw: Any) -> Posted:
        return self.post(self.transfer(payer, payee, cents, **kw))

    def day(
        self, merchant: Holder, date: str, *, key: SigningKey | None = None, **figures: Any
    ) -> SignedRecord:
        """A `day` record closing `date` for the merchant (figures default to a quiet day)."""
        from ledger.records import sign_record

        signer = key or merchant.key
        record: dict[str, Any] = {
            "v": 1,
            "type": "day",
            "ledger": HOST,
            "account": merchant.account,
            "date": date,
            "kid": signer.kid,
            "first_entry": None,
            "last_entry": None,
            "count": 0,
            "credits": 0,
            "refunds": 0,
            "debits": 0,
            "declared": None,
            "receipts_root": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        }
        record.update(figures)
        return sign_record(record, signer)

    def balance(self, holder: Holder | int) -> int:
        number = holder if isinstance(holder, int) else holder.number
        with self.ledger.unit_of_work(write=False) as uow:
            account = uow.store.account(number)
        assert account is not None
        return account.balance

    def row_counts(self) -> dict[str, int]:
        """How many rows every table holds: a rejected operation must change none."""
        counts = {}
        with self.engine.connect() as conn:
            for table in tables.Base.metadata.sorted_tables:
                counts[table.name] = conn.execute(
                    select(func.count()).select_from(table)
                ).scalar_one()
            counts["balances"] = hash(
                tuple(conn.execute(select(tables.ACCOUNTS).order_by("number")).all())
            )
        return counts

    def revoke(self, key: SigningKey) -> None:
        """Revokes a device key at once, as for a lost phone."""
        from ledger.admin import revoke_key

        with self.ledger.unit_of_work() as uow:
            revoke_key(uow, kid=key.kid, now=self.now)
            uow.commit()

    def new_device(self, holder: Holder) -> Holder:
        """The same account and role, acting through a newly enrolled key (a new phone)."""
        key = SigningKey.generate()
        with self.ledger.unit_of_work() as uow:
            code = issue_enrolment_code(uow, account=holder.number, role=holder.role, now=self.now)
            enrol_device(uow, code=code, public_key=key.public_bytes, now=self.now)
            uow.commit()
        return Holder(holder.number, key, holder.role)

    def set_status(self, holder: Holder | int, status: str) -> None:
        """Freezes, reopens or closes an account (a ledger-signed `account` record)."""
        from ledger.admin import set_account_status

        number = holder if isinstance(holder, int) else holder.number
        with self.ledger.unit_of_work() as uow:
            set_account_status(uow, number=number, status=status, now=self.now)
            uow.commit()

    def log_size(self) -> int:
        with self.ledger.unit_of_work(write=False) as uow:
            return uow.store.size()

    def register_request(self, merchant: Holder, cents: int, *, expires: int | None = None) -> str:
        """A payment request as a till registers it: its row only (the QR code is not made)."""
        import hashlib
        import secrets

        from sqlalchemy import insert

        pr = f"request {merchant.number} {cents} {self.now} ".encode() + secrets.token_bytes(8)
        payreq = hashlib.sha256(pr).hexdigest()
        with self.engine.begin() as conn:
            conn.execute(
                insert(tables.PAYMENT_REQUESTS).values(
                    payreq=payreq,
                    merchant=merchant.number,
                    amount=cents,
                    expires=self.now + 600 if expires is None else expires,
                    pr=pr,
                    registered=self.now,
                )
            )
        return payreq
