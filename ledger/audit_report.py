"""What the offline audit (`ledger.audit`) concludes: the report of a log that verifies, the
invariants of FORMATS.md §3 it checks on the replayed balances, or the `AuditFailure` naming
the first problem found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ledger.accounts import BACKING_KINDS, Account
from ledger.domain.enums import SystemName
from ledger.errors import AuditFailure
from ledger.money import format_amount
from ledger.state import LedgerState


def fail(kind: str, message: str, entry: int | None = None) -> AuditFailure:
    return AuditFailure(message, entry=entry, kind=kind)


@dataclass(frozen=True, slots=True)
class AuditReport:
    host: str
    currency: str
    ledger_key: str  # hex
    entries: int
    checkpoints: int
    root: str  # hex, of the whole log
    checkpoint_size: int  # of the final checkpoint (= entries)
    counts: Mapping[str, int]  # entries per record type
    circulation: int  # cents of the local unit in circulation
    paper: int  # of which paper notes
    backing: int  # euro cents in the reserves and the offices' cash
    checkpoint: str  # the final checkpoint's note
    # (entry, public key hex) of each rotation of the ledger key, in order: the key in force
    # is the last one named (`ledger_key`, the genesis's, if none)
    rotations: tuple[tuple[int, str], ...] = ()
    # witness verifier key -> the largest checkpoint size it cosigned (ledger.witness)
    witnessed: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key_in_force(self) -> str:
        return self.rotations[-1][1] if self.rotations else self.ledger_key

    def lines(self) -> list[str]:
        """A short human summary."""
        types = ", ".join(f"{n} {t}" for t, n in self.counts.items())
        return [
            f"ledger {self.host} ({self.currency}), key {self.ledger_key}",
            *(f"ledger key rotated at entry {entry} to {key}" for entry, key in self.rotations),
            f"{self.entries} entries ({types}), {self.checkpoints} checkpoints",
            f"final checkpoint: size {self.checkpoint_size}, root {self.root}",
            f"circulation {format_amount(self.circulation, self.currency)}"
            f" (of which paper {format_amount(self.paper, self.currency)}),"
            f" backed by {format_amount(self.backing, 'EUR')}",
            *(
                f"witness {vkey.split('+')[0]}: cosigned up to size {size}"
                for vkey, size in self.witnessed.items()
            ),
        ]


def check_invariants(state: LedgerState) -> tuple[int, int, int]:
    """FORMATS.md §3 over the replayed accounts; (circulation, paper, backing) if they hold."""
    debits: dict[str, int] = {}
    credits: dict[str, int] = {}
    holders = backing = 0
    for account in state.accounts.values():
        debits[account.unit] = debits.get(account.unit, 0) + account.debits
        credits[account.unit] = credits.get(account.unit, 0) + account.credits
        if account.no_overdraft and account.balance < 0:
            raise fail("invariant", f"account {account.number} is overdrawn")
        if account.is_holder and account.unit == state.currency:
            holders += account.balance
        if account.kind in BACKING_KINDS:
            backing += account.balance
    for unit in sorted(debits):
        if debits[unit] != credits[unit]:
            raise fail("invariant", f"{unit}: debits {debits[unit]} ≠ credits {credits[unit]}")

    def balance(name: str) -> int:
        account: Account | None = state.system_account(name)
        return 0 if account is None else account.balance

    circulation, paper = -balance(SystemName.ISSUANCE), balance(SystemName.PAPER)
    if circulation != holders + paper:
        raise fail(
            "invariant",
            f"circulation {circulation} ≠ holders' balances {holders} + paper {paper}",
        )
    if backing != circulation:
        raise fail("invariant", f"backing {backing} ≠ circulation {circulation}")
    return circulation, paper, backing
