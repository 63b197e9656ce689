"""What a context's catalog module is made of: event types, their payload fields, upcasters.

A context's module (``catalog/<context>.py``) names each of its event types once, as a
constant (``ISSUE_RAISED = "issue.raised"``), declares them with ``define`` in ``TYPES``
and, for a type whose shape changed, the ``UPCASTERS`` that read its older versions.
Everything else refers to a type by its constant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aerie_events.fields import Field, clean_payload

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the payload of version N of an event type into the payload of version N + 1.

It receives the payload with its personal fields already opened (or ``None`` where the
person's key was destroyed, so it must accept ``None`` there), returns a new mapping and
never changes its argument.
"""

Upcasters = Mapping[tuple[str, int], Upcaster]
"""(type name, the version it reads) -> its upcaster to the next version."""


@dataclass(frozen=True)
class EventType:
    """One kind of fact: its name, its bounded context and its payload fields.

    ``keyed_by`` names the payload field that keys the event on its topic, so
    that every event of one issue, survey or site stays in order in one
    partition; without it the event's subject employee keys it.
    """

    name: str
    context: str
    schema_version: int
    description: str
    fields: dict[str, Field]
    keyed_by: str | None = None

    def clean(self, payload: Any) -> dict[str, Any]:
        """Return the payload in stored form, or raise ``PayloadInvalid``."""
        return clean_payload(self.fields, payload)


def define(
    name: str,
    context: str,
    summary: str,
    shared: Mapping[str, Field] | None = None,
    /,
    *,
    keyed_by: str | None = None,
    schema_version: int = 1,
    **fields: Field,
) -> EventType:
    """One event type: ``summary`` says what happened; ``fields`` are its payload's (after the
    ``shared`` ones several types have in common).

    ``schema_version`` rises whenever the payload changes shape (with an upcaster
    from the version before); ``keyed_by`` names the field that keys it on its topic.
    """
    fields = {**(shared or {}), **fields}
    if keyed_by is not None and keyed_by not in fields:
        raise ValueError(f"{name}: keyed_by names {keyed_by!r}, which is not one of its fields")
    return EventType(name, context, schema_version, summary, fields, keyed_by)
