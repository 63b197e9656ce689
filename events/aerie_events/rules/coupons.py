"""Rules that change over time, as versioned data.

Every event decided by a policy carries the policy's version, so history
replays under the rules that were in force, never under today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CouponLimits:
    """How large a coupon an agent may grant on their own, by star level."""

    version: str
    by_star: dict[int, Decimal]

    def limit_for(self, star: int) -> Decimal:
        return self.by_star[star]


COUPON_LIMITS = CouponLimits(
    version="coupon-limits/2026-01",
    by_star={
        1: Decimal("50.00"),
        2: Decimal("80.00"),
        3: Decimal("120.00"),
        4: Decimal("160.00"),
        5: Decimal("200.00"),
    },
)
