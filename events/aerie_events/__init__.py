"""The Aerie event catalog: every fact the platform records, and its envelope.

Events are frozen, versioned, past-tense records. The catalog is the contract
shared by the write side (which validates commands against it), the relay
(which wraps stored events in the envelope through the codec) and every
consumer of the Kafka topics (projections, HRIS/LMS integrations, auditors).
"""

from aerie_events.catalog import CATALOG, EventType, event_type
from aerie_events.envelope import Envelope
from aerie_events.fields import FieldProblem, PayloadInvalid
from aerie_events.topics import DEAD_LETTER, QUARANTINE, Topics

__all__ = [
    "CATALOG",
    "DEAD_LETTER",
    "QUARANTINE",
    "Envelope",
    "EventType",
    "FieldProblem",
    "PayloadInvalid",
    "Topics",
    "event_type",
]
