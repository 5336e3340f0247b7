"""Matching statement lines with the movements the ledger expects (association/matching.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from association.errors import InvalidExpectation
from association.matching import Expectation, Kind, Rule, match
from association.statement_files import parse_statement
from association.statements import StatementLine

MARCH = Path(__file__).resolve().parents[1] / "data" / "statements"
STATEMENT = parse_statement(
    (MARCH / "camt053_v02_reserve_digital_2024-03.xml").read_bytes(),
    account_iban="FR7610278360550002048150165",
)


def line(day: int, amount: int, reference: str | None = None) -> StatementLine:
    when = date(2024, 3, day)
    return StatementLine(when, when, amount, f"line of {amount}", reference, None)


def expect(
    id: str, kind: Kind, amount: int | None, reference: str | None = None, day: int | None = None
) -> Expectation:
    return Expectation(id, kind, amount, reference, date(2024, 3, day) if day else None)


def test_a_march_statement_is_reconciled_by_reference_then_by_amount_and_date() -> None:
    expectations = [
        expect("top-up 1001", Kind.CONVERSION, None, "RF40 1001"),
        expect("payout 7", Kind.PAYOUT, 1_470_00, "SOU-PAYOUT-0007", 4),
        expect("deposit office 101", Kind.DEPOSIT, 1_250_00, None, 2),
        expect("top-up 1002", Kind.CONVERSION, None, "RF131002"),
        expect("payout 9", Kind.PAYOUT, 80_00, "SOU-PAYOUT-0009", 20),
    ]
    result = match(expectations, STATEMENT.lines)
    assert [(m.expectation.id, m.line_index, m.rule) for m in result.matches] == [
        ("top-up 1001", 0, Rule.REFERENCE),
        ("deposit office 101", 1, Rule.AMOUNT_AND_DATE),
        ("payout 7", 2, Rule.REFERENCE),
        ("top-up 1002", 4, Rule.REFERENCE),
    ]
    assert [e.id for e in result.unmatched_expectations] == ["payout 9"]
    assert result.unmatched_lines == (3,)  # the bank's fees, until the treasurer explains them


def test_an_amount_alone_does_not_match_when_two_lines_could_be_it() -> None:
    lines = [line(4, 50_00), line(5, 50_00)]
    result = match([expect("deposit", Kind.DEPOSIT, 50_00, day=4)], lines)
    assert result.matches == ()
    assert result.unmatched_lines == (0, 1)


def test_an_amount_alone_does_not_match_when_two_expectations_could_claim_it() -> None:
    result = match(
        [expect("a", Kind.DEPOSIT, 50_00, day=4), expect("b", Kind.DEPOSIT, 50_00, day=5)],
        [line(4, 50_00)],
    )
    assert result.matches == ()


def test_a_match_by_amount_makes_the_next_one_unique() -> None:
    lines = [line(4, 50_00, "E2E-1"), line(5, 50_00)]
    expectations = [
        expect("by reference", Kind.DEPOSIT, 50_00, "E2E-1", 4),
        expect("by amount", Kind.DEPOSIT, 50_00, None, 5),
    ]
    result = match(expectations, lines)
    assert [(m.expectation.id, m.line_index) for m in result.matches] == [
        ("by reference", 0),
        ("by amount", 1),
    ]


def test_the_date_window_and_the_direction_are_respected() -> None:
    lines = [line(10, 30_00), line(11, -30_00)]
    result = match([expect("deposit", Kind.DEPOSIT, 30_00, day=4)], lines, window_days=3)
    assert result.matches == ()
    payout = match([expect("payout", Kind.PAYOUT, 30_00, day=9)], lines, window_days=3)
    assert [m.line_index for m in payout.matches] == [1]


def test_different_references_never_match_on_amount() -> None:
    result = match(
        [expect("payout 8", Kind.PAYOUT, 12_00, "SOU-PAYOUT-0008", 4)],
        [line(4, -12_00, "SOU-PAYOUT-0009")],
    )
    assert result.matches == ()


def test_a_reference_with_the_wrong_amount_is_left_for_the_treasurer() -> None:
    result = match([expect("payout", Kind.PAYOUT, 12_00, "P-1", 4)], [line(4, -13_00, "P-1")])
    assert result.matches == ()


@pytest.mark.parametrize(("amount", "reference"), [(0, "RF401001"), (-5, "RF401001"), (None, None)])
def test_malformed_expectations_are_refused(amount: int | None, reference: str | None) -> None:
    with pytest.raises(InvalidExpectation):
        expect("x", Kind.DEPOSIT, amount, reference, 4)


REFERENCES = st.sampled_from([None, "RF401001", "RF131002", "P-1", "P-2"])
AMOUNTS = st.sampled_from([10_00, 20_00, 50_00])


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[Expectation], list[StatementLine]]:
    expectations = []
    for i in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(list(Kind)))
        reference = draw(REFERENCES)
        amount = draw(st.one_of(AMOUNTS, st.none())) if reference else draw(AMOUNTS)
        expectations.append(expect(f"e{i}", kind, amount, reference, draw(st.integers(1, 28))))
    lines = [
        line(
            draw(st.integers(1, 28)),
            draw(AMOUNTS) * draw(st.sampled_from([1, -1])),
            draw(REFERENCES),
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    return expectations, lines


@given(scenario(), st.integers(0, 5))
def test_no_line_nor_expectation_is_ever_matched_twice(
    case: tuple[list[Expectation], list[StatementLine]], window: int
) -> None:
    expectations, lines = case
    result = match(expectations, lines, window_days=window)
    used_lines = [m.line_index for m in result.matches]
    used_expectations = [id(m.expectation) for m in result.matches]
    assert len(set(used_lines)) == len(used_lines)
    assert len(set(used_expectations)) == len(used_expectations)
    assert sorted(used_lines + list(result.unmatched_lines)) == list(range(len(lines)))
    assert len(result.matches) + len(result.unmatched_expectations) == len(expectations)
    for m in result.matches:
        assert m.line is lines[m.line_index]
        assert m.line.amount * m.expectation.kind.sign > 0
        if m.rule is Rule.AMOUNT_AND_DATE:
            assert m.expectation.expected_date is not None
            assert abs(m.line.date - m.expectation.expected_date) <= timedelta(days=window)
    assert match(expectations, lines, window_days=window) == result
