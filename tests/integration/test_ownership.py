"""What ``aerie_projections.ownership`` relies on in faust, on the real broker and PostgreSQL.

A faust upgrade that renames a hook overridden there, stops calling it, or
changes what it does fails here: the static assignment (no consumer group),
the start from the tracking rows, the short fetch wait, and the seek that the
worker asks of faust's public ``seek_wait`` while the fetcher runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faust
import faust.transport.drivers.aiokafka as aiokafka_driver
import psycopg
import pytest
from aerie_events.topics import Topics
from aerie_projections.ownership import (
    FETCH_MAX_WAIT_MS,
    LowLatencyConsumerThread,
    StaticConsumerThread,
    StaticShare,
    use_ownership,
)
from aerie_projections.worker import (
    EXIT_CONSUMER_CRASHED,
    WorkerConfig,
    create_worker,
    seek_partition,
)
from aerie_services.platform.relay import ensure_topics
from faust.types import TP
from kafka import KafkaProducer

from tests.conftest import bootstrap_of, consumer_group_members, write_side

PARTITIONS = 3
EACH = 6  # messages per partition


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> str:
    url = fresh_database("ownership")
    write_side(url).close()
    return url


@pytest.fixture(scope="module")
def topic(broker: Any) -> Iterator[str]:
    """A topic of three partitions holding ``EACH`` messages in each, valued 'p:offset'."""
    name = f"own-{uuid.uuid4().hex[:8]}"
    bootstrap = bootstrap_of(broker)
    ensure_topics(bootstrap, [name], PARTITIONS)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for partition in range(PARTITIONS):
        for offset in range(EACH):
            producer.send(name, value=f"{partition}:{offset}".encode(), partition=partition)
    producer.flush()
    producer.close()
    yield name


def app_reading(broker: Any, url: str, topic: str, group: str) -> tuple[faust.App, list[str]]:
    """Worker 0 of 2 (partitions 0 and 2) of a faust app that notes every value it reads."""
    app = faust.App(
        group,
        broker=f"kafka://{bootstrap_of(broker)}",
        store="memory://",
        web_enabled=False,
        topic_disable_leader=True,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        datadir=tempfile.mkdtemp(prefix="aerie-own-"),
    )
    share = StaticShare(
        workers=2,
        index=0,
        partitions=PARTITIONS,
        database_url=url,
        readers={topic: ("p-ownership",)},
    )
    use_ownership(app, share)
    seen: list[str] = []
    channel = app.topic(topic, value_type=bytes, value_serializer="raw")

    async def note(stream: Any) -> None:
        async for value in stream:
            seen.append(value.decode())

    app.agent(channel, name=f"note-{group}")(note)
    return app, seen


async def until(condition: Any, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.05)


def test_the_overridden_hooks_are_still_faust_s(url: str) -> None:
    """Each method overridden exists in faust's driver, with the signature relied on."""
    base = aiokafka_driver.AIOKafkaConsumerThread
    for name, parameters in {
        "_create_worker_consumer": ["self", "transport"],
        "subscribe": ["self", "topics"],
        "seek_to_committed": ["self"],
    }.items():
        assert list(inspect.signature(getattr(base, name)).parameters) == parameters, name
    assert list(inspect.signature(aiokafka_driver.Consumer._new_consumer_thread).parameters) == [
        "self"
    ]
    assert issubclass(StaticConsumerThread, LowLatencyConsumerThread)
    assert hasattr(aiokafka_driver.Transport, "Consumer")
    assert aiokafka_driver.ConsumerRebalanceListener.on_partitions_assigned
    assert aiokafka_driver.ConsumerRebalanceListener.on_partitions_revoked


