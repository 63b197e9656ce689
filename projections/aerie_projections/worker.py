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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import faust
import psycopg
from aerie_events.signing import RelaySignature
from aerie_events.topics import Topics
from faust.types import TP

from aerie_projections.kit import READ_SCHEMA, Projection
from aerie_projections.managed import ManagedProjection, Sender
from aerie_projections.manager import ProcessManager
from aerie_projections.ownership import StaticShare, use_ownership
from aerie_projections.tracking import Message, Seek, TrackedProjection

log = logging.getLogger("aerie.worker")

WATCHDOG_SECONDS = 3.0
TIMER_SECONDS = 0.25
BATCH = 2000

Assignment = Literal["static", "group"]


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
    use_ownership(app, static_share(config, projections) if config.assignment == "static" else None)
    feeds = [_feed(app, config, projection, sender) for projection in projections]
    if feeds:
        _add_agent(app, config, feeds)
    return app


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
                managed.forget_clock()

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
