"""Tables the platform keeps beside the event store: relay progress and dead letters."""

from __future__ import annotations

import json
from typing import Any

import psycopg

DDL = """
CREATE TABLE IF NOT EXISTS aerie_relay_partition (
    topic text NOT NULL,
    partition int NOT NULL,
    seq bigint NOT NULL,
    kafka_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
CREATE TABLE IF NOT EXISTS aerie_relay_position (
    source text PRIMARY KEY,
    position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS aerie_dead_letters (
    id bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL,
    kind text,
    input jsonb NOT NULL,
    code text NOT NULL,
    reason text NOT NULL
);
"""


def ensure_platform_tables(database_url: str) -> None:
    """Create the relay and dead-letter tables (callers serialise; see ``bootstrap.migrate``)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(DDL)


class DeadLetters:
    """Rejected input, kept with its reason; the relay publishes it to the dead-letter topic."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def record(self, *, source: str, kind: str | None, data: Any, code: str, reason: str) -> None:
        with psycopg.connect(self.database_url) as conn, conn.transaction():
            conn.execute("SELECT pg_current_xact_id()")  # before the id: see committed.py
            conn.execute(
                "INSERT INTO aerie_dead_letters (source, kind, input, code, reason) "
                "VALUES (%s, %s, %s, %s, %s)",
                (source, kind, json.dumps(data, default=str), code, reason),
            )
            conn.execute("NOTIFY aerie_dead_letters")
