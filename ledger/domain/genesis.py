"""`genesis`: the log's first entry, naming the ledger's host, unit and key (FORMATS.md §4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.accounts import Applied
from ledger.domain.enums import RecordType
from ledger.domain.fields import COMMON, HEX32, KID, TIME, UNIT
from ledger.domain.frozen import frozen
from ledger.domain.kind import Effects, LedgerKind, Record, no_references
from ledger.domain.timestamps import parse_time
from ledger.errors import CurrencyMismatch, InvalidReference, NotAuthorized
from ledger.memos import check_text
from ledger.state import LedgerState

SCHEMA = {
    **COMMON,
    "currency": UNIT,
    "unit_name": check_text,
    "ledger_key": HEX32,
    "kid": KID,
    "created": TIME,
}


@frozen
class Genesis(Record):
    currency: str
    unit_name: str
    ledger_key: bytes
    created: int

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> Genesis:
        return cls(
            ledger=r["ledger"],
            kid=r["kid"],
            currency=r["currency"],
            unit_name=r["unit_name"],
            ledger_key=bytes.fromhex(r["ledger_key"]),
            created=parse_time(r["created"]),
        )


def apply(state: LedgerState, g: Genesis, applied: Applied, effects: Effects) -> None:
    if g.currency != state.currency:  # what an operation's judge checks first, for its unit
        raise CurrencyMismatch(f"this ledger's unit is {state.currency}, not {g.currency}")
    if state.size != 0:
        raise InvalidReference("genesis must be the first entry")
    if g.ledger_key != state.ledger_key:
        raise NotAuthorized("genesis names another ledger key")


KIND = LedgerKind(
    type=RecordType.GENESIS,
    schema=SCHEMA,
    parse=Genesis.parse,
    references=no_references,
    apply=apply,
)
