"""Coupon authority: agents compensate customers within a limit set by policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aerie_events.catalog.coupons import COUPON_GRANTED
from eventsourcing.domain import event

from aerie_services.coupons.errors import CouponOverLimit
from aerie_services.kit.base import AerieAggregate, stable_id
from aerie_services.kit.errors import AlreadyRecorded


class CouponGrant(AerieAggregate):
    """One coupon an agent granted a customer."""

    @staticmethod
    def id_for(coupon_id: str) -> Any:
        return stable_id("coupon", coupon_id)

    @staticmethod
    def create_id(payload: dict) -> Any:
        return CouponGrant.id_for(payload["coupon_id"])

    @event("Granted")
    def __init__(self, employee_id: str, meta: dict, payload: dict) -> None:
        self.employee_id = employee_id
        self.amount = payload["amount"]
        self.remember(meta, COUPON_GRANTED, 1)

    @classmethod
    def grant(
        cls,
        existing: CouponGrant | None,
        employee_id: str,
        star: int,
        limit: Decimal,
        meta: dict,
        data: dict,
    ) -> CouponGrant:
        if existing is not None:
            raise AlreadyRecorded(f"coupon {data['coupon_id']!r}", "couponId")
        if Decimal(data["amount"]) > limit:
            raise CouponOverLimit(data["amount"], str(limit), star)
        payload = {**data, "limit": str(limit)}
        return cls(employee_id=employee_id, meta=meta, payload=payload)
