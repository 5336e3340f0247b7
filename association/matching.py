"""Matching bank statement lines with the movements the ledger expects on the reserve accounts.

An `Expectation` is a movement the books wait for: a cash deposit, a conversion by bank
transfer, or a payout (a debit), with its amount (None for a member's open top-up, known only
once the money arrives), its reference (a creditor reference or a payout's end-to-end id) and
the date it should be booked. `match` pairs them with statement lines in two passes, each
expectation and each line used at most once: first by reference (same reference, right
direction, same amount when one is expected; among several, the closest date then the first
given), then by amount within a window of days around the expected date, only when the pair is
unambiguous (the line is the expectation's only candidate and the expectation the line's), and
never when both sides carry different references. The result is pure and deterministic: the
same inputs give the same pairs, whatever the rest of the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from association.errors import InvalidCreditorReference, InvalidExpectation
from association.rf import check_rf
from association.statements import StatementLine

__all__ = ["Expectation", "Kind", "Match", "Reconciliation", "Rule", "match"]

DEFAULT_WINDOW_DAYS = 3


class Kind(Enum):
    DEPOSIT = "deposit"
    CONVERSION = "conversion"
    PAYOUT = "payout"

    @property
    def sign(self) -> int:
        """+1 for money coming into the reserve, -1 for money leaving it."""
        return -1 if self is Kind.PAYOUT else 1


class Rule(Enum):
    REFERENCE = "reference"
    AMOUNT_AND_DATE = "amount-and-date"


@dataclass(frozen=True)
class Expectation:
    """A movement the ledger expects; ``id`` is the caller's (a record id, a payout number)."""

    id: str
    kind: Kind
    amount: int | None
    reference: str | None
    expected_date: date | None

    def __post_init__(self) -> None:
        if self.amount is not None and (
            isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0
        ):
            raise InvalidExpectation("an expected amount is a positive number of cents")
        if self.amount is None and self.reference is None:
            raise InvalidExpectation("an expectation without an amount needs a reference")


@dataclass(frozen=True)
class Match:
    expectation: Expectation
    line_index: int
    line: StatementLine
    rule: Rule


@dataclass(frozen=True)
class Reconciliation:
    """Matched pairs in line order, the expectations left open and the lines left unexplained
    (their indexes in the lines given)."""

    matches: tuple[Match, ...]
    unmatched_expectations: tuple[Expectation, ...]
    unmatched_lines: tuple[int, ...]


def _normal(reference: str | None) -> str | None:
    if reference is None:
        return None
    try:
        return check_rf(reference)
    except InvalidCreditorReference:
        return reference.strip()


def _amount_fits(expectation: Expectation, line: StatementLine) -> bool:
    if line.amount * expectation.kind.sign <= 0:
        return False
    return expectation.amount is None or abs(line.amount) == expectation.amount


def _distance(expectation: Expectation, line: StatementLine) -> int:
    if expectation.expected_date is None:
        return 0
    return abs((line.date - expectation.expected_date).days)


def match(
    expectations: Sequence[Expectation],
    lines: Sequence[StatementLine],
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Reconciliation:
    if window_days < 0:
        raise InvalidExpectation("the window is a number of days, not negative")
    open_expectations = dict(enumerate(expectations))
    open_lines = dict(enumerate(lines))
    pairs: list[tuple[int, int, Rule]] = []
    references = {i: _normal(e.reference) for i, e in open_expectations.items()}
    line_references = {i: _normal(line.reference) for i, line in open_lines.items()}

    for li, line in enumerate(lines):
        ref = line_references[li]
        if ref is None:
            continue
        candidates = [
            ei
            for ei, e in open_expectations.items()
            if references[ei] == ref and _amount_fits(e, line)
        ]
        if candidates:
            best = min(candidates, key=lambda ei: (_distance(open_expectations[ei], line), ei))
            pairs.append((best, li, Rule.REFERENCE))
            del open_expectations[best], open_lines[li]

    def compatible(ei: int, li: int) -> bool:
        e, line = open_expectations[ei], open_lines[li]
        ref, line_ref = references[ei], line_references[li]
        return (
            e.amount is not None
            and e.expected_date is not None
            and (ref is None or line_ref is None or ref == line_ref)
            and _amount_fits(e, line)
            and _distance(e, line) <= window_days
        )

    progress = True
    while progress:
        progress = False
        options = {ei: [li for li in open_lines if compatible(ei, li)] for ei in open_expectations}
        claimants: dict[int, list[int]] = {}
        for ei, lis in options.items():
            for li in lis:
                claimants.setdefault(li, []).append(ei)
        for ei in sorted(options):
            lis = options[ei]
            if len(lis) == 1 and claimants[lis[0]] == [ei]:
                pairs.append((ei, lis[0], Rule.AMOUNT_AND_DATE))
                del open_expectations[ei], open_lines[lis[0]]
                progress = True

    pairs.sort(key=lambda pair: pair[1])
    return Reconciliation(
        matches=tuple(Match(expectations[ei], li, lines[li], rule) for ei, li, rule in pairs),
        unmatched_expectations=tuple(open_expectations.values()),
        unmatched_lines=tuple(open_lines),
    )
