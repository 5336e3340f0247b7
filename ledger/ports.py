"""The ledger's ports: the only way the other packages touch the ledger.

Writes go through a unit of work (`LedgerUnitOfWork`: the store, the rules judge, one commit),
reads through `LedgerReads`, which answers in the ledger's own terms (accounts, postings,
entries, totals) so that merchants/, association/ and wallet_api/ write no SQL against the
ledger's tables. The packages that keep tables of their own declare them on `TableBase`, so
that one metadata (and one chain of migrations) holds the whole schema. import-linter forbids
`ledger.persistence` outside the ledger.

Where a caller narrows postings by rows of its own tables (the statement lines already
matched, say), it passes its own `Select` of entry indexes (`among`, `excluding`): the
database then does the join, and the caller's table stays the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from ledger.accounts import Account, Key
from ledger.context import Ledger, LedgerUnitOfWork
from ledger.persistence.store import StoredEntry
from ledger.persistence.tables import Base as TableBase
from ledger.persistence.wal import WalCheckpointer
from ledger.read_models import (
    AccountInfo,
    EntryInfo,
    HolderInfo,
    KeyInfo,
    KindTotal,
    PaymentFigures,
    PostingLine,
    TransferLine,
)
from ledger.state import RegisteredRequest

if TYPE_CHECKING:
    from sqlalchemy import Select


class LedgerReads(Protocol):
    """What the other packages read of the ledger, inside a unit of work's transaction.

    `postings` and `totals_by_type` share their filters, each left out when None: `touching`
    (accounts debited or credited), `debit`, `credit` (one account), `types` (record types),
    `unit`, `accepted` ([start, end) in Unix seconds), `entries` ([first, end) entry indexes),
    and `among` / `excluding`, a caller's `Select` of entry indexes to keep or to leave out.
    """

    def key_labels(self, kids: Iterable[str]) -> dict[str, str | None]:
        """The devices' labels of the enrolled keys among `kids` (the unknown ones left out)."""
        ...

    def keys(
        self, *, kids: Iterable[str] | None = None, account: int | None = None
    ) -> list[KeyInfo]:
        """The enrolled keys among `kids` and/or of `account`, by kid."""
        ...

    def accounts(
        self,
        *,
        numbers: Iterable[int] | None = None,
        kinds: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
    ) -> list[AccountInfo]:
        """The accounts with these numbers, kinds and names (each filter if given), by number."""
        ...

    def kind_totals(self, kinds: Iterable[str], *, closed: bool = True) -> dict[str, KindTotal]:
        """How many accounts of each of `kinds` (closed ones too unless `closed` is False), and
        their balances' sum; a kind with no account is left out."""
        ...

    def holders(self, numbers: Iterable[int]) -> dict[int, HolderInfo]:
        """The holders of these accounts, those that have one (or still have: erasable)."""
        ...

    def balances_at(self, size: int) -> dict[int, int]:
        """Every account's balance (credits − debits) after the first `size` log entries; an
        account no posting touched by then is left out."""
        ...

    def postings(
        self,
        *,
        touching: Iterable[int] | None = None,
        debit: int | None = None,
        credit: int | None = None,
        types: Iterable[str] | None = None,
        unit: str | None = None,
        accepted: tuple[int, int] | None = None,
        entries: tuple[int, int] | None = None,
        among: Select[Any] | None = None,
        excluding: Select[Any] | None = None,
        records: bool = False,
    ) -> list[PostingLine]:
        """The legs that pass the filters (see the class), in log order (entry, then leg);
        with `records`, each with its entry's signed bytes."""
        ...

    def totals_by_type(
        self,
        *,
        touching: Iterable[int] | None = None,
        debit: int | None = None,
        credit: int | None = None,
        types: Iterable[str] | None = None,
        unit: str | None = None,
        accepted: tuple[int, int] | None = None,
        entries: tuple[int, int] | None = None,
        among: Select[Any] | None = None,
        excluding: Select[Any] | None = None,
    ) -> dict[str, int]:
        """Cents moved by the legs that pass the filters, by record type (none: left out)."""
        ...

    def entries(
        self, *, indexes: Iterable[int] | None = None, types: Iterable[str] | None = None
    ) -> list[EntryInfo]:
        """The log entries with these indexes and/or of these record types, in log order."""
        ...

    def entry_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The first and last entries accepted in [start, end), None if none was: the log's
        order is time order, so the entries between them are those of the span."""
        ...

    def first_accepted(self) -> int | None:
        """When the ledger accepted its earliest entry (None for an empty log)."""
        ...

    def payment_figures(self, start: int, end: int) -> PaymentFigures:
        """The payments accepted in [start, end), by the kinds of their payers and payees."""
        ...

    def transfer_lines(self, account: int, first: int, last: int) -> list[TransferLine]:
        """The transfers to and from `account` among entries `first` to `last` (both in),
        incoming ones first, in no set order."""
        ...

    def closed_days(self, account: int, dates: Iterable[str]) -> dict[str, int]:
        """The `day` entries that closed these business days (ISO dates) of `account`."""
        ...

    def checkpoint_root(self, size: int) -> bytes | None:
        """The tree root of the stored checkpoint of `size` entries."""
        ...

    def payment_request(self, payreq: str) -> RegisteredRequest | None:
        """The payment request a till registered under this hash."""
        ...

    def request_bytes(self, payreq: str) -> bytes:
        """A registered payment request's bytes, as the till signed them."""
        ...

    def account(self, number: int) -> Account | None:
        """One account as the ledger caches it (balance, status), or None if there is none."""
        ...

    def key(self, kid: str) -> Key | None:
        """One enrolled key, with its public key, or None if no key has this id."""
        ...

    def log_size(self) -> int:
        """How many entries the log holds."""
        ...

    def system_accounts(self) -> dict[str, int]:
        """The system accounts' numbers, by name (`issuance`, `paper`, `reserve:digital`, …)."""
        ...

    def payment_of(self, payreq: str) -> StoredEntry | None:
        """The entry of the transfer that paid this payment request, once paid."""
        ...


__all__ = [
    "AccountInfo",
    "EntryInfo",
    "HolderInfo",
    "KeyInfo",
    "KindTotal",
    "Ledger",
    "LedgerReads",
    "LedgerUnitOfWork",
    "PaymentFigures",
    "PostingLine",
    "RegisteredRequest",
    "StoredEntry",
    "TableBase",
    "TransferLine",
    "WalCheckpointer",
]
