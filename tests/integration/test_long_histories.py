"""Records with long histories: a bounded memory of commands, snapshots read back as the events."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import psycopg
from aerie_events.catalog.learning import TRAINING_PASSED
from aerie_services.learning.record import COMMANDS_KEPT as LEARNER_COMMANDS_KEPT
from aerie_services.learning.record import LearnerRecord
from aerie_services.performance.application import SNAPSHOT_EVERY
from aerie_services.performance.domainmodel import COMMANDS_KEPT, StarLadder

from tests.conftest import hire, new_id
from tests.growth_support import POOR, STEADY, STRONG, kpi_days, passed

FIRST_DAY = dt.date(2025, 1, 6)  # a Monday


def stored(database_url: str, table: str, aggregate_id: Any) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            f"SELECT count(*) FROM {table} WHERE originator_id = %s", (aggregate_id,)
        ).fetchone()
    return int(row[0]) if row else 0


def read_afresh_next(app: Any, aggregate_id: Any) -> None:
    """Drop the aggregate from the process's cache: the next read is the store's."""
    with contextlib.suppress(KeyError):
        app.repository.cache.get(aggregate_id, evict=True)


def kpi_history(employee: str, days: int) -> list[tuple[str, dict[str, Any]]]:
    """``days`` daily KPI facts from ``FIRST_DAY``, a week of each kind in turn."""
    requests = []
    for week in range(0, days, 7):
        first = FIRST_DAY + dt.timedelta(days=week)
        last = min(first + dt.timedelta(days=6), FIRST_DAY + dt.timedelta(days=days - 1))
        requests += kpi_days(employee, first, last, (STEADY, STRONG, POOR)[week // 7 % 3])
    return requests


def test_a_retry_older_than_the_record_remembers_returns_the_first_outcome(
    bus, database_url
) -> None:
    employee = new_id()
    hire(bus, employee)
    history = kpi_history(employee, COMMANDS_KEPT + 30)
    (kind, first_inputs), *rest = history
    first = bus.handle(kind, channel="test", **first_inputs)
    for later, inputs in rest:
        bus.handle(later, channel="test", **inputs)
    ladder_id = StarLadder.id_for(employee)
    events = stored(database_url, "performance_events", ladder_id)
    read_afresh_next(bus.apps["performance"], ladder_id)  # read afresh too

    again = bus.handle(kind, channel="test", **first_inputs)
    in_bulk = bus.handle_many([history[1]], channel="test")[0]

    assert again.duplicate and not first.duplicate
    assert (again.event_id, again.version, again.position) == (
        first.event_id,
        first.version,
        first.position,
    )
    assert in_bulk.duplicate and in_bulk.version == first.version + 1
    assert stored(database_url, "performance_events", ladder_id) == events
    ladder = bus.apps["performance"].find(ladder_id)
    assert len(ladder.commands) == COMMANDS_KEPT


def test_a_record_read_from_its_snapshot_equals_the_record_read_from_every_event(bus) -> None:
    employee = new_id()
    hire(bus, employee)
    history = kpi_history(employee, 7 * SNAPSHOT_EVERY + 15)  # versions 2 to 156
    bus.handle_many(history[: 6 * SNAPSHOT_EVERY + 15], channel="test")  # one save: a snapshot
    for kind, inputs in history[6 * SNAPSHOT_EVERY + 15 :]:  # one at a time: one more, at 140
        bus.handle(kind, channel="test", **inputs)
    performance = bus.apps["performance"]
    ladder_id = StarLadder.id_for(employee)
    read_afresh_next(performance, ladder_id)
    read_afresh = performance.find(ladder_id)
    snapshots = list(performance.snapshots.get(ladder_id))
    replayed = None
    for event in performance.repository.event_store.get(ladder_id):
        replayed = event.mutate(replayed)

    assert read_afresh.version == 7 * SNAPSHOT_EVERY + 16
    assert [s.originator_version for s in snapshots] == [7 * SNAPSHOT_EVERY]  # the latest only
    assert replayed is not None and read_afresh.assessed_weeks  # weeks were forgotten
    assert {k: v for k, v in vars(read_afresh).items() if k != "_pending_events"} == {
        k: v for k, v in vars(replayed).items() if k != "_pending_events"
    }


def test_a_learner_record_forgets_old_commands_and_still_answers_their_retries(
    bus, database_url
) -> None:
    employee = new_id()
    hire(bus, employee)
    day = dt.date(2026, 1, 5)
    courses = [passed(employee, f"C-{n}", day) for n in range(LEARNER_COMMANDS_KEPT + 5)]
    outcomes = bus.handle_many(courses, channel="test")
    record_id = LearnerRecord.id_for(employee)
    events = stored(database_url, "learning_events", record_id)
    read_afresh_next(bus.apps["learning"], record_id)

    again = bus.handle(TRAINING_PASSED, channel="test", **courses[0][1])

    assert again.duplicate and again.event_id == outcomes[0].event_id
    assert stored(database_url, "learning_events", record_id) == events
    record = bus.apps["learning"].find(record_id)
    assert len(record.commands) == LEARNER_COMMANDS_KEPT
    assert len(record.passed) == LEARNER_COMMANDS_KEPT + 5
