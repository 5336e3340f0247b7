"""`/v1/fee-rules/…`: the association's reconversion fee per kind of merchant, set by the
treasurer, public to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from merchants.payouts import set_fee_rule
from merchants.reconversion import FeeRule, MerchantKind, fee_rules
from wallet_api import access
from wallet_api.body import LimitedRoute
from wallet_api.deps import OptionalDevice, ReadingUnitOfWork, UnitOfWorkDep
from wallet_api.schemas.fee_rules import FeeRuleIn, FeeRuleOut

router = APIRouter(route_class=LimitedRoute, prefix="/v1", tags=["association"])


KindPath = Annotated[str, Path(pattern="^(business|cae|local_authority|association)$")]


@router.put("/fee-rules/{kind}")
def put_fee_rule(
    kind: KindPath, body: FeeRuleIn, uow: UnitOfWorkDep, device: OptionalDevice
) -> FeeRuleOut:
    """Sets the reconversion fee of one kind of merchant (0 to 500 basis points)."""
    access.treasurer(device)
    rule = FeeRule(MerchantKind(kind), body.rate, body.minimum)
    set_fee_rule(
        uow, rule=rule, membership_required=body.membership_required, now=uow.ledger.clock()
    )
    uow.commit()
    return FeeRuleOut(kind=kind, **body.model_dump())


@router.get("/fee-rules")
def get_fee_rules(uow: ReadingUnitOfWork) -> list[FeeRuleOut]:
    """The association's fee rules: public, as members may know them."""
    return [
        FeeRuleOut(
            kind=rule.kind.value,
            rate=rule.rate,
            minimum=rule.minimum,
            membership_required=membership_required,
        )
        for rule, membership_required in fee_rules(uow)
    ]
