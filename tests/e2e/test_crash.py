"""Crashes lose nothing and double nothing.

While a writer loads the demo, PostgreSQL itself, the relay and the worker are
killed (SIGKILL) and restarted, and the broker is restarted empty. The writer
sends a batch again, with the same command ids, when its outcome is unknown.
At the end every acknowledged command's event is in the store exactly once,
every stored event was projected once, and the live read models equal a
rebuild from the event store, table by table.
"""

import datetime as dt
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_events.catalog.surveys import SURVEY_ANSWERED
from aerie_events.codec import EventCodec
from aerie_platform.compose import projections
from aerie_platform.replay import compare, rebuild
from aerie_platform.stack import EmbeddedPostgres, ensure_database
from aerie_services import demo
from aerie_services.kit.base import event_id_of
from eventsourcing.persistence import PersistenceError

from tests.conftest import Platform, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("AERIE_DATABASE_URL")),
        reason="kills PostgreSQL with SIGKILL, so it runs on an embedded server of its own; "
        "AERIE_DATABASE_URL names an external server this test cannot kill",
    ),
]

LOAD = {"agents": 100, "days": 60, "seed": 11, "as_of": demo.as_of_end(dt.date(2026, 4, 4))}
DOWN_SECONDS = 2.0
"""How long PostgreSQL stays dead: the writer, the relay and the worker all find it gone."""


@pytest.fixture(scope="module")
def postgres(workdir: Path) -> Iterator[tuple[EmbeddedPostgres, str]]:
    """A PostgreSQL server of this module's own (the others' is never killed)."""
    server = EmbeddedPostgres(workdir / "pg-crash")
    url = server.start()
    yield server, url
    server.stop()


@pytest.fixture(scope="module")
def database_url(postgres: tuple[EmbeddedPostgres, str]) -> str:
    return ensure_database(postgres[1], "aerie_crash")


@pytest.fixture(scope="module")
def platform(database_url, broker, workdir, side) -> Iterator[Platform]:
    running = Platform(database_url, broker, workdir, "crash")
    running.env["AERIE_ANONYMOUS_RELEASE_SECONDS"] = "1"
    running.migrate()
    running.start("relay")
    running.start("worker")
    yield running
    running.stop()


