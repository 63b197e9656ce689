"""Writers append without a table lock; the relay's reader must never pass an id still in flight."""

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_services.platform.committed import CommittedLog

from tests.conftest import write_side

TABLE = "learning_events"
APPEND = (
    "SELECT aerie_append_learning_events("
    "ARRAY[ROW(%s, 1, 'test', '\\x7b7d'::bytea)::stored_event_uuid])"
)


@pytest.fixture(scope="module")
def url(fresh_database: Any) -> Iterator[str]:
    url = fresh_database("committed")
    write_side(url).close()
    yield url


@pytest.fixture
def reader(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def log() -> CommittedLog:
    return CommittedLog(TABLE, "notification_id", ["notification_id", "originator_id"])


def append(conn: psycopg.Connection[Any]) -> int:
    return conn.execute(APPEND, (uuid.uuid4(),)).fetchone()[0]


def last_position(conn: psycopg.Connection[Any]) -> int:
    return conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM {TABLE}").fetchone()[0]


def test_an_id_still_in_flight_holds_back_the_ids_committed_after_it(url, reader) -> None:
    committed_log = log()
    start = last_position(reader)
    with psycopg.connect(url) as slow, psycopg.connect(url, autocommit=True) as fast:
        in_flight = append(slow)  # transaction left open
        later = append(fast)
        held = committed_log.read(reader, start, 100)
        assert later > in_flight
        assert held.rows == [] and held.position == start
        slow.commit()
    released = committed_log.read(reader, start, 100)
    assert [r["notification_id"] for r in released.rows] == [in_flight, later]
    assert released.position == later


def test_ids_of_an_aborted_append_are_stepped_over_once_their_writer_ended(url, reader) -> None:
    committed_log = log()
    start = last_position(reader)
    with psycopg.connect(url) as aborting, psycopg.connect(url, autocommit=True) as other:
        lost = append(aborting)
        kept = append(other)
        assert committed_log.read(reader, start, 100).position == start
        aborting.rollback()
    assert lost < kept
    passed = committed_log.read(reader, start, 100)
    assert [r["notification_id"] for r in passed.rows] == [kept]
    assert passed.position == kept


def test_a_rejected_duplicate_append_leaves_a_gap_the_reader_passes(url, reader) -> None:
    committed_log = log()
    start = last_position(reader)
    aggregate = uuid.uuid4()
    first = reader.execute(APPEND, (aggregate,)).fetchone()[0]
    with pytest.raises(psycopg.errors.UniqueViolation):
        reader.execute(APPEND, (aggregate,))
    after = append(reader)
    rows = []
    position = start
    for _ in range(3):  # the first read notes the gap, the next steps over it
        batch = committed_log.read(reader, position, 100)
        rows += batch.rows
        position = batch.position
    assert [r["notification_id"] for r in rows] == [first, after]
    assert position == after
