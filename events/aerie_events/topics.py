"""Kafka topic names: one per bounded context, plus the platform's own topics.

The prefix is configuration (``AERIE_TOPIC_PREFIX`` at the composition root);
it is passed in, never read here.
"""

from __future__ import annotations

from dataclasses import dataclass

DEAD_LETTER = "deadletter"
QUARANTINE = "quarantine"
INGEST = "ingest"
"""Where sites and integrations produce commands (the Kafka door, ``aerie ingest``)."""
PLATFORM_TOPICS = (DEAD_LETTER, QUARANTINE, INGEST)


@dataclass(frozen=True)
class Topics:
    """Topic names under one prefix, e.g. ``aerie.learning``."""

    prefix: str = "aerie"

    def of(self, context: str) -> str:
        """The topic that carries one bounded context's events (or a platform topic)."""
        return f"{self.prefix}.{context}"

    def context_of(self, topic: str) -> str:
        """The context (or platform topic) a topic name carries."""
        return topic.removeprefix(f"{self.prefix}.")

    def epoch(self, epoch: int) -> str:
        """The relay's empty marker topic: when it is gone, the broker lost its data."""
        return f"{self.prefix}.epoch.{epoch}"
