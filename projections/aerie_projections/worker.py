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
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import faust
import psycopg
from aerie_events.signing import RelaySignature
from aerie_events.topics import Topics
from faust.types import TP
from faust.types.auth import SASLMechanism

from aerie_projections.gaps import GapFiller, Republish, SequenceLocator
from aerie_projections.kit import READ_SCHEMA, Projection
from aerie_projections.liveness import (
    STUCK_SECONDS,
    Progress,
    heartbeat_path,
    worker_label,
    write_heartbeat,
)
from aerie_projections.managed import ManagedProjection, Sender
from aerie_projections.manager import ProcessManager
from aerie_projections.ownership import StaticShare, use_ownership
from aerie_projections.tracking import Message, TrackedProjection

log = logging.getLogger("aerie.worker")

WATCHDOG_SECONDS = 3.0
TIMER_SECONDS = 0.25
CRASH_CHECK_SECONDS = 1.0
BATCH = 2000
EXIT_CONSUMER_CRASHED = 70
"""The worker's exit status when its Kafka consumer crashed (its supervisor starts it again)."""

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
    sasl_login: tuple[str, str] | None = None
    """The SASL/SCRAM-SHA-512 user and password the worker logs in with (None: plain text)."""
    stuck_seconds: float = STUCK_SECONDS
    """How long a partition may stay behind the relay without progress (see ``liveness``)."""

    @property
    def label(self) -> str:
        """This worker among the others in its home: its state folder and heartbeat."""
        return worker_label(self.name, self.worker_index)


def message_of(event: Any) -> Message:
    m = event.message
    return Message(m.topic, m.partition, m.offset, m.headers, m.value)


def create_worker(
    config: WorkerConfig,
    projections: Sequence[Projection],
    sender: Sender | None,
    republish: Republish | None = None,
    exit_process: Callable[[int], object] = os._exit,
) -> faust.App:
    """The faust app: one agent feeding every projection (managers need ``sender``).

    ``republish`` asks the relay to publish a topic again from the event store
    (for a number no longer on it); ``exit_process`` ends the process when the
    Kafka consumer crashed.
    """
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
        datadir=str(config.home / config.label),
    )
    use_ownership(app, static_share(config, projections) if config.assignment == "static" else None)

    async def seek(topic: str, partition: int, offset: int) -> None:
        await seek_partition(app, topic, partition, offset)

    watch = Watch(
        filler=GapFiller(
            SequenceLocator(config.bootstrap, RelaySignature(config.relay_key)), seek, republish
        ),
        progress=Progress(config.stuck_seconds),
        heartbeat=heartbeat_path(config.home, config.label),
        exit_process=exit_process,
    )
    feeds = [_feed(app, config, projection, sender, watch) for projection in projections]
    if feeds:
        _add_agent(app, feeds, watch)
    _supervise(app, watch)
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
    """One projection inside the worker: its runner and its topics."""

    runner: TrackedProjection
    topics: frozenset[str]

    @property
    def name(self) -> str:
        return self.runner.projection.name


@dataclass
class Watch:
    """What the worker's timers share: gap filling, progress, and where the heartbeat goes."""

    filler: GapFiller
    progress: Progress
    heartbeat: Path
    exit_process: Callable[[int], object]
    unwell: bool = False
    guard: asyncio.Future[None] | None = None


def _add_agent(app: faust.App, feeds: list[Feed], watch: Watch) -> None:
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
            for feed, gaps in zip(feeds, results, strict=True):
                if not isinstance(gaps, BaseException) and gaps:
                    await watch.filler.fill(feed.name, gaps)
            for error in results:
                if isinstance(error, BaseException):
                    raise error  # the others' batches are committed; faust restarts the agent

    app.agent(channel, name="projections")(project)


def _feed(
    app: faust.App,
    config: WorkerConfig,
    projection: Projection,
    sender: Sender | None,
    watch: Watch,
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
    positions: dict[str, psycopg.AsyncConnection[Any] | None] = {"conn": None}

    async def watchdog() -> None:
        """Note the partitions behind the relay; find the number one needs when it stays put."""
        try:
            conn = positions["conn"]
            if conn is None or conn.closed:
                conn = positions["conn"] = await psycopg.AsyncConnection.connect(
                    config.database_url, autocommit=True
                )
            behind = await runner.behind(conn, topic_names)
        except psycopg.Error as error:
            log.warning("%s watchdog could not read positions: %s", projection.name, error)
            positions["conn"] = None
            return
        assigned = {(tp.topic, tp.partition) for tp in app.consumer.assignment()}
        behind = [g for g in behind if (g.topic, g.partition) in assigned]
        now = time.monotonic()
        watch.progress.note(
            projection.name, [(g.topic, g.partition, g.needed) for g in behind], now
        )
        idle = [
            g
            for g in behind
            if watch.progress.unmoved(projection.name, g.topic, g.partition, now)
            >= WATCHDOG_SECONDS
        ]
        await watch.filler.fill(projection.name, idle)

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


def _supervise(app: faust.App, watch: Watch) -> None:
    """The heartbeat while the worker makes progress, and an exit when the consumer crashed."""

    async def heartbeat() -> None:
        stuck = watch.progress.stuck(time.monotonic())
        if not stuck:
            watch.unwell = False
            await asyncio.to_thread(write_heartbeat, watch.heartbeat)
            return
        if not watch.unwell:
            watch.unwell = True
            log.error(
                "no progress for %.0f s while the relay has more: %s; no heartbeat until it "
                "moves (%s), so the supervisor restarts this worker",
                watch.progress.stuck_seconds,
                ", ".join(f"{name} on {topic}[{partition}]" for name, topic, partition in stuck),
                watch.heartbeat,
            )

    async def consumer_alive() -> None:
        """Outside faust's services: a crash stops their timers, not this loop."""
        while not (app.consumer.crashed or app.crashed):
            await asyncio.sleep(CRASH_CHECK_SECONDS)
        reason = app.consumer.crash_reason or app.crash_reason
        log.critical(
            "the Kafka consumer crashed (%r): the worker stops so that its supervisor "
            "starts it again (nothing applied is lost: tracking rows say where to go on)",
            reason,
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        watch.exit_process(EXIT_CONSUMER_CRASHED)

    async def watch_consumer() -> None:
        watch.guard = asyncio.ensure_future(consumer_alive())

    app.timer(interval=WATCHDOG_SECONDS, name="heartbeat")(heartbeat)
    app.task(watch_consumer)


async def seek_partition(app: faust.App, topic: str, partition: int, offset: int) -> None:
    """Read ``topic[partition]`` again from ``offset``, in the consumer's own thread.

    ``seek_wait`` runs the seek where the fetcher runs; faust's plain ``seek``
    changes the fetcher's state from this thread, racing it (aiokafka's
    ``fetched_records`` then fails with a ``KeyError``).
    """
    await app.consumer.seek_wait({TP(topic, partition): offset})
