"""Coupons' events: compensation coupons agents grant customers."""

from __future__ import annotations

from aerie_events.catalog.kit import EventType, define
from aerie_events.fields import Field

CONTEXT = "coupons"

COUPON_GRANTED = "coupon.granted"

COUPON_SCENARIOS = (
    "cleaning_unsatisfactory",
    "late_arrival",
    "damaged_item",
    "repeat_visit",
    "service_attitude",
    "other",
)

TYPES: tuple[EventType, ...] = (
    define(
        COUPON_GRANTED,
        CONTEXT,
        "An agent granted a customer a compensation coupon within their limit.",
        coupon_id=Field("id", "The coupon's identifier."),
        customer_ref=Field("id", "The customer, as the service system names them."),
        scenario=Field("enum", "The compensation scenario.", choices=COUPON_SCENARIOS),
        amount=Field("decimal", "Coupon value.", minimum=0, maximum=100000),
        currency=Field("enum", "Currency of the amount.", choices=("CNY",)),
        limit=Field("decimal", "The agent's limit that applied.", minimum=0, maximum=100000),
    ),
)
