"""Gaps are filled by number: a republished log whose offsets moved is read where each number sits.

The shifted-offset case: the old log holds a duplicate (a send the relay
repeated), so a partition's numbers sit one offset after where they would
without it. The broker then restarts empty and the relay republishes from the
event store, without the duplicate: every number now sits one offset earlier
than the tracking rows remember. The worker, running through the restart and
started again after it, must find the number it needs where it now sits, with
every projection catching up and the live read models equal to a rebuild from
the event store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aerie_events.topics import Topics
from aerie_platform.stack import EmbeddedBroker
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tests.conftest import Platform, hire, relay_and_worker, wait_until
from tests.e2e.test_crash import live_equals_rebuild
from tests.e2e.test_worker_restart import PARTITIONS, behind, employees_on, pass_training

pytestmark = pytest.mark.slow

WAIT = 120  # seconds: generous, for a loaded machine


@pytest.fixture(scope="module")
def own_broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: it is restarted empty."""
    broker = EmbeddedBroker()
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def platform(database_url: str, own_broker: EmbeddedBroker, workdir: Path) -> Iterator[Platform]:
    yield from relay_and_worker(
        database_url, own_broker, workdir, "gaps", AERIE_TOPIC_PARTITIONS=str(PARTITIONS)
    )


def relayed(platform: Platform, topic: str, partition: int) -> int:
    """The last number the relay gave in ``topic[partition]`` (0: none since its last reset)."""
    with psycopg.connect(platform.database_url) as conn:
        row = conn.execute(
            "SELECT seq FROM aerie_relay_partition WHERE topic = %s AND partition = %s",
            (topic, partition),
        ).fetchone()
    return int(row[0]) if row else 0


def tracked(platform: Platform, projection: str, topic: str, partition: int) -> tuple[int, int]:
    """``(seq, kafka_offset)`` the projection tracked in ``topic[partition]``."""
    with psycopg.connect(platform.database_url) as conn:
        row = conn.execute(
            "SELECT seq, kafka_offset FROM aerie_projection_tracking WHERE projection = %s "
            "AND topic = %s AND partition = %s",
            (projection, topic, partition),
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, -1)


def duplicate_the_last_message(bootstrap: str, topic: str, partition: int) -> None:
    """Write the partition's last message again, headers and all, as a repeated send does."""
    tp = TopicPartition(topic, partition)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    last = None
    while records := consumer.poll(timeout_ms=1000).get(tp, []):
        last = records[-1]
    consumer.close()
    assert last is not None
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    producer.send(
        topic, key=last.key, value=last.value, partition=partition, headers=last.headers
    ).get(timeout=30)
    producer.close()


def test_a_log_republished_with_shifted_offsets_is_read_where_each_number_sits(
    platform: Platform, own_broker: EmbeddedBroker, side: Any
) -> None:
    learning = Topics(platform.env["AERIE_TOPIC_PREFIX"]).of("learning")
    staff = employees_on([0], each=3)
    for employee in staff:
        hire(side.bus, employee)
        pass_training(side.bus, employee)
    wait_until(lambda: relayed(platform, learning, 0) == len(staff), WAIT, "not relayed")
    wait_until(lambda: not behind(platform), WAIT, "not projected")

    duplicate_the_last_message(own_broker.bootstrap, learning, 0)  # the old log's duplicate
    pass_training(side.bus, staff[0])  # number 4, at offset 4 in the old log
    wait_until(lambda: relayed(platform, learning, 0) == len(staff) + 1, WAIT, "not relayed")
    wait_until(lambda: not behind(platform), WAIT, "not projected after the duplicate")
    assert tracked(platform, "profile", learning, 0) == (len(staff) + 1, len(staff) + 1)

    own_broker.restart()  # empty: the relay republishes numbers 1..4 at offsets 0..3
    wait_until(lambda: relayed(platform, learning, 0) == len(staff) + 1, WAIT, "no republish")
    pass_training(side.bus, staff[1])  # number 5, now at offset 4, where the worker read 4
    wait_until(lambda: relayed(platform, learning, 0) == len(staff) + 2, WAIT, "not relayed")
    wait_until(lambda: not behind(platform), WAIT, "a projection did not catch up")
    assert tracked(platform, "profile", learning, 0) == (len(staff) + 2, len(staff) + 1)

    platform.kill("worker")  # and a worker started again reads on from the tracking rows
    pass_training(side.bus, staff[2])
    wait_until(lambda: relayed(platform, learning, 0) == len(staff) + 3, WAIT, "not relayed")
    platform.start("worker")
    wait_until(lambda: not behind(platform), WAIT, "a restarted worker did not catch up")
    assert tracked(platform, "profile", learning, 0) == (len(staff) + 3, len(staff) + 2)
    wait_until(lambda: live_equals_rebuild(platform.database_url, side), WAIT, "live != rebuild")
    log = (platform.logs / "worker.log").read_text()
    found = [line for line in log.splitlines() if f"{learning}[0] needs number" in line]
    assert found, log[-3000:]
    numbers = [line.split("needs number ", 1)[1].split(",", 1)[0] for line in found]
    assert len(numbers) == len(set(numbers)), found  # each finding said once
    assert "to fill a gap" not in log
