"""The coupons bounded context."""

from aerie_events.catalog.coupons import COUPON_GRANTED

from aerie_services.coupons.application import Coupons
from aerie_services.kit.context import BoundedContext, Handles

CONTEXT = BoundedContext(
    name="coupons",
    application=Coupons,
    handles=(
        Handles(COUPON_GRANTED, Coupons.grant_coupon, decided_by_domain=frozenset({"limit"})),
    ),
)
