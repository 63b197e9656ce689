"""Every event type the platform records, gathered from one module per bounded context.

Names are ``<subject>.<past-tense verb>``, each exported by its context's module as a
constant (``aerie_events.catalog.voice.ISSUE_RAISED``); code refers to a type by its
constant. A type's ``schema_version`` rises whenever its payload changes shape; its
context's module then holds the upcaster that reads the older version.

Adding a context: its module here, declaring ``CONTEXT``, its constants, ``TYPES`` and
(when a type changed shape) ``UPCASTERS``, and one line in ``CONTEXTS`` below.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from aerie_events.catalog import (
    coupons,
    learning,
    organisation,
    people,
    performance,
    surveys,
    voice,
)
from aerie_events.catalog.kit import EventType, Upcaster, Upcasters, define
from aerie_events.fields import FieldProblem, PayloadInvalid

CONTEXTS: tuple[ModuleType, ...] = (
    organisation,
    people,
    learning,
    performance,
    voice,
    coupons,
    surveys,
)
"""Each context's catalog module: one line each."""


def _gathered() -> dict[str, EventType]:
    catalog: dict[str, EventType] = {}
    for module in CONTEXTS:
        for event in module.TYPES:
            if event.name in catalog:
                raise ValueError(f"event type {event.name!r} is declared twice")
            if event.context != module.CONTEXT:
                raise ValueError(
                    f"{event.name!r} is declared in {module.__name__}, not its context"
                )
            catalog[event.name] = event
    return catalog


CATALOG: dict[str, EventType] = _gathered()
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    key: upcaster
    for module in CONTEXTS
    for key, upcaster in getattr(module, "UPCASTERS", {}).items()
}
"""(type name, the version it reads) -> upcaster to the next version, from every context."""


def key_of(type_name: str, payload: dict[str, Any], employee_id: str | None) -> str | None:
    """What an event is about, as its topic's key: the type's ``keyed_by`` field, else its subject.

    None when the event has neither (its id keys it then, see ``Envelope.key``).
    """
    event = CATALOG.get(type_name)
    keyed_by = event.keyed_by if event is not None else None
    key = payload.get(keyed_by) if keyed_by else None
    return str(key) if key else (str(employee_id) if employee_id else None)


class UnknownEventType(PayloadInvalid):
    """Raised for an event type the catalog does not define."""

    code = "UNKNOWN_EVENT_TYPE"

    def __init__(self, name: object) -> None:
        super().__init__(
            [FieldProblem("type", f"{name!r} is not a known event type", ", ".join(CATALOG))]
        )


def event_type(name: str) -> EventType:
    """Look up an event type by name, or raise ``UnknownEventType``."""
    try:
        return CATALOG[name]
    except (KeyError, TypeError):
        raise UnknownEventType(name) from None


__all__ = [
    "CATALOG",
    "CONTEXTS",
    "UPCASTERS",
    "EventType",
    "UnknownEventType",
    "Upcaster",
    "Upcasters",
    "define",
    "event_type",
    "key_of",
]
