"""Reconversion fees and eligibility (FORMATS.md §2, §7): no cent created or lost, 0–5 % only."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import FormatError, InvalidAmount
from merchants.errors import (
    BelowMinimum,
    InvalidFeeRule,
    MembershipFeeUnpaid,
    NoFeeRule,
    NotAMerchant,
    ReconversionRefused,
)
from merchants.reconversion import (
    MAX_AMOUNT,
    FeeRule,
    FeeSchedule,
    MerchantKind,
    Quote,
    prepare_reconversion,
    quote,
    reconversion_fields,
)

SCHEDULE = FeeSchedule.of(
    [
        FeeRule(MerchantKind.BUSINESS, 300, minimum=50_00),
        FeeRule(MerchantKind.CAE, 200, minimum=20_00),
        FeeRule(MerchantKind.ASSOCIATION, 0),
    ]
)


def reconvert(gross: int, *, kind: str = "business", paid: bool = True) -> Quote:
    return prepare_reconversion(
        SCHEDULE, account_kind="merchant", merchant_kind=kind, membership_paid=paid, gross=gross
    )


def test_the_fee_is_rounded_down_to_the_cent_and_the_net_is_the_rest() -> None:
    assert reconvert(100_00) == Quote(gross=100_00, fee=3_00, net=97_00, rate=300)
    assert reconvert(123_45) == Quote(gross=123_45, fee=3_70, net=119_75, rate=300)  # 3,7035
    cae = FeeRule(MerchantKind.CAE, 250)
    assert quote(33, cae) == Quote(gross=33, fee=0, net=33, rate=250)  # 0,825


def test_a_zero_rate_takes_no_fee() -> None:
    assert reconvert(1_00, kind="association") == Quote(1_00, 0, 1_00, 0)


@given(gross=st.integers(1, MAX_AMOUNT), rate=st.integers(0, 500))
def test_fee_rounding_never_creates_or_loses_a_cent_and_never_exceeds_the_rate(
    gross: int, rate: int
) -> None:
    result = quote(gross, FeeRule(MerchantKind.BUSINESS, rate))
    assert result.fee + result.net == gross
    assert result.fee >= 0 and result.net > 0
    # fee ≤ gross × rate / 10 000 ≤ 5 % of gross, and less than a cent below it.
    assert result.fee * 10_000 <= gross * rate < (result.fee + 1) * 10_000
    assert result.fee * 20 <= gross


@pytest.mark.parametrize("rate", [501, -1, 10_000])
def test_a_rate_outside_0_to_5_percent_is_refused(rate: int) -> None:
    with pytest.raises(InvalidFeeRule):
        FeeRule(MerchantKind.BUSINESS, rate)


@pytest.mark.parametrize("rate", [2.5, 250.0, Decimal("250"), Fraction(501, 2), True, "250", None])
def test_a_rate_that_is_not_whole_basis_points_is_refused_as_it_would_not_apply_exactly(
    rate: object,
) -> None:
    with pytest.raises(InvalidFeeRule):
        FeeRule(MerchantKind.BUSINESS, rate)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "rate"), [("2,5", 250), ("2,50 %", 250), ("3", 300), ("0", 0)])
def test_a_rate_typed_in_french_is_read_as_basis_points(text: str, rate: int) -> None:
    assert FeeRule.from_percent("cae", text).rate == rate
    assert FeeRule.from_percent("cae", "2,5").percent == "2,50\u00a0%"


@pytest.mark.parametrize("text", ["2,125", "2,125 %", "0,001", "5,01", "abc", "-1", "2.555"])
def test_a_typed_rate_that_would_create_or_lose_a_cent_or_exceed_5_percent_is_refused(
    text: str,
) -> None:
    with pytest.raises(InvalidFeeRule):
        FeeRule.from_percent("business", text)


def test_a_fee_rule_is_a_format_error_for_the_web_layer() -> None:
    assert issubclass(InvalidFeeRule, FormatError)


@pytest.mark.parametrize("minimum", [0, -1, 1.5])
def test_a_minimum_of_less_than_a_cent_is_refused(minimum: object) -> None:
    with pytest.raises(InvalidFeeRule):
        FeeRule(MerchantKind.BUSINESS, 200, minimum)  # type: ignore[arg-type]


def test_an_unknown_kind_of_merchant_is_refused_in_a_rule() -> None:
    with pytest.raises(InvalidFeeRule):
        FeeRule("bank", 200)  # type: ignore[arg-type]


def test_two_rules_for_one_kind_are_refused() -> None:
    with pytest.raises(InvalidFeeRule):
        FeeSchedule.of([FeeRule("cae", 200), FeeRule("cae", 300)])  # type: ignore[arg-type]


def test_a_quote_whose_fee_and_net_do_not_add_up_cannot_exist() -> None:
    with pytest.raises(InvalidFeeRule):
        Quote(gross=100, fee=3, net=96, rate=300)


@pytest.mark.parametrize("account_kind", ["resident", "association"])
def test_only_a_merchant_may_reconvert(account_kind: str) -> None:
    with pytest.raises(NotAMerchant):
        prepare_reconversion(
            SCHEDULE,
            account_kind=account_kind,
            merchant_kind="business",
            membership_paid=True,
            gross=100_00,
        )


def test_a_merchant_account_without_an_approved_profile_may_not_reconvert() -> None:
    with pytest.raises(NotAMerchant):
        prepare_reconversion(
            SCHEDULE, account_kind="merchant", merchant_kind=None, membership_paid=True, gross=1
        )


def test_an_unpaid_membership_fee_suspends_reconversion_when_the_association_says_so() -> None:
    with pytest.raises(MembershipFeeUnpaid):
        reconvert(100_00, paid=False)
    lenient = FeeSchedule.of(SCHEDULE.rules.values(), membership_required=False)
    assert prepare_reconversion(
        lenient, account_kind="merchant", merchant_kind="cae", membership_paid=False, gross=20_00
    ) == Quote(20_00, 40, 19_60, 200)


def test_an_amount_below_the_minimum_is_refused_and_the_minimum_itself_accepted() -> None:
    with pytest.raises(BelowMinimum) as refused:
        reconvert(49_99)
    assert refused.value.detail["minimum"] == 50_00
    assert reconvert(50_00).net == 48_50


def test_a_kind_without_a_rule_is_refused() -> None:
    with pytest.raises(NoFeeRule):
        reconvert(100_00, kind="local_authority")


def test_every_refusal_is_a_reconversion_refused() -> None:
    for error in (NotAMerchant, MembershipFeeUnpaid, BelowMinimum, NoFeeRule):
        assert issubclass(error, ReconversionRefused)


@pytest.mark.parametrize("gross", [0, -1, MAX_AMOUNT + 1, 10.0])
def test_a_gross_amount_that_is_not_whole_positive_cents_is_refused(gross: object) -> None:
    with pytest.raises(InvalidAmount):
        quote(gross, FeeRule(MerchantKind.CAE, 200))  # type: ignore[arg-type]


def test_the_reconversion_record_carries_the_gross_and_the_fee() -> None:
    assert reconversion_fields(1042, reconvert(100_00)) == {
        "from": "1042",
        "amount": 100_00,
        "fee": 3_00,
    }
