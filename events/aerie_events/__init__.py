"""The Aerie event catalog: every fact the platform records, and its envelope.

Events are frozen, versioned, past-tense records. The catalog is the contract
shared by the write side (which validates commands against it), the relay
(which wraps stored events in the envelope) and every consumer of the Kafka
topics (projections, HRIS/LMS integrations, auditors).
"""

from aerie_events.catalog import CATALOG, EventType, event_type
from aerie_events.envelope import Envelope
from aerie_events.fields import FieldProblem, PayloadInvalid
from aerie_events.topics import CONTEXTS, DEAD_LETTER, topic_for

__all__ = [
    "CATALOG",
    "CONTEXTS",
    "DEAD_LETTER",
    "Envelope",
    "EventType",
    "FieldProblem",
    "PayloadInvalid",
    "event_type",
    "topic_for",
]
