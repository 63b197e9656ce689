"""Coupon authority in GraphQL: agents compensate customers within their limit.

Its one write, ``grantCoupon``, is the command declared by the coupons context.
"""

from aerie_gateway.domain import GatewayDomain

DOMAIN = GatewayDomain(name="coupons")
