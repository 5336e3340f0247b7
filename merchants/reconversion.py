"""Reconversion of a merchant's units to euros: the association's fee rules, quotes, eligibility.

The association sets one fee rule per kind of merchant: a rate in basis points (hundredths of a
percent) from 0 to 500 (0–5 %, FORMATS.md §2) and a minimum amount. A rate is a whole number of
basis points, so any rule that could not be applied to whole cents exactly — a float, a fraction, or
a percentage typed with more than two decimals such as "2,125 %" — is refused with
`InvalidFeeRule` rather than rounded silently. The fee is rounded *down* to the cent:
``fee = ⌊gross × rate / 10 000⌋``, in integer arithmetic, and ``net = gross − fee``; so the
fee never exceeds the published rate, the merchant gets any fraction of a cent, and
``fee + net == gross`` always: no cent is created or lost. The merchant sees the `Quote` (gross,
fee, net) before confirming; the reconversion record then carries `amount` (the gross) and
`fee`. A request is refused with a `ReconversionRefused` subclass when the account is not a
merchant's, the membership fee is unpaid (if the association requires it), the amount is below
the minimum, or no rule exists for the merchant's kind. The balance is the ledger's to check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from sqlalchemy import select

from ledger.errors import InvalidAmount
from ledger.money import format_fr, parse_fr
from ledger.ports import LedgerUnitOfWork
from merchants.errors import (
    BelowMinimum,
    InvalidFeeRule,
    MembershipFeeUnpaid,
    NoFeeRule,
    NotAMerchant,
)
from merchants.tables import FEE_RULES

BASIS_POINTS = 10_000  # 100 %
MAX_RATE = 500  # 5 %, in basis points
MAX_AMOUNT = 2**31 - 1


class MerchantKind(StrEnum):
    BUSINESS = "business"  # a business (entreprise)
    CAE = "cae"  # a member-entrepreneur of a cooperative (coopérative d'activité et d'emploi)
    LOCAL_AUTHORITY = "local_authority"  # a municipality or other public body
    ASSOCIATION = "association"  # a non-profit association


_KINDS = frozenset(kind.value for kind in MerchantKind)


def merchant_kind(value: object) -> MerchantKind:
    """The `MerchantKind` named `value`, else `InvalidFeeRule`."""
    if isinstance(value, str) and value in _KINDS:
        return MerchantKind(value)
    raise InvalidFeeRule(f"unknown kind of merchant {value!r}", field="kind")


def _whole(name: str, value: object, low: int, high: int) -> int:
    if type(value) is not int:
        raise InvalidFeeRule(
            f"'{name}' must be a whole number, not {type(value).__name__}: "
            "only whole basis points and cents apply exactly",
            field=name,
        )
    if not low <= value <= high:
        raise InvalidFeeRule(f"'{name}' must be from {low} to {high}", field=name)
    return value


@dataclass(frozen=True, slots=True)
class FeeRule:
    """The fee on reconversions by one kind of merchant: `rate` in basis points (250 = 2,5 %)
    and the `minimum` gross amount in cents."""

    kind: MerchantKind
    rate: int
    minimum: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", merchant_kind(self.kind))
        _whole("rate", self.rate, 0, MAX_RATE)
        _whole("minimum", self.minimum, 1, MAX_AMOUNT)

    @classmethod
    def from_percent(cls, kind: MerchantKind | str, percent: str, minimum: int = 1) -> FeeRule:
        """A rule from a French percentage as the treasurer types it: "2,5", "2,50 %", "3"."""
        if not isinstance(percent, str):
            raise InvalidFeeRule("the rate is typed as text such as 2,5 %", field="rate")
        text = percent.strip().removesuffix("%").strip()
        try:
            # A percentage with two decimals is a whole number of basis points, exactly as an
            # amount with two decimals is a whole number of cents: the same parser applies.
            rate = parse_fr(text)
        except InvalidAmount:
            raise InvalidFeeRule(
                f"{percent!r} is not a percentage with at most two decimals", field="rate"
            ) from None
        return cls(merchant_kind(kind), rate, minimum)

    @property
    def percent(self) -> str:
        """The rate as printed for people: 250 → "2,50 %"."""
        return f"{format_fr(self.rate)}\u00a0%"


@dataclass(frozen=True, slots=True)
class Quote:
    """What the merchant is shown before confirming: gross = fee + net, in cents."""

    gross: int
    fee: int
    net: int
    rate: int

    def __post_init__(self) -> None:
        if self.fee + self.net != self.gross or self.fee < 0 or self.net < 0:
            raise InvalidFeeRule("a quote's fee and net must add up to its gross exactly")


def fee_rules(uow: LedgerUnitOfWork) -> list[tuple[FeeRule, bool]]:
    """The association's rules, by kind, each with whether it waits for the membership fee
    (public: members may know them)."""
    rows = uow.connection.execute(select(FEE_RULES).order_by(FEE_RULES.c.kind))
    return [(FeeRule(MerchantKind(r.kind), r.rate, r.minimum), r.membership_required) for r in rows]


def fee_for(gross: int, rate: int) -> int:
    """⌊gross × rate / 10 000⌋: the fee in whole cents, rounded down."""
    return gross * rate // BASIS_POINTS


def quote(gross: int, rule: FeeRule) -> Quote:
    """The fee and net of reconverting `gross` cents under `rule` (no eligibility check)."""
    if type(gross) is not int or not 1 <= gross <= MAX_AMOUNT:
        raise InvalidAmount("a reconversion is 1 to 2**31-1 cents", cents=str(gross))
    fee = fee_for(gross, rule.rate)
    return Quote(gross=gross, fee=fee, net=gross - fee, rate=rule.rate)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """The association's rules, one per kind of merchant, and whether reconversion waits for
    the membership fee."""

    rules: Mapping[MerchantKind, FeeRule] = field(default_factory=dict)
    membership_required: bool = True

    @classmethod
    def of(cls, rules: Iterable[FeeRule], *, membership_required: bool = True) -> FeeSchedule:
        by_kind: dict[MerchantKind, FeeRule] = {}
        for rule in rules:
            if rule.kind in by_kind:
                raise InvalidFeeRule(f"two rules for {rule.kind.value}", field="kind")
            by_kind[rule.kind] = rule
        return cls(MappingProxyType(by_kind), membership_required)

    def rule_for(self, kind: MerchantKind | str) -> FeeRule:
        try:
            rule = self.rules.get(MerchantKind(kind))
        except ValueError:
            rule = None
        if rule is None:
            raise NoFeeRule(f"no fee rule for merchants of kind {kind!r}", kind=str(kind))
        return rule


def prepare_reconversion(
    schedule: FeeSchedule,
    *,
    account_kind: str,
    merchant_kind: MerchantKind | str | None,
    membership_paid: bool,
    gross: int,
) -> Quote:
    """Checks that this account may reconvert `gross` cents now, and quotes it.

    `account_kind` is the ledger account's kind; `merchant_kind` the approved merchant's kind
    from its profile (None if it has none).
    """
    if account_kind != "merchant" or merchant_kind is None:
        raise NotAMerchant("only an approved merchant may reconvert units to euros")
    rule = schedule.rule_for(merchant_kind)
    if schedule.membership_required and not membership_paid:
        raise MembershipFeeUnpaid()
    result = quote(gross, rule)
    if gross < rule.minimum:
        raise BelowMinimum(
            f"the minimum reconversion is {format_fr(rule.minimum)}",
            minimum=rule.minimum,
            gross=gross,
        )
    return result


def reconversion_fields(account: int, result: Quote) -> dict[str, object]:
    """The fields of the `reconversion` record that come from the quote: from, amount, fee."""
    return {"from": str(account), "amount": result.gross, "fee": result.fee}
