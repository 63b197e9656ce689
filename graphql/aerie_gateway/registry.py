"""The gateway domains: one line each.

Adding a capability's GraphQL: its package under ``aerie_gateway/`` ending with
``DOMAIN = GatewayDomain(...)``, and one line below. Their rules go into the
one policy (``permissions.py``); a field declared twice stops the gateway at
start. Mutations come from the commands declared on the write side.
"""

from __future__ import annotations

from aerie_gateway import audit, coupons, employees, growth, organisation, surveys, voice
from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import install

DOMAINS: tuple[GatewayDomain, ...] = (
    employees.DOMAIN,
    organisation.DOMAIN,
    growth.DOMAIN,
    voice.DOMAIN,
    coupons.DOMAIN,
    surveys.DOMAIN,
    audit.DOMAIN,
)

for _domain in DOMAINS:
    install(_domain.fields, _domain.as_parent, _domain.name)
