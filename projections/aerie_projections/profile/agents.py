"""The profile projection as a Faust agent over every context topic.

Each batch is applied with its tracking rows in one PostgreSQL transaction:
delivery is at-least-once, the effect exactly-once. Per topic partition the
projection keeps the last applied ``aerie-seq``; a message at or below it is a
duplicate and skipped, one above the next is a gap (a lost offset, a broker
that restarted empty) and the partition is rewound to its start. A watchdog
compares the projection with the relay's numbering and rewinds a partition
that stalls behind it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import psycopg
from aerie_events.envelope import Envelope
from faust.types import TP

from aerie_projections.profile import views
from aerie_projections.readmodels import apply_batch_async

log = logging.getLogger("aerie.projection.profile")

SEQ_HEADER = "aerie-seq"


def seq_of(headers: Any) -> int:
    items = headers.items() if isinstance(headers, dict) else headers or []
    for name, value in items:
        if name == SEQ_HEADER:
            return int(value)
    raise ValueError("message without an aerie-seq header")


class ProfileProjector:
    """Applies batches of Kafka events to the profile read model, exactly once."""

    def __init__(self, database_url: str, schema: str = views.LIVE_SCHEMA) -> None:
        self.database_url = database_url
        self.schema = schema
        self.rewinding: set[tuple[str, int]] = set()
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._watch: psycopg.AsyncConnection[Any] | None = None

    async def connection(self) -> psycopg.AsyncConnection[Any]:
        """The connection batches are applied on (only ``apply`` uses it)."""
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.database_url)
        return self._conn

    async def watch_connection(self) -> psycopg.AsyncConnection[Any]:
        """A connection of the watchdog's own: it runs while a batch is mid-transaction."""
        if self._watch is None or self._watch.closed:
            self._watch = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        return self._watch

    async def apply(self, events: Sequence[Any]) -> list[tuple[str, int]]:
        """Apply a batch; return the partitions that must be rewound to offset 0."""
        by_partition: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for event in events:
            message = event.message
            by_partition[(message.topic, message.partition)].append(message)
        conn = await self.connection()
        rewind: list[tuple[str, int]] = []
        try:
            async with conn.transaction():
                tracked = await self._lock_tracking(conn, list(by_partition))
                accepted: list[Envelope] = []
                for key, messages in by_partition.items():
                    last = tracked.get(key, (0, 0))[0]
                    for message in messages:
                        seq = seq_of(message.headers)
                        if seq <= last:
                            continue
                        if seq > last + 1:
                            if key not in self.rewinding:
                                rewind.append(key)
                            break
                        envelope = Envelope.from_json(message.value)
                        accepted.append(envelope)
                        last = seq
                        tracked[key] = (seq, envelope.position)
                        self.rewinding.discard(key)
                await apply_batch_async(conn, accepted, self.schema)
                await self._save_tracking(conn, tracked, list(by_partition))
        except psycopg.Error:
            log.exception("a batch could not be applied; its partitions are rewound")
            await conn.close()
            rewind = list(by_partition)
        self.rewinding.update(rewind)
        return rewind

    async def _lock_tracking(
        self, conn: psycopg.AsyncConnection[Any], keys: list[tuple[str, int]]
    ) -> dict[tuple[str, int], tuple[int, int]]:
        cur = await conn.execute(
            f"SELECT topic, partition, seq, position FROM {self.schema}.projection_position "
            "WHERE (topic, partition) IN (SELECT * FROM unnest(%s::text[], %s::int[])) "
            "FOR UPDATE",
            ([k[0] for k in keys], [k[1] for k in keys]),
        )
        return {(t, p): (s, pos) for t, p, s, pos in await cur.fetchall()}

    async def _save_tracking(
        self,
        conn: psycopg.AsyncConnection[Any],
        tracked: dict[tuple[str, int], tuple[int, int]],
        keys: list[tuple[str, int]],
    ) -> None:
        rows = [(t, p, *tracked[(t, p)]) for t, p in keys if (t, p) in tracked]
        async with conn.cursor() as cur:
            await cur.executemany(
                f"INSERT INTO {self.schema}.projection_position (topic, partition, seq, position) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (topic, partition) DO UPDATE SET "
                "seq = excluded.seq, position = excluded.position",
                rows,
            )

    async def stalled_partitions(self) -> list[tuple[str, int]]:
        """Partitions where the relay has sent more than this projection applied."""
        conn = await self.watch_connection()
        cur = await conn.execute(
            "SELECT r.topic, r.partition FROM aerie_relay_partition r "
            f"LEFT JOIN {self.schema}.projection_position p "
            "ON p.topic = r.topic AND p.partition = r.partition "
            "WHERE r.topic NOT LIKE '%%.deadletter' AND r.seq > coalesce(p.seq, 0)"
        )
        rows = await cur.fetchall()
        return [(t, p) for t, p in rows]


async def rewind(app: Any, partitions: list[tuple[str, int]]) -> None:
    for topic, partition in partitions:
        log.warning("rewinding %s[%d] to offset 0 to fill a gap", topic, partition)
        await app.consumer.seek(TP(topic, partition), 0)