def test_a_static_share_reads_its_partitions_from_the_tracking_rows_without_a_group(
    broker: Any, url: str, topic: str
) -> None:
    with psycopg.connect(url) as conn:  # partition 0 applied up to offset 3; 2 nothing yet
        conn.execute(
            "INSERT INTO aerie_projection_tracking (projection, topic, partition, seq, "
            "kafka_offset, position) VALUES ('p-ownership', %s, 0, 4, 3, 4)",
            (topic,),
        )
    group = f"own-{uuid.uuid4().hex[:8]}"
    app, seen = app_reading(broker, url, topic, group)

    async def run() -> dict[str, Any]:
        await app.start()
        try:
            await until(lambda: len(seen) >= (EACH - 4) + EACH)
            await asyncio.sleep(0.5)  # nothing else arrives: not partition 1, nothing twice
            consumer = app.consumer
            return {
                "assigned": consumer.assignment(),
                "wait": consumer._thread._consumer._fetcher._fetch_max_wait_ms,
            }
        finally:
            await app.stop()

    found = asyncio.run(run())
    assert sorted(seen) == sorted(
        [f"0:{o}" for o in range(4, EACH)] + [f"2:{o}" for o in range(EACH)]
    )
    assert found["assigned"] == {TP(topic, 0), TP(topic, 2)}
    assert found["wait"] == FETCH_MAX_WAIT_MS  # the fetch wait faust fixes at 1,500 ms
    assert (
        consumer_group_members(bootstrap_of(broker), group) == []
    )  # it never joined the consumer group


@pytest.fixture(scope="module")
def busy_topic(broker: Any) -> str:
    """A topic of three partitions with thousands of messages: the fetcher stays busy."""
    name = f"busy-{uuid.uuid4().hex[:8]}"
    bootstrap = bootstrap_of(broker)
    ensure_topics(bootstrap, [name], PARTITIONS)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5)
    for n in range(9000):
        producer.send(name, value=b"x" * 100, partition=n % PARTITIONS)
    producer.flush()
    producer.close()
    return name


def worker_reading(
    broker: Any, url: str, topic: str, seek: str, exits: list[int]
) -> tuple[faust.App, list[int]]:
    """The worker's faust app (no projection) reading ``topic`` while a task keeps seeking back.

    ``seek``: ``worker`` seeks as the worker does, ``faust`` with faust's plain seek.
    """
    config = WorkerConfig(
        database_url=url,
        bootstrap=bootstrap_of(broker),
        topics=Topics("unused"),
        partitions=PARTITIONS,
        group_id=f"race-{uuid.uuid4().hex[:8]}",
        home=Path(tempfile.mkdtemp(prefix="aerie-race-")),
        relay_key=b"k" * 32,
    )
    app = create_worker(config, [], None, exit_process=exits.append)
    read = [0]
    channel = app.topic(topic, value_type=bytes, value_serializer="raw")

    async def count(stream: Any) -> None:
        async for events in stream.take_events(500, within=0.005):
            read[0] += len(events)

    async def seek_back() -> None:
        while True:
            for partition in range(PARTITIONS):
                with contextlib.suppress(Exception):  # not assigned yet
                    if seek == "worker":
                        await seek_partition(app, topic, partition, 0)
                    else:
                        await app.consumer.seek(TP(topic, partition), 0)
            await asyncio.sleep(0.001)

    seeking: list[asyncio.Future[None]] = []

    async def start_seeking() -> None:
        seeking.append(asyncio.ensure_future(seek_back()))

    app.agent(channel, name="count")(count)
    app.task(start_seeking)
    return app, read


def run_for(app: faust.App, seconds: float, stop_when: Any) -> None:
    async def run() -> None:
        await app.start()
        try:
            deadline = asyncio.get_running_loop().time() + seconds
            while asyncio.get_running_loop().time() < deadline and not stop_when():
                await asyncio.sleep(0.1)
        finally:
            await app.stop()

    asyncio.run(run())


def test_seeking_back_as_the_worker_does_never_races_the_fetcher(
    broker: Any, url: str, busy_topic: str
) -> None:
    exits: list[int] = []
    app, read = worker_reading(broker, url, busy_topic, "worker", exits)
    run_for(app, 90, lambda: read[0] >= 1500 or bool(exits))
    assert exits == [] and not app.consumer.crashed and not app.crashed
    assert read[0] >= 1500  # batch after batch, with seeks back to the start in between


def test_a_crashed_consumer_ends_the_worker_with_a_clear_line(
    broker: Any, url: str, busy_topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    """faust's plain seek, from the app's thread, races aiokafka's fetcher: it crashes.

    Should a faust upgrade end that race, this test fails here, not in production:
    the worker's own seek would then no longer need ``seek_wait``.
    """
    exits: list[int] = []
    app, _read = worker_reading(broker, url, busy_topic, "faust", exits)
    run_for(app, 30, lambda: bool(exits))
    assert exits == [EXIT_CONSUMER_CRASHED]
    (line,) = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert line.getMessage().startswith("the Kafka consumer crashed (KeyError(TopicPartition(")
    assert "supervisor starts it again" in line.getMessage()
