"""The Kafka door: commands sites and integrations produce to ``<prefix>.ingest``.

Each message is one command, as ``publishEvent`` takes it: a JSON object with
``type``, ``commandId``, ``payload`` and, as the type needs them,
``employeeId``, ``siteId`` and ``occurredAt``; its ``authorization`` header
carries a bearer token (``Bearer <token>``: a client's token from ``POST
/token``, or one ``aerie token --client ID`` signs). It goes through the same
door as GraphQL: the token is verified, the caller's role must reach the
target (the command's declaration: ``Aerie.authorize``), and the command path checks and records it
with the token's actor.

Nothing is dropped in silence: a message that cannot be read, carries no
valid token, is not the caller's to send or is refused by the domain becomes
a dead letter with its reason (table ``aerie_dead_letters``, which the relay
publishes to ``<prefix>.deadletter``), once, whatever the redeliveries. The
position of each partition is saved in PostgreSQL after its messages were
handled, so a crash handles the tail again: commands are idempotent and a
message's dead letter is keyed by its place and content.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg
from aerie_events.catalog import CATALOG
from aerie_services.kit.access import Forbidden
from aerie_services.kit.bus import Aerie
from aerie_services.kit.errors import DomainError
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from psycopg_pool import AsyncConnectionPool

from aerie_gateway.guard import Authenticator
from aerie_gateway.identity import Identity, TokenSettings, TokenVerifier, Unauthenticated

log = logging.getLogger("aerie.ingest")

AUTHORIZATION = "authorization"
MESSAGE_FIELDS = {
    "type": "type",
    "commandId": "command_id",
    "employeeId": "employee_id",
    "siteId": "site_id",
    "occurredAt": "occurred_at",
    "payload": "data",
}
"""The keys of an ingest message, and the command input each one is."""
BATCH = 500
RETRY_SECONDS = (0.5, 1, 2, 5)

POSITIONS = """
CREATE TABLE IF NOT EXISTS aerie_ingest_positions (
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
CREATE UNIQUE INDEX IF NOT EXISTS aerie_dead_letters_ingest ON aerie_dead_letters (source)
    WHERE source LIKE 'ingest:%';
"""
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "where the ingest door is in each partition; one dead letter per message", POSITIONS),
)


class NotAdmitted(DomainError):
    """A message the door turns away before the command path: unreadable, no token, not allowed."""

    def __init__(
        self, code: str, message: str, field: str | None = None, allowed: str = ""
    ) -> None:
        super().__init__(message, field=field, allowed=allowed)
        self.code = code


@dataclass(frozen=True)
class IngestConfig:
    """What the door needs, given by the composition root."""

    database_url: str
    bootstrap: str
    topic: str
    tokens: TokenSettings
    pool_size: int = 4
    client_options: Mapping[str, Any] = field(default_factory=dict)
    """The consumer's login (e.g. SASL), in aiokafka's names."""


@dataclass(frozen=True)
class Delivery:
    """One message as the door receives it: where it sits, its bytes and headers."""

    topic: str
    partition: int
    offset: int
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]

    @property
    def channel(self) -> str:
        """Where it came from, as its dead letter names it: place and a digest of its bytes."""
        digest = hashlib.sha256(self.value or b"").hexdigest()[:16]
        return f"ingest:{self.topic}:{self.partition}:{self.offset}:{digest}"

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value.decode("utf-8", "replace")
        return None


def command_inputs(value: bytes | None) -> dict[str, Any]:
    """The command inputs a message's JSON carries, or ``NotAdmitted`` saying what is wrong."""
    allowed = "a JSON object with type, commandId, payload and, as the type needs, " + (
        "employeeId, siteId, occurredAt"
    )
    try:
        message = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        raise NotAdmitted("INVALID_INPUT", "the message is not JSON", "message", allowed) from None
    if not isinstance(message, dict):
        raise NotAdmitted("INVALID_INPUT", "the message is not a JSON object", "message", allowed)
    unknown = sorted(set(message) - set(MESSAGE_FIELDS))
    if unknown:
        raise NotAdmitted(
            "INVALID_INPUT", f"unknown keys: {', '.join(unknown)}", unknown[0], allowed
        )
    if not isinstance(message.get("type"), str):
        raise NotAdmitted("INVALID_INPUT", "type is missing", "type", "a catalog event type")
    return {MESSAGE_FIELDS[key]: value for key, value in message.items()}


class Door:
    """Admits one message at a time: token, permission, then the command path."""

    def __init__(self, bus: Aerie, authenticator: Authenticator, pool: AsyncConnectionPool):
        self.bus = bus
        self.authenticator = authenticator
        self.pool = pool

    async def admit(self, delivery: Delivery) -> str:
        """Record the message's command; say what became of it (``recorded``, a code...).

        A refusal is kept as a dead letter. An error that is not the
        message's fault (the database is down) is raised: the caller retries.
        """
        inputs: dict[str, Any] = {}
        kind: Any = None
        try:
            inputs = command_inputs(delivery.value)
            kind = inputs.pop("type")
            identity = await self._identity(delivery)
            await self._authorize(identity, kind, inputs)
            outcome = await asyncio.to_thread(
                self.bus.handle,
                kind,
                channel=delivery.channel,
                actor=identity.actor,
                source={
                    "system": "ingest",
                    **({"client": identity.client} if identity.client else {}),
                    "message": f"{delivery.topic}/{delivery.partition}/{delivery.offset}",
                },
                **inputs,
            )
        except NotAdmitted as refused:
            kept = inputs or {"message": (delivery.value or b"").decode("utf-8", "replace")}
            await asyncio.to_thread(self.bus.dead_letter, delivery.channel, kind, kept, refused)
            return refused.code
        except DomainError as refused:  # the command path kept its dead letter
            return refused.code
        return "duplicate" if outcome.duplicate else "recorded"

    async def _identity(self, delivery: Delivery) -> Identity:
        try:
            return await self.authenticator.bearer(delivery.header(AUTHORIZATION))
        except Unauthenticated as error:
            raise NotAdmitted(
                "UNAUTHENTICATED",
                error.message,
                "authorization",
                "a header 'authorization: Bearer <token>' with a valid token",
            ) from None

    async def _authorize(self, identity: Identity, kind: Any, inputs: Mapping[str, Any]) -> None:
        if kind not in CATALOG:  # no rule to check: the command path refuses it, kept
            return
        data = inputs.get("data")
        flat = {**(data if isinstance(data, dict) else {}), **inputs}
        try:
            await asyncio.to_thread(self.bus.authorize, identity, kind, flat)
        except Forbidden as refused:
            raise NotAdmitted(
                refused.code, refused.message, "authorization", refused.details["needed"]
            ) from None


class IngestPositions:
    """Where the door is in each partition of its topic, kept in PostgreSQL."""

    def __init__(self, conn: psycopg.AsyncConnection[Any], topic: str) -> None:
        self.conn = conn
        self.topic = topic

    async def next_offsets(self) -> dict[int, int]:
        cur = await self.conn.execute(
            "SELECT partition, next_offset FROM aerie_ingest_positions WHERE topic = %s",
            (self.topic,),
        )
        return dict(await cur.fetchall())

    async def save(self, partition: int, next_offset: int) -> None:
        await self.conn.execute(
            "INSERT INTO aerie_ingest_positions (topic, partition, next_offset) "
            "VALUES (%s, %s, %s) ON CONFLICT (topic, partition) DO UPDATE "
            "SET next_offset = excluded.next_offset",
            (self.topic, partition, next_offset),
        )


async def run_ingest(config: IngestConfig, bus: Aerie, stop: asyncio.Event) -> None:
    """Admit every message of the ingest topic until ``stop`` is set; each partition in order."""
    pool = AsyncConnectionPool(
        config.database_url, min_size=1, max_size=config.pool_size, open=False
    )
    await pool.open()
    conn = await psycopg.AsyncConnection.connect(config.database_url, autocommit=True)
    door = Door(bus, Authenticator(TokenVerifier(config.tokens), pool), pool)
    positions = IngestPositions(conn, config.topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        group_id=None,
        fetch_max_wait_ms=50,
        **config.client_options,
    )
    await consumer.start()
    try:
        await _start_where_left(consumer, config, positions)
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=BATCH)
            for tp, records in batches.items():
                await _admit_all(door, positions, tp, records)
    finally:
        await consumer.stop()
        await conn.close()
        await pool.close()


