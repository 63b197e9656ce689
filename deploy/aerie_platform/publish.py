"""Sending commands through the Kafka door, as a site's feed or an integration would."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson
from kafka import KafkaProducer

PROGRESS_EVERY = 1000


def publish_lines(
    lines: Iterable[str],
    bootstrap: str,
    topic: str,
    token: str,
    say: Callable[[str], None],
    client_options: Mapping[str, Any] | None = None,
) -> int:
    """Produce each non-empty line (a JSON command) with the bearer token; return how many.

    A line that is not JSON is sent as it is: the door refuses it with its
    reason, as it would from any producer. Each message is keyed by the
    employee it is about (else its command id), so one person's commands keep
    their order.
    """
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, **(client_options or {})
    )
    header = [("authorization", f"Bearer {token}".encode())]
    sent = 0
    try:
        for line in lines:
            text = line.strip()
            if not text:
                continue
            producer.send(topic, value=text.encode(), key=_key(text), headers=header)
            sent += 1
            if sent % PROGRESS_EVERY == 0:
                say(f"sent {sent}")
        producer.flush()
    finally:
        producer.close()
    return sent


def _key(text: str) -> bytes | None:
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(message, dict):
        return None
    key = message.get("employeeId") or message.get("commandId")
    return str(key).encode() if key else None
