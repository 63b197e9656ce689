"""Coupon authority in GraphQL: agents compensate customers within their limit."""

import strawberry
from aerie_events.catalog.coupons import COUPON_GRANTED
from strawberry.types import Info

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import SELF, SITE, grants
from aerie_gateway.recording import CommandResult, MayRecord, record


@strawberry.input
class GrantCouponInput:
    command_id: str
    employee_id: str
    coupon_id: str
    customer_ref: str
    scenario: str
    amount: str = strawberry.field(description='Decimal amount, e.g. "30.00".')
    currency: str = "CNY"
    occurred_at: str | None = None


@strawberry.type
class CouponMutations:
    @strawberry.mutation(
        permission_classes=[MayRecord],
        description="Record coupon.granted, within the agent's limit.",
    )
    async def grant_coupon(self, info: Info, input: GrantCouponInput) -> CommandResult:
        return await record(info, COUPON_GRANTED, input)


DOMAIN = GatewayDomain(
    name="coupons",
    mutation=CouponMutations,
    writes={COUPON_GRANTED: grants(agent=SELF, site_publisher=SITE)},
    mutations={"grantCoupon": COUPON_GRANTED},
)