async def _start_where_left(
    consumer: AIOKafkaConsumer, config: IngestConfig, positions: IngestPositions
) -> None:
    """Read every partition the topic has (a producer may have made it) from the saved position."""
    partitions = [TopicPartition(config.topic, p) for p in await _partitions(config)]
    consumer.assign(partitions)
    saved = await positions.next_offsets()
    ends = await consumer.end_offsets(partitions)
    for tp in partitions:
        start = saved.get(tp.partition, 0)
        if start > ends[tp]:  # the broker came back with less (an in-memory broker restarted)
            log.warning("%s[%d] is behind the saved position: reading it from the start", *tp)
            start = 0
        consumer.seek(tp, start)


async def _partitions(config: IngestConfig) -> list[int]:
    """The topic's partitions, asked of the cluster (a consumer without a subscription knows none)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=config.bootstrap, **config.client_options)
    await admin.start()
    try:
        while True:
            (described,) = await admin.describe_topics([config.topic])
            found = [int(p["partition"]) for p in described["partitions"]]
            if found:
                return sorted(found)
            log.warning("topic %s not found yet; looking again", config.topic)
            await asyncio.sleep(1)
    finally:
        await admin.close()


async def _admit_all(
    door: Door, positions: IngestPositions, tp: TopicPartition, records: Sequence[Any]
) -> None:
    """Admit a partition's messages in order, then save where it got to."""
    for record in records:
        delivery = Delivery(
            record.topic, record.partition, record.offset, record.value, record.headers or ()
        )
        outcome = await _with_retries(door, delivery)
        if outcome not in ("recorded", "duplicate"):
            log.info("ingest %s refused: %s", delivery.channel, outcome)
    await positions.save(tp.partition, records[-1].offset + 1)


async def _with_retries(door: Door, delivery: Delivery) -> str:
    """Admit ``delivery``; wait and try again while the platform, not the message, fails."""
    attempt = 0
    while True:
        try:
            return await door.admit(delivery)
        except (psycopg.OperationalError, OSError) as error:
            wait = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            log.warning("ingest: %s; trying again in %.1f s", type(error).__name__, wait)
            attempt += 1
            await asyncio.sleep(wait)
