"""On a three-broker Apache Kafka cluster: a broker or the controller dies under load.

Replication factor 3 and ``min.insync.replicas`` 2: the relay writes with
``acks=all`` while a writer records training passes and a worker projects
them. One node is killed with SIGKILL (the leader of a partition, then the
active controller); the relay goes on with the new leader, nothing the broker
acknowledged is lost (every partition's numbers run 1..n without a gap),
nothing is applied twice, and a rebuild from the event store matches the live
read models. The restarted node catches up (it is in sync again).

The times until the relay and the worker make progress again are printed
(``-s``); they are figures, not assertions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_events.signing import SEQ_HEADER
from aerie_events.topics import Topics
from aerie_platform.compose import projections
from aerie_platform.kafka_cluster import KafkaCluster
from aerie_platform.replay import compare, rebuild
from kafka import KafkaConsumer, TopicPartition

from tests.conftest import Platform, hire, wait_until
from tests.e2e.test_crash import relayed_everything
from tests.e2e.test_worker_restart import (
    PARTITIONS,
    WAIT,
    behind,
    employees_on,
    pass_training,
    platform_on,
    relayed_learning,
    start_worker,
    trainings,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


class Writer(threading.Thread):
    """Records a training pass for each of ``staff`` in turn until stopped; counts them."""

    def __init__(self, bus: Any, staff: list[str]) -> None:
        super().__init__(daemon=True)
        self.bus, self.staff = bus, staff
        self.recorded: dict[str, int] = dict.fromkeys(staff, 0)
        self.halt = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                for employee in self.staff:
                    pass_training(self.bus, employee)
                    self.recorded[employee] += 1
                time.sleep(0.02)
        except BaseException as error:
            self.failure = error

    def finish(self) -> dict[str, int]:
        self.halt.set()
        self.join(60)
        assert self.failure is None, self.failure
        return self.recorded


def writing(platform: Platform, side: Any) -> Writer:
    """Hire two agents per partition and keep recording their passes; once some are projected."""
    staff = employees_on(list(range(PARTITIONS)), each=2)
    for employee in staff:
        hire(side.bus, employee)
    writer = Writer(side.bus, staff)
    writer.start()
    wait_until(lambda: applied_learning(platform) > 20, WAIT, "nothing was projected")
    return writer


def applied_learning(platform: Platform) -> int:
    """Training passes in the read model now."""
    return trainings(platform.database_url)[0]


def tracked_per_partition(platform: Platform, topic: str) -> dict[int, int]:
    """``partition -> the lowest number`` any projection reading ``topic`` has applied there."""
    with psycopg.connect(platform.database_url) as conn:
        rows = conn.execute(
            "SELECT partition, min(seq) FROM aerie_projection_tracking WHERE topic = %s "
            "GROUP BY partition",
            (topic,),
        ).fetchall()
    return {int(p): int(seq) for p, seq in rows}


def seconds_until_both_go_on(platform: Platform) -> tuple[float, float]:
    """Seconds from now until the relay, and until the worker, have moved on by a few events."""
    started = time.monotonic()
    relayed, applied = relayed_learning(platform), applied_learning(platform)
    wait_until(lambda: relayed_learning(platform) > relayed + 3, WAIT, "the relay stopped")
    relay_back = time.monotonic() - started
    wait_until(lambda: applied_learning(platform) > applied + 3, WAIT, "the worker stopped")
    return relay_back, time.monotonic() - started


def applied_once_each(platform: Platform, writer: Writer) -> int:
    """Stop the writer; once all is applied, check each pass was applied exactly once."""
    recorded = writer.finish()
    total = sum(recorded.values())
    wait_until(
        lambda: relayed_learning(platform) == total and not behind(platform),
        WAIT,
        "the worker did not catch up",
    )
    rows, counted, per_employee = trainings(platform.database_url)
    assert rows == counted == total
    assert per_employee == recorded  # each pass applied once, none lost
    return total


def numbers_without_a_gap(cluster: KafkaCluster, topic: str) -> dict[int, int]:
    """``partition -> highest number`` read back from Kafka, asserting 1..n are all there."""
    consumer = KafkaConsumer(
        bootstrap_servers=cluster.bootstrap,
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
        isolation_level="read_committed",
    )
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        seen: dict[int, set[int]] = {p: set() for p in range(PARTITIONS)}
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for record in (r for batch in consumer.poll(1000).values() for r in batch):
                seq = dict(record.headers)[SEQ_HEADER]
                seen[record.partition].add(int(seq))
    finally:
        consumer.close()
    for partition, numbers in seen.items():
        assert numbers == set(range(1, len(numbers) + 1)), f"partition {partition} has a gap"
    return {p: len(numbers) for p, numbers in seen.items()}


def live_equals_rebuild(platform: Platform, side: Any) -> bool:
    """What ``aerie replay --verify`` checks: a rebuild from the event store equals the live tables."""
    if not relayed_everything(platform.database_url, side.bus):
        return False
    rebuild(platform.database_url, side, projections(), "aerie_read_failover")
    return compare(platform.database_url, projections(), "aerie_read_failover") == {}


@pytest.fixture
def failover(fresh_database, kafka_cluster, workdir) -> Iterator[tuple[Platform, Any]]:
    yield from platform_on(fresh_database, kafka_cluster.bootstrap, workdir, "kafka_failover")


@pytest.fixture
def grouped(fresh_database, kafka_cluster, workdir, request) -> Iterator[tuple[Platform, Any]]:
    """A platform whose ``request.param`` workers share the partitions in a consumer group."""
    name = f"kafka_group{request.param}"
    for running in platform_on(fresh_database, kafka_cluster.bootstrap, workdir, name):
        platform, _ = running
        platform.env |= {"AERIE_WORKER_ASSIGNMENT": "group", "AERIE_WORKERS": str(request.param)}
        for index in range(request.param):
            start_worker(platform, index)
        yield running


def restart_and_catch_up(cluster: KafkaCluster, node: int, topic: str) -> float:
    """Start ``node`` again; seconds until it is in sync on every partition of ``topic``."""
    started = time.monotonic()
    cluster.restart(node)
    wait_until(
        lambda: all(node in isr for isr in cluster.in_sync(topic).values()),
        WAIT,
        f"node {node} did not catch up on {topic}",
    )
    return time.monotonic() - started


def test_the_platform_goes_on_when_a_partition_leader_and_then_the_controller_are_killed(
    failover: tuple[Platform, Any], kafka_cluster: KafkaCluster
) -> None:
    platform, side = failover
    cluster = kafka_cluster
    topic = Topics(platform.env["AERIE_TOPIC_PREFIX"]).of("learning")
    platform.start("worker")
    writer = writing(platform, side)
    assert sorted(len(isr) for isr in cluster.in_sync(topic).values()) == [3] * PARTITIONS

    leader = cluster.leaders(topic)[0]
    cluster.kill(leader)
    relay_back, worker_back = seconds_until_both_go_on(platform)
    assert leader not in cluster.leaders(topic).values()
    caught_up = restart_and_catch_up(cluster, leader, topic)
    print(
        f"\nleader {leader} killed: relay again after {relay_back:.1f}s, "
        f"worker after {worker_back:.1f}s; restarted node in sync after {caught_up:.1f}s"
    )

    controller = cluster.active_controller()
    cluster.kill(controller)
    relay_back, worker_back = seconds_until_both_go_on(platform)
    assert cluster.active_controller() != controller
    caught_up = restart_and_catch_up(cluster, controller, topic)
    print(
        f"controller {controller} killed: relay again after {relay_back:.1f}s, "
        f"worker after {worker_back:.1f}s; restarted node in sync after {caught_up:.1f}s"
    )

    total = applied_once_each(platform, writer)
    assert sum(numbers_without_a_gap(cluster, topic).values()) == total
    wait_until(lambda: live_equals_rebuild(platform, side), WAIT, "live read models differ")


@pytest.mark.xfail(
    reason="on Apache Kafka the group did not resume within 90 s in the runs so far: with 2 "
    "workers the survivor's consumer thread stopped answering after the rebalance, with 3 "
    "nothing was projected at all (docs/architecture.md, Apache Kafka)",
    strict=False,
)
@pytest.mark.parametrize("grouped", [2, 3], indirect=True, ids=["2 workers", "3 workers"])
def test_workers_in_a_group_take_over_a_killed_members_partitions_applying_each_event_once(
    grouped: tuple[Platform, Any],
) -> None:
    platform, side = grouped
    workers = int(platform.env["AERIE_WORKERS"])
    writer = writing(platform, side)
    topic = Topics(platform.env["AERIE_TOPIC_PREFIX"]).of("learning")
    wait_until(
        lambda: len(tracked_per_partition(platform, topic)) == PARTITIONS,
        WAIT,
        "the group did not cover every partition",
    )
    at_kill = tracked_per_partition(platform, topic)
    killed_at = time.monotonic()
    platform.kill("worker-0")
    wait_until(
        lambda: (
            all(
                seq > at_kill.get(p, 0) for p, seq in tracked_per_partition(platform, topic).items()
            )
            and len(tracked_per_partition(platform, topic)) == PARTITIONS
        ),
        WAIT,
        "the killed worker's partitions stayed behind",
    )
    resumed = time.monotonic() - killed_at
    print(
        f"\n{workers} workers in a group, one killed: every partition applied again after {resumed:.1f}s"
    )

    applied_once_each(platform, writer)
