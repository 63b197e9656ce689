"""The Faust application: one worker process runs every registered projection.

One agent reads the topics of every projection and hands each batch to each
projection, which applies its share with its own tracking rows; a process
manager also fires its due timers. Kafka offsets and faust's commits are only
a hint: what a projection applied is the tracking row it commits with its rows.
Run it with ``aerie worker``.

Partitions are assigned statically by default: worker ``index`` of ``workers``
owns partition p of every topic when ``p % workers == index``, never joins a
consumer group, and starts each partition just after what its projections
applied (see ``StaticShare``). ``assignment="group"`` keeps faust's consumer
group instead (workers come and go without configuration, at the price of a
rebalance, which on the embedded broker takes 5 s or more per join).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import faust
import faust.transport.drivers.aiokafka as aiokafka_driver
import psycopg
from aerie_events.signing import RelaySignature
from aerie_events.topics import Topics
from faust.types import TP
from faust.types.auth import SASLMechanism

from aerie_projections.kit import READ_SCHEMA, TRACKING_TABLE, Projection
from aerie_projections.managed import ManagedProjection, Sender
from aerie_projections.manager import ProcessManager
from aerie_projections.tracking import Message, Seek, TrackedProjection

log = logging.getLogger("aerie.worker")

FETCH_MAX_WAIT_MS = 10
WATCHDOG_SECONDS = 3.0
TIMER_SECONDS = 0.25
BATCH = 2000

_create_worker_consumer = aiokafka_driver.AIOKafkaConsumerThread._create_worker_consumer


def _low_latency_consumer(self: Any, transport: Any) -> Any:
    """Faust fixes the fetch wait at 1.5 s; event-to-view latency needs milliseconds.

    Kept because faust has no setting for it and its fixed wait lets a quiet
    partition's next event sit up to 1.5 s, thirty times the 50 ms p50 target.
    """
    consumer = _create_worker_consumer(self, transport)
    consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
    return consumer


aiokafka_driver.AIOKafkaConsumerThread._create_worker_consumer = _low_latency_consumer

Assignment = Literal["static", "group"]


@dataclass(frozen=True)
class StaticShare:
    """This worker's fixed share of the partitions, and where each of them starts.

    Worker ``index`` of ``workers`` owns partition p of every topic it reads
    when ``p % workers == index`` (the relay writes partitions ``0..partitions-1``
    only). Each owned partition is read from just after the lowest Kafka offset
    its readers (``readers``: topic -> the projections reading it) have tracked,
    or from the beginning when one of them has applied nothing there yet.
    """

    workers: int
    index: int
    partitions: int
    database_url: str
    readers: Mapping[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.workers:
            raise ValueError(f"worker index {self.index} is not in 0..{self.workers - 1}")

    def owned(self, topics: Iterable[str]) -> set[TP]:
        return {
            TP(topic, p)
            for topic in topics
            for p in range(self.partitions)
            if p % self.workers == self.index
        }

    async def start_offsets(self, partitions: Iterable[TP]) -> dict[TP, int | None]:
        """The offset each partition is read from (``None``: from the beginning)."""
        rows = [
            (tp.topic, tp.partition, name)
            for tp in partitions
            for name in self.readers.get(tp.topic, ())
        ]
        if not rows:
            return {}
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True
        ) as conn:
            cur = await conn.execute(
                "SELECT r.topic, r.partition, min(coalesce(t.kafka_offset, -1)) "
                "FROM unnest(%s::text[], %s::int[], %s::text[]) AS r(topic, partition, projection) "
                f"LEFT JOIN {TRACKING_TABLE} t USING (projection, topic, partition) "
                "GROUP BY r.topic, r.partition",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return {
                TP(topic, partition): offset + 1 if offset >= 0 else None
                for topic, partition, offset in await cur.fetchall()
            }


class StaticConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """Faust's aiokafka consumer thread on a fixed assignment: no consumer group at all.

    Why: a consumer group costs a JoinGroup on every start (5 s on the embedded
    broker, whatever the timeouts) plus, after a crash, the dead member's session
    timeout: a restarted worker projected again only after ~21 s. Here
    ``subscribe`` assigns the owned partitions (``consumer.assign``) and then runs
    faust's own on-assigned path once, as its rebalance listener would after a
    join (agents, topics, tables and recovery, which seeks and starts the
    fetcher). Recovery's seek "to the committed offsets" reads the tracking rows
    instead (``seek_to_committed``): the tracking rows are the truth. faust still
    commits offsets, as a member of no generation (-1), which Kafka and tansu
    accept from a group without members: lag tools keep working, nothing reads them.
    """

    _assigning: asyncio.Future[None] | None = None

    @property
    def share(self) -> StaticShare:
        return self.transport.share

    async def subscribe(self, topics: Iterable[str]) -> None:
        await self.call_thread(self._assign_share, set(topics))

    async def _assign_share(self, topics: set[str]) -> None:
        owned = aiokafka_driver.ensure_aiokafka_TPset(self.share.owned(topics))
        consumer = self._ensure_consumer()
        previous = consumer.assignment()
        if owned == previous:
            return
        log.info("assigned %d partitions statically (no consumer group)", len(owned))
        # In the background, as after a join: faust's on-assigned path waits for
        # this subscribe call to have returned.
        self._assigning = asyncio.ensure_future(self._assigned(previous, owned))

    async def _assigned(self, previous: set[Any], owned: set[Any]) -> None:
        listener = self._rebalance_listener
        try:
            await listener.on_partitions_revoked(previous)  # also marks the rebalance's start
            self._ensure_consumer().assign(owned)
            await listener.on_partitions_assigned(owned)
        except Exception as error:  # the worker stops, and its supervisor starts it again
            log.exception("static assignment failed: %r", error)
            await self.crash(error)

    async def seek_to_committed(self) -> Mapping[TP, int | None]:
        return await self.call_thread(self._seek_to_tracked)

    async def _seek_to_tracked(self) -> dict[TP, int | None]:
        """Seek each assigned partition to just after what was applied.

        A tracked offset beyond the partition's end means the broker lost its
        data (the embedded one restarts empty): that partition is read from the
        beginning, where the duplicates are skipped by their numbers.
        """
        consumer = self._ensure_consumer()
        assigned = consumer.assignment()
        if not assigned:
            return {}
        starts = await self.share.start_offsets(assigned)
        ends = await consumer.end_offsets(list(assigned))
        sought: dict[TP, int | None] = {}
        for tp in assigned:
            start = starts.get(tp)
            if start is None or start > ends[tp]:
                sought[tp] = None
            else:
                consumer.seek(tp, start)
                sought[tp] = start
        if beginning := [tp for tp, start in sought.items() if start is None]:
            await consumer.seek_to_beginning(*beginning)
        return sought


class StaticConsumer(aiokafka_driver.Consumer):
    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return StaticConsumerThread(self, loop=self.loop, beacon=self.beacon)


class StaticTransport(aiokafka_driver.Transport):
    """The aiokafka transport whose consumer reads a ``StaticShare``."""

    Consumer = StaticConsumer

    def __init__(self, url: Any, app: faust.App, share: StaticShare) -> None:
        super().__init__(url, app)
        self.share = share


@dataclass(frozen=True)
class WorkerConfig:
    """What the worker needs, given by the composition root."""

    database_url: str
    bootstrap: str
    topics: Topics
    partitions: int
    group_id: str
    home: Path
    relay_key: bytes
    schema: str = READ_SCHEMA
    assignment: Assignment = "static"
    workers: int = 1
    """How many workers share the partitions (static assignment)."""
    worker_index: int = 0
    """Which of them this one is, from 0 (static assignment)."""
    name: str = "worker"
    """Tells apart workers of different projections in one home (their state folders)."""
    sasl_login: tuple[str, str] | None = None
    """The SASL/SCRAM-SHA-512 user and password the worker logs in with (None: plain text)."""


def message_of(event: Any) -> Message:
    m = event.message
    return Message(m.topic, m.partition, m.offset, m.headers, m.value)


def create_worker(
    config: WorkerConfig, projections: Sequence[Projection], sender: Sender | None
) -> faust.App:
    """The faust app: one agent feeding every projection (managers need ``sender``)."""
    config.home.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        config.group_id,
        broker=f"kafka://{config.bootstrap}",
        broker_credentials=_credentials(config),
        store="memory://",
        web_enabled=False,
        topic_disable_leader=True,
        topic_partitions=config.partitions,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_rebalance_timeout=3,
        broker_session_timeout=10,
        broker_heartbeat_interval=1,
        datadir=str(
            config.home
            / (config.name if config.worker_index == 0 else f"{config.name}-{config.worker_index}")
        ),
    )
    if config.assignment == "static":
        app.transport = StaticTransport(
            app.conf.broker_consumer, app, static_share(config, projections)
        )
    feeds = [_feed(app, config, projection, sender) for projection in projections]
    if feeds:
        _add_agent(app, config, feeds)
    return app


def _credentials(config: WorkerConfig) -> faust.SASLCredentials | None:
    if config.sasl_login is None:
        return None
    username, password = config.sasl_login
    return faust.SASLCredentials(
        username=username, password=password, mechanism=SASLMechanism.SCRAM_SHA_512
    )


def static_share(config: WorkerConfig, projections: Sequence[Projection]) -> StaticShare:
    readers: dict[str, list[str]] = {}
    for projection in projections:
        for topic in projection.topics(config.topics):
            readers.setdefault(topic, []).append(projection.name)
    return StaticShare(
        workers=config.workers,
        index=config.worker_index,
        partitions=config.partitions,
        database_url=config.database_url,
        readers={topic: tuple(names) for topic, names in readers.items()},
    )


@dataclass
class Feed:
    """One projection inside the worker: its runner, its topics, what it applied lately."""

    runner: TrackedProjection
    topics: frozenset[str]
    applied: int = 0

    @property
    def name(self) -> str:
        return self.runner.projection.name


def _add_agent(app: faust.App, config: WorkerConfig, feeds: list[Feed]) -> None:
    """One stream over every projection's topics; each batch goes to every projection at once.

    faust's per-message cost is paid once however many projections read a
    topic; each projection applies its share of a batch on its own connection,
    with its own tracking rows, concurrently with the others.
    """
    topics = sorted({topic for feed in feeds for topic in feed.topics})
    channel = app.topic(
        *topics, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )

    async def project(stream: Any) -> None:
        async for events in stream.take_events(BATCH, within=0.005):
            messages = [message_of(e) for e in events]
            shares = [[m for m in messages if m.topic in feed.topics] for feed in feeds]
            results = await asyncio.gather(
                *(feed.runner.apply(share) for feed, share in zip(feeds, shares, strict=True)),
                return_exceptions=True,
            )
            for feed, share, seeks in zip(feeds, shares, results, strict=True):
                if not isinstance(seeks, BaseException):
                    await _seek(app, feed.name, seeks)
                    feed.applied += len(share)
            for error in results:
                if isinstance(error, BaseException):
                    raise error  # the others' batches are committed; faust restarts the agent

    app.agent(channel, name="projections")(project)


def _feed(
    app: faust.App, config: WorkerConfig, projection: Projection, sender: Sender | None
) -> Feed:
    """The projection's runner, with its watchdog and (for a process manager) its timers."""
    runner: TrackedProjection
    if isinstance(projection, ProcessManager):
        if sender is None:
            raise ValueError(f"process manager {projection.name!r} needs a command sender")
        runner = ManagedProjection(
            projection, config.database_url, config.schema, sender, RelaySignature(config.relay_key)
        )
    else:
        runner = TrackedProjection(
            projection, config.database_url, config.schema, RelaySignature(config.relay_key)
        )
    topic_names = projection.topics(config.topics)
    feed = Feed(runner, frozenset(topic_names))
    watch: dict[str, psycopg.AsyncConnection[Any] | None] = {"conn": None}

    async def watchdog() -> None:
        """Seek a partition that stalls behind the relay while nothing arrives."""
        try:
            if watch["conn"] is None or watch["conn"].closed:
                watch["conn"] = await psycopg.AsyncConnection.connect(
                    config.database_url, autocommit=True
                )
            stalled = await runner.stalled(watch["conn"], topic_names)
        except psycopg.Error as error:
            log.warning("%s watchdog could not read positions: %s", projection.name, error)
            watch["conn"] = None
            return
        assigned = {(tp.topic, tp.partition) for tp in app.consumer.assignment()}
        stalled = [s for s in stalled if (s.topic, s.partition) in assigned]
        if stalled and feed.applied == 0:
            await _seek(app, projection.name, stalled)
        feed.applied = 0

    app.timer(interval=WATCHDOG_SECONDS, name=f"watchdog-{projection.name}")(watchdog)
    if isinstance(runner, ManagedProjection):
        managed = runner

        async def fire_timers() -> None:
            try:
                while await managed.fire_due() > 0:
                    pass
                while await managed.deliver_due() > 0:
                    pass
            except psycopg.Error as error:
                log.warning("%s timers: %s", projection.name, error)
                managed._clock = None

        app.timer(interval=TIMER_SECONDS, name=f"timers-{projection.name}")(fire_timers)
    return feed


async def _seek(app: faust.App, name: str, seeks: list[Seek]) -> None:
    for seek in seeks:
        log.warning(
            "%s: reading %s[%d] again from offset %d to fill a gap",
            name,
            seek.topic,
            seek.partition,
            seek.offset,
        )
        await app.consumer.seek(TP(seek.topic, seek.partition), seek.offset)
