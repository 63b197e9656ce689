"""The coupons bounded context."""

from aerie_events.catalog.coupons import COUPON_GRANTED

from aerie_services.coupons.application import Coupons
from aerie_services.kit.access import SELF, SITE, grants
from aerie_services.kit.context import BoundedContext, Handles

CONTEXT = BoundedContext(
    name="coupons",
    application=Coupons,
    handles=(
        Handles(
            COUPON_GRANTED,
            Coupons.grant_coupon,
            may=grants(agent=SELF, site_publisher=SITE),
            decided_by_domain=frozenset({"limit"}),
            summary="within the agent's limit.",
            defaults={"currency": "CNY"},
        ),
    ),
)
