"""The relay: committed events, from the event store's notification logs to Kafka.

``relay.py`` is the loop (send, await acknowledgement, save the position), ``sources.py``
what it reads and how rows become messages, ``numbering.py`` how messages are numbered
per partition, ``holdback.py`` how anonymous events wait for their window.
"""

from aerie_services.platform.relay.holdback import AnonymousHold, Parked, ReleaseFailed
from aerie_services.platform.relay.numbering import partition_of
from aerie_services.platform.relay.relay import Relay, ask_republish, ensure_topics
from aerie_services.platform.relay.sources import (
    DEAD_LETTER_COLUMNS,
    QUARANTINE_COLUMNS,
    STORED_COLUMNS,
    ContextEvents,
    Converted,
    Outgoing,
    Source,
    dead_letter_messages,
    is_anonymous,
    quarantine_messages,
)

__all__ = [
    "DEAD_LETTER_COLUMNS",
    "QUARANTINE_COLUMNS",
    "STORED_COLUMNS",
    "AnonymousHold",
    "ContextEvents",
    "Converted",
    "Outgoing",
    "Parked",
    "Relay",
    "ReleaseFailed",
    "Source",
    "ask_republish",
    "dead_letter_messages",
    "ensure_topics",
    "is_anonymous",
    "partition_of",
    "quarantine_messages",
]
