"""Projection workers on a static assignment: restarted after SIGKILL, and sharing partitions.

A worker is given its partitions by configuration (``AERIE_WORKERS``,
``AERIE_WORKER_INDEX``) and never joins a consumer group: a restart costs no
JoinGroup and no wait for the dead member's session to expire. Each partition
starts just after what its projections tracked, so nothing is skipped and what
comes again is skipped by its number: every event is applied exactly once.
"""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.topics import Topics
from aerie_platform.compose import projections
from aerie_projections.ownership import StaticShare
from aerie_projections.worker import WATCHDOG_SECONDS
from aerie_services.platform.relay import partition_of
from faust.types import TP

from tests.conftest import (
    Platform,
    bootstrap_of,
    consumer_group_members,
    hire,
    new_id,
    wait_until,
    write_side,
)

PARTITIONS = 3
WAIT = 90  # seconds: generous, for a loaded machine; speed is measured by benchmarks


def pass_training(bus: Any, employee: str) -> None:
    bus.handle(
        TRAINING_PASSED,
        command_id=new_id("train"),
        employee_id=employee,
        data={
            "course_id": new_id("C-CALM"),
            "course_title": "Calm",
            "score": 80,
            "pass_mark": 60,
            "passed_on": "2026-02-02",
        },
    )


def employees_on(partitions: list[int], each: int) -> list[str]:
    """``each`` new employee ids for every partition in ``partitions`` (the relay's hash)."""
    chosen: list[str] = []
    for partition in partitions:
        found = 0
        while found < each:
            employee = new_id("WR")
            if partition_of(employee, PARTITIONS) == partition:
                chosen.append(employee)
                found += 1
    return chosen


def behind(platform: Platform, partitions: set[int] | None = None) -> set[tuple[str, str, int]]:
    """(projection, topic, partition) whose tracking is behind what the relay numbered."""
    topics = Topics(platform.env["AERIE_TOPIC_PREFIX"])
    readers = {(p.name, t) for p in projections() for t in p.topics(topics)}
    with psycopg.connect(platform.database_url) as conn:
        relayed = conn.execute("SELECT topic, partition, seq FROM aerie_relay_partition").fetchall()
        tracked = {
            (name, topic, partition): seq
            for name, topic, partition, seq in conn.execute(
                "SELECT projection, topic, partition, seq FROM aerie_projection_tracking"
            )
        }
    return {
        (name, topic, partition)
        for topic, partition, seq in relayed
        for name, reader_topic in readers
        if reader_topic == topic
        and (partitions is None or partition in partitions)
        and tracked.get((name, topic, partition), 0) < seq
    }


def applied_from(platform: Platform, partition: int) -> int:
    """How many messages any projection has applied from ``partition`` of any topic."""
    with psycopg.connect(platform.database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(seq), 0) FROM aerie_projection_tracking WHERE partition = %s",
            (partition,),
        ).fetchone()
    return int(row[0])


def relayed_learning(platform: Platform) -> int:
    topic = Topics(platform.env["AERIE_TOPIC_PREFIX"]).of("learning")
    with psycopg.connect(platform.database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(seq), 0) FROM aerie_relay_partition WHERE topic = %s", (topic,)
        ).fetchone()
    return int(row[0])


