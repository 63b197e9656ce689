"""What ``aerie_projections.ownership`` relies on in faust, on the real broker and PostgreSQL.

A faust upgrade that renames a hook overridden there, stops calling it, or
changes what it does fails here: the static assignment (no consumer group),
the start from the tracking rows, the short fetch wait, and the seek that the
worker asks of faust's public ``seek_wait`` while the fetcher runs.
"""

from __future__ import annotations

import asyncio
import inspect
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

import faust
import faust.transport.drivers.aiokafka as aiokafka_driver
import psycopg
import pytest
from aerie_projections.ownership import (
    FETCH_MAX_WAIT_MS,
    LowLatencyConsumerThread,
    StaticConsumerThread,
    StaticShare,
    use_ownership,
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
