"""The ledger's state as the rules see it: accounts, keys, and what records refer to.

The offline verifier holds the whole state in memory and replays the log into it; the
server loads, for each batch of records, just the part the batch refers to (with the rows
locked) and writes back what changed. Both run the same rules over this one class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.accounts import Account, Key, Payment
from ledger.domain.timestamps import ledger_date
from ledger.money import Cents


@dataclass(frozen=True, slots=True)
class RegisteredRequest:
    """A payment request a till registered (server side only: not in the log)."""

    merchant: int
    amount: Cents
    expires: int


@dataclass(slots=True)
class LedgerState:
    host: str
    currency: str
    ledger_key: bytes
    ledger_kid: str
    size: int = 0
    accounts: dict[int, Account] = field(default_factory=dict)
    system: dict[str, int] = field(default_factory=dict)  # system account name -> number
    keys: dict[str, Key] = field(default_factory=dict)
    # (kid, nonce) -> (record id, expires, entry index): the idempotency keys seen
    nonces: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)
    # record id -> what a later refund or payout needs of it
    payments: dict[str, Payment] = field(default_factory=dict)
    # if set, only these record ids are kept in `payments` (a replay that knows, from a
    # first pass, which payments are referenced, keeps its memory flat)
    referenced: set[str] | None = None
    # payment request hash -> expiry of the transfer that paid it
    paid_requests: dict[str, int] = field(default_factory=dict)
    # (merchant account, date) -> (record id, entry index) of each closed business day
    closed_days: dict[tuple[int, str], tuple[str, int]] = field(default_factory=dict)
    # accounts whose seals fail (ledger.integrity) -> why: nothing touching them is judged
    quarantined: dict[int, str] = field(default_factory=dict)
    # (cashier kid, ledger date) -> cents it refunded that day
    refunded: dict[tuple[str, str], int] = field(default_factory=dict)
    # registered payment requests, or None when unknown (offline replay)
    requests: dict[str, RegisteredRequest] | None = None

    def account(self, number: int) -> Account | None:
        return self.accounts.get(number)

    def system_account(self, name: str) -> Account | None:
        number = self.system.get(name)
        return None if number is None else self.accounts.get(number)

    def add_account(self, account: Account) -> None:
        self.accounts[account.number] = account
        if account.name is not None:
            self.system[account.name] = account.number

    def remember_payment(self, record_id: str, payment: Payment) -> None:
        if self.referenced is None or record_id in self.referenced:
            self.payments[record_id] = payment

    def forget_before(self, horizon: int) -> None:
        """Drops idempotency keys and paid requests that no valid record can repeat any more.

        A record accepted after one whose `created` is C has `expires` ≥ C − 60, so nonces
        (and paid requests, which expire within ten minutes) of records that expired well
        before the latest `created` seen cannot come back: the replay's memory stays flat.
        """
        self.nonces = {k: v for k, v in self.nonces.items() if v[1] >= horizon}
        self.paid_requests = {k: v for k, v in self.paid_requests.items() if v >= horizon}
        today = ledger_date(horizon - 86_400)  # no later record is created two days before
        self.refunded = {k: v for k, v in self.refunded.items() if k[1] >= today}
