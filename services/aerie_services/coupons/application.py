"""Use cases of coupon authority."""

from __future__ import annotations

from aerie_services.base import Command, ContextApplication, Decision, Outcome
from aerie_services.coupons.domainmodel import CouponGrant
from aerie_services.policies import COUPON_LIMITS, CouponLimits


class Coupons(ContextApplication):
    context = "coupons"

    def grant_coupon(self, command: Command, site_id: str, star: int) -> Outcome:
        return self.decide(*self.grant_decision(command, site_id, star))

    @staticmethod
    def grant_decision(
        command: Command, site_id: str, star: int, limits: CouponLimits = COUPON_LIMITS
    ) -> tuple[object, Command, Decision]:
        meta = command.meta(site_id=site_id, policy_version=limits.version)
        employee_id = str(command.employee_id)
        return (
            CouponGrant.id_for(command.data["coupon_id"]),
            command,
            lambda existing: CouponGrant.grant(
                existing, employee_id, star, limits.limit_for(star), meta, command.data
            ),
        )