class RetryingWriter(threading.Thread):
    """Sends the demo in small batches, as traffic arrives, through the command path.

    A batch whose outcome is unknown (the database went away before it
    answered) is sent again with the same command ids: each command is
    idempotent, so a repeat returns the first outcome instead of recording again.
    (The library waits for a pooled connection, and retries a statement, for a
    while before it gives up: a short outage is mostly waited out.)
    """

    BATCH = 40
    PAUSE_SECONDS = 0.15

    def __init__(self, bus: Any) -> None:
        super().__init__(name="retrying-writer", daemon=True)
        self.bus = bus
        self.acknowledged: set[UUID] = set()
        self.retried = 0
        self.longest_batch_seconds = 0.0
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            requests = list(demo.generate(**LOAD))
            for start in range(0, len(requests), self.BATCH):
                self._send(requests[start : start + self.BATCH])
                time.sleep(self.PAUSE_SECONDS)
        except BaseException as error:  # seen by the test, which fails naming it
            self.failure = error

    def _send(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        started = time.monotonic()
        while True:
            try:
                outcomes = self.bus.handle_many(batch, channel="demo", trusted_time=True)
            except (psycopg.Error, PersistenceError, OSError):
                self.retried += 1
                time.sleep(0.2)
                continue
            self.acknowledged.update(outcome.event_id for outcome in outcomes)
            elapsed = time.monotonic() - started
            self.longest_batch_seconds = max(self.longest_batch_seconds, elapsed)
            return


def test_killing_postgresql_relay_and_worker_and_emptying_the_broker_loses_and_doubles_nothing(
    platform: Platform,
    side: Any,
    bus: Any,
    database_url: str,
    broker: Any,
    postgres: tuple[EmbeddedPostgres, str],
) -> None:
    writer = RetryingWriter(bus)
    writer.start()
    wait_until(lambda: relayed_positions(database_url) > 100, 60, "nothing was relayed")

    assert writer.is_alive()  # mid-load
    kill_postgresql(postgres[0])
    acknowledged = len(writer.acknowledged)
    time.sleep(DOWN_SECONDS)
    postgres[0].revive()
    wait_until(lambda: len(writer.acknowledged) > acknowledged, 60, "the writer did not go on")

    at_crash = relayed_positions(database_url)
    platform.kill("relay")
    platform.kill("worker")
    platform.start("relay")
    platform.start("worker")
    wait_until(lambda: relayed_positions(database_url) > at_crash, 60, "the relay did not resume")
    platform.kill("worker")
    at_crash = projected(database_url)
    platform.start("worker")
    wait_until(lambda: projected(database_url) > at_crash, 60, "the worker did not resume")
    writer.join(120)
    assert not writer.is_alive() and writer.failure is None, writer.failure
    if not isinstance(broker, str):
        broker.restart()
    platform.kill("relay")
    platform.start("relay")

    wait_until(lambda: live_equals_rebuild(database_url, side), 150, "live read models differ")
    assert writer.longest_batch_seconds > DOWN_SECONDS / 2  # the outage was under the writer
    assert len(writer.acknowledged) == demo.count(**LOAD)
    recorded, by_managers = stored_event_ids(database_url, side)
    # a demo escalation the deadline manager recorded first is answered with the manager's
    assert recorded == writer.acknowledged - by_managers
    with psycopg.connect(database_url) as conn:
        stored = passes_stored(conn)
        rows, counted = conn.execute(
            "SELECT (SELECT count(*) FROM aerie_read.training_passed), "
            "(SELECT sum(trainings_passed) FROM aerie_read.employee_profile)"
        ).fetchone()
    assert stored > 0
    assert rows == counted == stored


def passes_stored(conn: Any) -> int:
    """How many ``training.passed`` facts the learning context stored (its records hold others)."""
    codec = EventCodec()
    states = conn.execute("SELECT state FROM learning_events").fetchall()
    facts = (codec.read(bytes(state)) for (state,) in states)
    return sum(1 for fact in facts if fact is not None and fact.meta["type"] == TRAINING_PASSED)


def kill_postgresql(server: EmbeddedPostgres) -> None:
    pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not server.alive(), 10, "PostgreSQL did not die")


def stored_event_ids(database_url: str, side: Any) -> tuple[set[UUID], set[UUID]]:
    """The event ids of the stored facts the writer recorded, and of those managers recorded.

    Checks none is stored twice. Left out: the library's own events (no fact
    in them) and the departments the suite's write side publishes for itself.
    Managers record in answer (a leaver's issues handed over, an issue escalated).
    """
    codec = EventCodec()
    ids: list[UUID] = []
    by_managers: set[UUID] = set()
    with psycopg.connect(database_url) as conn:
        for app in side.bus.apps.values():
            table = app.recorder.events_table_name
            rows = conn.execute(f"SELECT originator_id, originator_version, state FROM {table}")
            for originator, version, state in rows:
                fact = codec.read(bytes(state))
                if fact is None or fact.meta["command_id"].startswith("test-department-"):
                    continue
                if fact.meta["actor"].get("id", "").startswith("manager:"):
                    by_managers.add(event_id_of(originator, version))
                elif fact.meta["type"] == SURVEY_ANSWERED:  # answered with a keyed receipt
                    ids.append(app.receipt_id(originator, version))
                else:
                    ids.append(event_id_of(originator, version))
    assert len(ids) == len(set(ids))
    return set(ids), by_managers


def relayed_everything(database_url: str, bus: Any) -> bool:
    """Every stored event was sent or parked, and no parked one still waits for its window."""
    with psycopg.connect(database_url) as conn:
        positions = dict(conn.execute("SELECT source, position FROM aerie_relay_position"))
        waiting = conn.execute("SELECT count(*) FROM aerie_relay_held WHERE seq IS NULL")
        if waiting.fetchone()[0]:
            return False
    return all(
        positions.get(context, 0) >= (app.recorder.max_notification_id() or 0)
        for context, app in bus.apps.items()
    )


def live_equals_rebuild(database_url: str, side: Any) -> bool:
    if not relayed_everything(database_url, side.bus):
        return False
    rebuild(database_url, side, projections(), "aerie_read_crashcheck")
    return compare(database_url, projections(), "aerie_read_crashcheck") == {}


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
