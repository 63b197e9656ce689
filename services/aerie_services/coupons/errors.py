"""Coupons' refusals."""

from __future__ import annotations

from aerie_services.kit.errors import DomainError


class CouponOverLimit(DomainError):
    code = "COUPON_OVER_LIMIT"

    def __init__(self, amount: str, limit: str, star: int) -> None:
        super().__init__(
            f"a coupon of {amount} is over the {limit} limit of a {star}-star agent",
            field="amount",
            allowed=f"at most {limit}",
        )
