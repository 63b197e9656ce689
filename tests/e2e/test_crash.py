"""Crashes lose nothing and double nothing.

The relay and the worker are killed (SIGKILL) mid-stream and restarted, and
the broker is restarted empty; at the end the live read models equal a
rebuild from the event store, table by table.
"""

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_platform.compose import projections
from aerie_platform.replay import compare, rebuild
from aerie_services import demo

from tests.conftest import Platform, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "crash")
    running.migrate()
    running.start("relay")
    running.start("worker")
    yield running
    running.stop()


def relayed_everything(database_url: str, bus: Any) -> bool:
    with psycopg.connect(database_url) as conn:
        positions = dict(conn.execute("SELECT source, position FROM aerie_relay_position"))
    return all(
        positions.get(context, 0) >= (app.recorder.max_notification_id() or 0)
        for context, app in bus.apps.items()
    )


def live_equals_rebuild(database_url: str, side: Any) -> bool:
    if not relayed_everything(database_url, side.bus):
        return False
    rebuild(database_url, side, projections(), "aerie_read_crashcheck")
    return compare(database_url, projections(), "aerie_read_crashcheck") == {}


def test_killing_relay_and_worker_and_emptying_the_broker_loses_and_doubles_nothing(
    platform: Platform, side: Any, bus: Any, database_url: str, broker: Any
) -> None:
    loading = threading.Thread(
        target=demo.load, kwargs={"bus": bus, "agents": 100, "days": 60, "seed": 11, "batch": 100}
    )
    loading.start()
    wait_until(lambda: relayed_positions(database_url) > 100, 60, "nothing was relayed")
    platform.kill("relay")
    platform.kill("worker")
    at_crash = relayed_positions(database_url)
    platform.start("relay")
    platform.start("worker")
    wait_until(lambda: relayed_positions(database_url) > at_crash, 60, "the relay did not resume")
    platform.kill("worker")
    at_crash = projected(database_url)
    platform.start("worker")
    wait_until(lambda: projected(database_url) > at_crash, 60, "the worker did not resume")
    loading.join(120)
    assert not loading.is_alive()
    if not isinstance(broker, str):
        broker.restart()
    platform.kill("relay")
    platform.start("relay")

    wait_until(lambda: live_equals_rebuild(database_url, side), 150, "live read models differ")
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT count(*) FROM learning_events").fetchone()[0]
        rows, counted = conn.execute(
            "SELECT (SELECT count(*) FROM aerie_read.training_passed), "
            "(SELECT sum(trainings_passed) FROM aerie_read.employee_profile)"
        ).fetchone()
    assert stored > 0
    assert rows == counted == stored


def relayed_positions(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(position), 0) FROM aerie_relay_position "
            "WHERE source NOT LIKE 'epoch%%'"
        ).fetchone()
    return int(row[0])


def projected(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(seq), 0) FROM aerie_projection_tracking "
            "WHERE projection = 'profile'"
        ).fetchone()
    return int(row[0])
