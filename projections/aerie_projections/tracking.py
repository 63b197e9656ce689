"""Applying a batch of Kafka messages to one projection, exactly once in effect.

Per (projection, topic, partition) a tracking row keeps the last applied
``aerie-seq``, its Kafka offset and its event position. A batch is applied with
its tracking rows in one transaction:

- a message numbered at or below the tracked number is a duplicate: skipped;
- one above the next is a gap (a broker that restarted empty, a republish
  whose offsets differ from the old log's): the partition's later messages
  wait, and the runner reports the number it needs (``Gap``); the worker finds
  where that number sits in the partition (``gaps.SequenceLocator``), never
  assuming an offset;
- a message that cannot be applied (no sequence header, not an envelope, a
  payload the plan refuses, a statement the database refuses) is quarantined
  with its reason and original bytes in the same transaction, and the
  partition moves on. Transient database errors (a lost connection) are
  retried with back-off, never quarantined.

Before the tracking rows are locked they are created if missing, so two
consumers during a rebalance cannot both apply a first batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg
from aerie_events.catalog import CATALOG
from aerie_events.envelope import Envelope
from aerie_events.signing import SEQ_HEADER, SIGNATURE_HEADER, RelaySignature
from psycopg import sql

from aerie_projections.kit import (
    APPLIED_CHANNEL,
    QUARANTINE_TABLE,
    TRACKING_TABLE,
    Projection,
    Statement,
)

log = logging.getLogger("aerie.projection")

MAX_QUARANTINED_BYTES = 4_000_000  # above Kafka's default message limit: kept whole

PartitionKey = tuple[str, int]
NOT_SIGNED = "not signed by the relay (aerie-sig header missing or wrong): forged or altered"


@dataclass(frozen=True)
class Message:
    """A consumed Kafka message, as the runner needs it."""

    topic: str
    partition: int
    offset: int
    headers: Any
    value: bytes | None


@dataclass
class Position:
    seq: int = 0
    offset: int = -1
    position: int = 0


@dataclass(frozen=True)
class Gap:
    """A partition that must be read again from wherever the number ``needed`` sits.

    ``seen`` is the offset of the message that showed the gap (or, from the
    watchdog, just after the last applied one): where the search starts.
    """

    topic: str
    partition: int
    needed: int
    seen: int


@dataclass
class Quarantined:
    message: Message
    reason: str


@dataclass
class Sorted:
    """A batch sorted out against the tracking rows."""

    accepted: list[tuple[Envelope, Message]] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


def seq_of(headers: Any) -> int:
    """The message's ``aerie-seq`` number; ``ValueError`` when it has none or a bad one."""
    raw = header(headers, SEQ_HEADER)
    if raw is None:
        raise ValueError("message without an aerie-seq header")
    try:
        number = int(raw)
    except ValueError:
        raise ValueError(f"aerie-seq {raw[:40]!r} is not a number") from None
    if number < 1:
        raise ValueError(f"aerie-seq {number} is not a positive number")
    return number


def header(headers: Any, name: str) -> bytes | None:
    """The value of the header ``name`` (the first one), or ``None``."""
    items = headers.items() if isinstance(headers, dict) else headers or []
    for key, value in items:
        if key == name:
            return value
    return None


def is_transient(error: BaseException) -> bool:
    """A database error a retry may cure (connection lost, server restarting, deadlock)."""
    return isinstance(
        error,
        psycopg.OperationalError
        | psycopg.errors.DeadlockDetected
        | psycopg.errors.SerializationFailure,
    )


