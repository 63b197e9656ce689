"""Kafka topic names: one per bounded context, plus the dead-letter topic."""

import os

CONTEXTS: tuple[str, ...] = ("people", "learning", "performance", "voice", "coupons", "surveys")
DEAD_LETTER = "deadletter"


def topic_prefix() -> str:
    """The prefix every topic name starts with (``AERIE_TOPIC_PREFIX``, default ``aerie``)."""
    return os.environ.get("AERIE_TOPIC_PREFIX", "aerie")


def topic_for(context: str) -> str:
    """The topic that carries one bounded context's events, e.g. ``aerie.learning``."""
    if context not in (*CONTEXTS, DEAD_LETTER):
        raise ValueError(f"unknown context {context!r}; known: {', '.join(CONTEXTS)}")
    return f"{topic_prefix()}.{context}"
