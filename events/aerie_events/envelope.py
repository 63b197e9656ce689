"""The envelope every event travels in, on every topic."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any
from uuid import UUID

import orjson

from aerie_events.catalog import key_of


@dataclass(frozen=True)
class Envelope:
    """A committed event as consumers see it.

    ``occurred_at`` is when it happened at the source; ``recorded_at`` when the
    event store committed it; ``position`` its place in its context's
    notification log (ascending, not necessarily contiguous; 0 for an anonymous
    issue, whose place would sit next to its author's other events). ``employee_id``
    is the subject, absent for an anonymous issue. ``policy_version`` names
    the rule set that decided the event, so replay never recomputes decisions.
    """

    event_id: UUID
    type: str
    schema_version: int
    occurred_at: str
    recorded_at: str
    position: int
    context: str
    site_id: str | None
    employee_id: str | None
    actor: dict[str, str]
    source: dict[str, str]
    correlation_id: str
    causation_id: str | None
    policy_version: str | None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The Kafka key: what the event is about, so its events stay in order.

        The catalog says it (``catalog.key_of``): an issue's events are keyed
        by the issue (whoever holds it), a site's by the site, others by their
        subject employee, or by the event itself when there is none.
        """
        return key_of(self.type, self.payload, self.employee_id) or str(self.event_id)

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in FIELD_NAMES}
        data["event_id"] = str(self.event_id)
        return data

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        """The envelope in ``data``; keys this version does not know are ignored.

        An older consumer thus keeps reading envelopes that gained a field.
        """
        known = {name: data[name] for name in FIELD_NAMES if name in data}
        known["event_id"] = UUID(data["event_id"])
        if len(known) < len(FIELD_NAMES):
            return cls(**known)  # raises for a missing field, or fills the defaults
        envelope = object.__new__(cls)
        envelope.__dict__.update(known)  # every field present: skip the frozen __init__
        return envelope

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        return cls.from_dict(orjson.loads(raw))


FIELD_NAMES = tuple(f.name for f in fields(Envelope))