def trainings(database_url: str) -> tuple[int, int, dict[str, int]]:
    """(training rows, the profiles' counted passes, passes per employee)."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT count(*) FROM aerie_read.training_passed").fetchone()[0]
        per_employee = dict(
            conn.execute("SELECT employee_id, trainings_passed FROM aerie_read.employee_profile")
        )
    return rows, sum(per_employee.values()), per_employee


def group_members(platform: Platform) -> list[Any]:
    """The members the broker knows in the workers' consumer group (its coordinator's view)."""
    return consumer_group_members(bootstrap_of(platform.broker), platform.env["AERIE_GROUP_ID"])


def start_worker(platform: Platform, index: int) -> None:
    platform.env["AERIE_WORKER_INDEX"] = str(index)  # read by the process at its start
    platform.start("worker", name=f"worker-{index}")


def platform_on(
    fresh_database: Any, broker: Any, workdir: Path, name: str
) -> Iterator[tuple[Platform, Any]]:
    database_url = fresh_database(f"wr_{name}")
    side = write_side(database_url)
    running = Platform(database_url, broker, workdir, f"wr{name}")
    running.env["AERIE_TOPIC_PARTITIONS"] = str(PARTITIONS)
    running.migrate()
    running.start("relay")
    yield running, side
    running.stop()
    side.close()


@pytest.fixture(scope="module")
def restarted(fresh_database, broker, workdir) -> Iterator[tuple[Platform, Any]]:
    yield from platform_on(fresh_database, broker, workdir, "restart")


@pytest.fixture(scope="module")
def shared(fresh_database, broker, workdir) -> Iterator[tuple[Platform, Any]]:
    yield from platform_on(fresh_database, broker, workdir, "share")


def test_a_worker_restarted_after_sigkill_applies_what_came_while_down_and_after_exactly_once(
    restarted: tuple[Platform, Any],
) -> None:
    platform, side = restarted
    platform.start("worker")
    staff = employees_on(list(range(PARTITIONS)), each=2)
    for employee in staff:
        hire(side.bus, employee)
        pass_training(side.bus, employee)
    wait_until(lambda: trainings(platform.database_url)[1] == len(staff), WAIT, "not applied")

    platform.kill("worker")  # SIGKILL
    for employee in staff:
        pass_training(side.bus, employee)  # recorded while the worker is down
    wait_until(lambda: relayed_learning(platform) == 2 * len(staff), WAIT, "not relayed")
    platform.start("worker")
    for employee in staff:
        pass_training(side.bus, employee)  # and after it started again

    wait_until(
        lambda: relayed_learning(platform) == 3 * len(staff) and not behind(platform),
        WAIT,
        "the restarted worker did not catch up",
    )
    rows, counted, per_employee = trainings(platform.database_url)
    assert rows == counted == 3 * len(staff)
    assert per_employee == dict.fromkeys(staff, 3)
    assert group_members(platform) == []  # it never joined the consumer group


def test_two_workers_share_the_partitions_and_together_apply_everything_once(
    shared: tuple[Platform, Any],
) -> None:
    platform, side = shared
    platform.env["AERIE_WORKERS"] = "2"  # worker 0 owns partitions 0 and 2, worker 1 owns 1
    start_worker(platform, 0)
    staff = employees_on(list(range(PARTITIONS)), each=3)
    for employee in staff:
        hire(side.bus, employee)
        pass_training(side.bus, employee)
    wait_until(lambda: relayed_learning(platform) == len(staff), WAIT, "not relayed")
    wait_until(lambda: not behind(platform, {0, 2}), WAIT, "worker 0 did not apply its share")
    time.sleep(3 * WATCHDOG_SECONDS)  # worker 0's watchdog looks at the positions meanwhile
    assert behind(platform, {1})  # partition 1 waits for its worker ...
    assert applied_from(platform, 1) == 0

    start_worker(platform, 1)
    wait_until(lambda: not behind(platform), WAIT, "worker 1 did not apply its share")  # ... here
    rows, counted, per_employee = trainings(platform.database_url)
    assert rows == counted == len(staff)
    assert per_employee == dict.fromkeys(staff, 1)
    assert group_members(platform) == []


def test_each_partition_starts_just_after_the_lowest_offset_its_readers_applied(
    database_url: str, side: Any
) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO aerie_projection_tracking (projection, topic, partition, seq, "
            "kafka_offset, position) VALUES ('a', 's.t', 0, 5, 5, 1), ('b', 's.t', 0, 9, 9, 1), "
            "('a', 's.t', 1, 3, 3, 1), ('a', 's.u', 0, 0, -1, 0)"
        )
    share = StaticShare(
        workers=1,
        index=0,
        partitions=3,
        database_url=database_url,
        readers={"s.t": ("a", "b"), "s.u": ("a",)},
    )
    owned = share.owned(["s.t", "s.u"])
    starts = asyncio.run(share.start_offsets(owned))
    assert starts == {
        TP("s.t", 0): 6,  # just after the lower of the two
        TP("s.t", 1): None,  # b has applied nothing there: from the beginning
        TP("s.t", 2): None,  # nobody has
        TP("s.u", 0): None,  # a row without an applied message
        TP("s.u", 1): None,
        TP("s.u", 2): None,
    }


def test_a_worker_owns_every_partition_whose_number_modulo_the_workers_is_its_index() -> None:
    def share(index: int) -> StaticShare:
        return StaticShare(workers=3, index=index, partitions=7, database_url="", readers={})

    owned = [{tp.partition for tp in share(i).owned(["x"])} for i in range(3)]
    assert owned == [{0, 3, 6}, {1, 4}, {2, 5}]
    with pytest.raises(ValueError, match=r"not in 0\.\.2"):
        share(3)
