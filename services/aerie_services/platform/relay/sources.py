"""What the relay publishes: the logs it reads and how their rows become messages.

A context's stored events become envelopes through the one codec (``ContextEvents``);
the platform's dead letters and quarantine become messages of their own. A row that
cannot be converted is quarantined with its reason and bytes, never skipped in silence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from aerie_events.catalog import CATALOG
from aerie_events.codec import EventCodec, StoredFact, Undecodable

from aerie_services.kit.base import event_id_of, to_the_hour
from aerie_services.platform.committed import CommittedLog

STORED_COLUMNS = ["notification_id", "originator_id", "originator_version", "state"]


DEAD_LETTER_COLUMNS = [
    "id",
    "received_at",
    "source",
    "kind",
    "input",
    "input_bytes",
    "code",
    "reason",
]


QUARANTINE_COLUMNS = [
    "id",
    "quarantined_at",
    "stage",
    "projection",
    "topic",
    "partition",
    "kafka_offset",
    "position",
    "reason",
]


PERSONAL_TYPES = frozenset(
    name for name, t in CATALOG.items() if any(f.personal for f in t.fields.values())
)


ANONYMOUS_TYPES = frozenset(
    name
    for name, t in CATALOG.items()
    if "anonymous" in t.fields and not t.fields["anonymous"].personal
)
"""Types whose author may choose not to be named, in a field that is never sealed."""


def is_anonymous(fact: StoredFact) -> bool:
    """True for a fact whose author chose not to be named; nothing sealed is opened to tell."""
    return fact.type in ANONYMOUS_TYPES and fact.payload.get("anonymous") is True


@dataclass
class Outgoing:
    """A message to send: its log position, key and bytes; ``anonymous`` ones are held back."""

    position: int
    key: str
    value: bytes
    site_id: str | None = None
    anonymous: bool = False


@dataclass
class Converted:
    """A batch of log rows as messages, and the rows that could not be converted."""

    messages: list[Outgoing]
    quarantined: list[tuple[int, str, bytes]] = field(default_factory=list)


class KeysOf(Protocol):
    """What the relay needs of the key ring: the live keys of some subjects."""

    def keys_of(self, key_ids: Sequence[str]) -> dict[str, bytes]: ...


@dataclass
class Source:
    """One log the relay publishes: a table read in id order, to one topic.

    ``convert`` turns a batch of rows into messages; a row it cannot convert
    is quarantined (with its reason and original bytes), never skipped in silence.
    ``table`` (the stored events', read again by position when a held event
    is released) is given for a context's events; a source without one holds nothing.
    """

    name: str
    topic: str
    log: CommittedLog
    channel: str
    convert: Callable[[list[dict[str, Any]]], Converted]
    table: str | None = None


class ContextEvents:
    """Converts a context's stored events into envelopes, through the one codec."""

    def __init__(self, context: str, codec: EventCodec, keys: Callable[[], KeysOf]) -> None:
        self.context = context
        self.codec = codec
        self.keys = keys

    def envelopes(self, rows: list[dict[str, Any]]) -> list[Any]:
        """The rows' envelopes (replay); an undecodable row raises ``Undecodable``."""
        converted = self._convert(rows, as_json=False)
        if converted.quarantined:
            position, reason, _ = converted.quarantined[0]
            raise Undecodable(f"stored event {self.context}/{position}: {reason}")
        return [message.value for message in converted.messages]

    def __call__(self, rows: list[dict[str, Any]]) -> Converted:
        return self._convert(rows, as_json=True)

    def _convert(self, rows: list[dict[str, Any]], *, as_json: bool) -> Converted:
        converted = Converted([])
        facts: list[tuple[dict[str, Any], StoredFact]] = []
        for row in rows:
            state = bytes(row["state"])
            try:
                fact = self.codec.read(state)
            except Undecodable as error:
                converted.quarantined.append((row["notification_id"], error.reason, state))
                continue
            if fact is not None:
                facts.append((row, fact))
        needed = sorted({f.key_id for _, f in facts if f.key_id and f.type in PERSONAL_TYPES})
        keys = self.keys().keys_of(needed) if needed else {}
        for row, fact in facts:
            try:
                envelope = self.codec.envelope(
                    fact,
                    event_id=event_id_of(row["originator_id"], row["originator_version"]),
                    position=row["notification_id"],
                    context=self.context,
                    keys=keys,
                )
            except Undecodable as error:
                converted.quarantined.append(
                    (row["notification_id"], error.reason, bytes(row["state"]))
                )
                continue
            anonymous = is_anonymous(fact)
            if anonymous:  # neither its time nor its place in the log sits next to its author's
                envelope = replace(
                    envelope, recorded_at=to_the_hour(envelope.recorded_at), position=0
                )
            value: Any = envelope.to_json() if as_json else envelope
            converted.messages.append(
                Outgoing(row["notification_id"], envelope.key, value, envelope.site_id, anonymous)
            )
        return converted


def dead_letter_messages(rows: list[dict[str, Any]]) -> Converted:
    return Converted(
        [
            Outgoing(
                row["id"],
                str(row["kind"] or "unknown"),
                json.dumps({**row, "received_at": row["received_at"].isoformat()}).encode(),
            )
            for row in rows
        ]
    )


def quarantine_messages(rows: list[dict[str, Any]]) -> Converted:
    return Converted(
        [
            Outgoing(
                row["id"],
                str(row["projection"] or row["stage"]),
                json.dumps({**row, "quarantined_at": row["quarantined_at"].isoformat()}).encode(),
            )
            for row in rows
        ]
    )
