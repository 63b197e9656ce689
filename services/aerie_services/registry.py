"""The bounded contexts of the platform: one line each.

Adding a context: its package under ``aerie_services/`` ending with
``CONTEXT = BoundedContext(...)``, and one line below.
"""

from __future__ import annotations

from aerie_services import coupons, learning, organisation, people, performance, surveys, voice
from aerie_services.kit.context import BoundedContext, ContextRegistry

CONTEXTS: tuple[BoundedContext, ...] = (
    organisation.CONTEXT,
    people.CONTEXT,
    learning.CONTEXT,
    performance.CONTEXT,
    voice.CONTEXT,
    coupons.CONTEXT,
    surveys.CONTEXT,
)


def registry() -> ContextRegistry:
    """The registered contexts, checked against the event catalog."""
    return ContextRegistry(CONTEXTS)
