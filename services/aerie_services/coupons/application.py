"""Use cases of coupon authority."""

from __future__ import annotations

from aerie_events.rules.coupons import COUPON_LIMITS

from aerie_services.coupons.domainmodel import CouponGrant
from aerie_services.kit.base import Command, ContextApplication, Outcome
from aerie_services.kit.context import Facts
from aerie_services.people import EMPLOYEE_SITE
from aerie_services.performance import EMPLOYEE_STAR


class Coupons(ContextApplication):
    """Agents compensate customers within a limit set by policy."""

    limits = COUPON_LIMITS

    def grant_coupon(self, command: Command, facts: Facts) -> Outcome:
        employee_id = str(command.employee_id)
        site_id = facts.ask(EMPLOYEE_SITE, employee_id)
        star = facts.ask(EMPLOYEE_STAR, employee_id)
        limits = self.limits
        meta = command.meta(site_id=site_id, policy_version=limits.version)
        return self.create(
            CouponGrant.id_for(command.data["coupon_id"]),
            command,
            lambda existing: CouponGrant.grant(
                existing, employee_id, star, limits.limit_for(star), meta, command.data
            ),
        )