class TrackedProjection:
    """Applies batches of messages to one projection in the live read schema."""

    def __init__(
        self, projection: Projection, database_url: str, schema: str, signature: RelaySignature
    ) -> None:
        self.projection = projection
        self.signature = signature
        self.database_url = database_url
        self.schema = schema
        self.quoted = sql.Identifier(schema).as_string(None)
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.database_url)
        return self._conn

    async def apply(self, messages: Sequence[Message]) -> list[Gap]:
        """Apply a batch; return the partitions with a gap and the number each needs.

        Retries transient database errors with back-off until they pass.
        """
        if not messages:
            return []
        delay = 0.1
        while True:
            try:
                return await self._apply(messages)
            except psycopg.Error as error:
                if not is_transient(error):
                    raise
                log.warning("%s: database unavailable (%s); retrying", self.projection.name, error)
                await self._drop_connection()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _apply(self, messages: Sequence[Message]) -> list[Gap]:
        conn = await self.connection()
        try:
            async with conn.transaction():
                sorted_out = await self._sort(conn, messages)
                await self._run(conn, [env for env, _ in sorted_out.accepted])
                await self._finish(conn, sorted_out)
            return self._after(sorted_out)
        except psycopg.Error as error:
            if is_transient(error):
                raise
            log.warning(
                "%s: a batch failed (%s); applying it one by one", self.projection.name, error
            )
        except Exception as error:  # a plan that refuses a payload
            log.warning(
                "%s: a batch failed (%s); applying it one by one", self.projection.name, error
            )
        return await self._apply_one_by_one(conn, messages)

    async def _apply_one_by_one(
        self, conn: psycopg.AsyncConnection[Any], messages: Sequence[Message]
    ) -> list[Gap]:
        """Each accepted message in a savepoint of its own; the ones that fail are quarantined."""
        async with conn.transaction():
            sorted_out = await self._sort(conn, messages)
            kept: list[tuple[Envelope, Message]] = []
            for envelope, message in sorted_out.accepted:
                try:
                    async with conn.transaction():
                        await self._run(conn, [envelope])
                    kept.append((envelope, message))
                except psycopg.Error as error:
                    if is_transient(error):
                        raise
                    sorted_out.quarantined.append(Quarantined(message, _reason(error)))
                except Exception as error:
                    sorted_out.quarantined.append(Quarantined(message, _reason(error)))
            sorted_out.accepted = kept
            await self._finish(conn, sorted_out)
        return self._after(sorted_out)

    async def _sort(
        self, conn: psycopg.AsyncConnection[Any], messages: Sequence[Message]
    ) -> Sorted:
        by_partition: dict[PartitionKey, list[Message]] = defaultdict(list)
        for message in messages:
            by_partition[(message.topic, message.partition)].append(message)
        self._tracked = await self._lock_tracking(conn, list(by_partition))
        sorted_out = Sorted()
        for key, partition_messages in by_partition.items():
            self._sort_partition(key, partition_messages, self._tracked[key], sorted_out)
        return sorted_out

    def _sort_partition(
        self, key: PartitionKey, messages: list[Message], at: Position, out: Sorted
    ) -> None:
        for message in messages:
            try:
                seq = seq_of(message.headers)
            except ValueError as error:
                out.quarantined.append(Quarantined(message, str(error)))
                continue
            if not self._signed_by_relay(message, seq):
                # Not the relay's: it must not take the number of the real event.
                out.quarantined.append(Quarantined(message, NOT_SIGNED))
                continue
            if seq <= at.seq:
                continue
            if seq > at.seq + 1:
                out.gaps.append(Gap(key[0], key[1], at.seq + 1, message.offset))
                break
            at.seq, at.offset = seq, message.offset
            try:
                envelope = Envelope.from_json(message.value or b"")
            except Exception as error:
                out.quarantined.append(
                    Quarantined(message, f"not an event envelope: {_reason(error)}")
                )
                continue
            # never back: a held anonymous event is released after later ones (and tells none)
            at.position = max(at.position, envelope.position)
            if envelope.type not in CATALOG:
                out.quarantined.append(
                    Quarantined(message, f"unknown event type {envelope.type[:100]!r}")
                )
            elif envelope.type in self.projection.handles:
                out.accepted.append((envelope, message))

    def _signed_by_relay(self, message: Message, seq: int) -> bool:
        return self.signature.verify(
            message.topic,
            message.partition,
            seq,
            message.value or b"",
            header(message.headers, SIGNATURE_HEADER),
        )

    async def _lock_tracking(
        self, conn: psycopg.AsyncConnection[Any], keys: list[PartitionKey]
    ) -> dict[PartitionKey, Position]:
        topics, partitions = [k[0] for k in keys], [k[1] for k in keys]
        name = self.projection.name
        await conn.execute(
            f"INSERT INTO {TRACKING_TABLE} (projection, topic, partition, seq, kafka_offset, "
            "position) SELECT %s, t, p, 0, -1, 0 FROM unnest(%s::text[], %s::int[]) AS u(t, p) "
            "ORDER BY t, p ON CONFLICT DO NOTHING",
            (name, topics, partitions),
        )
        cur = await conn.execute(
            f"SELECT topic, partition, seq, kafka_offset, position FROM {TRACKING_TABLE} "
            "WHERE projection = %s AND (topic, partition) IN "
            "(SELECT * FROM unnest(%s::text[], %s::int[])) ORDER BY topic, partition FOR UPDATE",
            (name, topics, partitions),
        )
        return {(t, p): Position(s, o, pos) for t, p, s, o, pos in await cur.fetchall()}

    async def _run(self, conn: psycopg.AsyncConnection[Any], envelopes: list[Envelope]) -> None:
        if not envelopes:
            return
        statements: list[Statement] = self.projection.plan(envelopes)
        async with conn.cursor() as cur:
            for statement in statements:
                await cur.execute(statement.render(self.quoted), statement.params)

    async def _finish(self, conn: psycopg.AsyncConnection[Any], sorted_out: Sorted) -> None:
        """Quarantine what could not be applied; save the tracking rows (same transaction)."""
        if sorted_out.quarantined:
            async with conn.cursor() as cur:
                await cur.executemany(
                    f"INSERT INTO {QUARANTINE_TABLE} (stage, projection, topic, partition, "
                    "kafka_offset, reason, original) VALUES ('projection', %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (projection, topic, partition, kafka_offset) "
                    "WHERE stage = 'projection' DO NOTHING",  # read again after a rewind
                    [
                        (
                            self.projection.name,
                            q.message.topic,
                            q.message.partition,
                            q.message.offset,
                            q.reason[:2000],
                            (q.message.value or b"")[:MAX_QUARANTINED_BYTES],
                        )
                        for q in sorted_out.quarantined
                    ],
                )
            for q in sorted_out.quarantined:
                log.error(
                    "%s: quarantined %s[%d]@%d: %s",
                    self.projection.name,
                    q.message.topic,
                    q.message.partition,
                    q.message.offset,
                    q.reason,
                )
        rows = [(t, p, at.seq, at.offset, at.position) for (t, p), at in self._tracked.items()]
        async with conn.cursor() as cur:
            await cur.execute(
                f"UPDATE {TRACKING_TABLE} AS t SET seq = u.seq, kafka_offset = u.o, "
                "position = u.pos FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bigint[], "
                "%s::bigint[]) AS u(topic, partition, seq, o, pos) WHERE t.projection = %s "
                "AND t.topic = u.topic AND t.partition = u.partition",
                (*[list(c) for c in zip(*rows, strict=True)], self.projection.name),
            )
            # delivered at commit: a gateway waiting to show a write's effect is told how far
            await cur.execute(
                "SELECT pg_notify(%s, %s)",
                (
                    APPLIED_CHANNEL,
                    applied_notice(
                        self.projection.name, [(t, p, pos) for t, p, _seq, _offset, pos in rows]
                    ),
                ),
            )

    def _after(self, sorted_out: Sorted) -> list[Gap]:
        return sorted_out.gaps

    async def behind(self, watch: psycopg.AsyncConnection[Any], topics: list[str]) -> list[Gap]:
        """Partitions where the relay has sent more than this projection applied.

        Each with the number it needs next, searched from just after the last
        applied offset.
        """
        cur = await watch.execute(
            "SELECT r.topic, r.partition, coalesce(t.seq, 0), coalesce(t.kafka_offset, -1) "
            f"FROM aerie_relay_partition r LEFT JOIN {TRACKING_TABLE} t ON t.projection = %s "
            "AND t.topic = r.topic AND t.partition = r.partition "
            "WHERE r.topic = ANY(%s) AND r.seq > coalesce(t.seq, 0)",
            (self.projection.name, topics),
        )
        return [Gap(t, p, seq + 1, o + 1) for t, p, seq, o in await cur.fetchall()]

    async def _drop_connection(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def applied_notice(projection: str, positions: list[tuple[str, int, int]]) -> str:
    """The ``NOTIFY`` payload of a committed batch: the projection and how far it got."""
    return orjson.dumps({"projection": projection, "applied": positions}).decode()


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:2000]
