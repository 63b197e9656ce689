"""AerieRecorder keeps the library's application recorder contract, on a real PostgreSQL.

The library's own test cases (``eventsourcing.tests.persistence``) run against
``AerieRecorder``, except where it deliberately differs: its notification ids
can commit out of order, so ``subscribe`` is refused and concurrent appends may
interleave their ids. The library's ``AggregateRecorderTestCase`` is not run:
it asserts that ``insert_events`` returns ``None``, the contract of an
aggregate recorder, whereas application recorders return notification ids.

The tests after the contract check what readers rely on: ``select_notifications``
returns only the committed prefix, and applications share one pool.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar
from unittest import TestCase, skip

import psycopg
import pytest
from aerie_services.platform.eventstore import (
    AerieRecorder,
    SharedDatastoreFactory,
    SubscriptionNotSupported,
    open_datastore,
)
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests import persistence as contract
from eventsourcing.utils import Environment, get_topic
from psycopg.sql import SQL, Identifier

TABLE = "contract_events"


def drop_tables(database_url: str) -> None:
    """Drop every table of the public schema and the stored event type (with its functions)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        for (table,) in tables:
            conn.execute(SQL("DROP TABLE IF EXISTS public.{} CASCADE").format(Identifier(table)))
        conn.execute("DROP TYPE IF EXISTS public.stored_event_uuid CASCADE")


@pytest.fixture(scope="module")
def contract_database_url(fresh_database: Callable[[str], str]) -> str:
    return fresh_database("recorder_contract")


class OnFreshTables(TestCase):
    """Each test gets empty tables and a datastore of its own, as in the library's suite."""

    database_url: str
    pool_size: ClassVar[int] = 2
    max_overflow: ClassVar[int] = 10

    @pytest.fixture(autouse=True)
    def _database(self, contract_database_url: str) -> None:
        self.database_url = contract_database_url

    def setUp(self) -> None:
        super().setUp()
        drop_tables(self.database_url)
        self.datastore = open_datastore(
            self.database_url, pool_size=self.pool_size, max_overflow=self.max_overflow
        )

    def tearDown(self) -> None:
        self.datastore.close()
        drop_tables(self.database_url)
        super().tearDown()

    def create_recorder(self) -> AerieRecorder:
        recorder = AerieRecorder(self.datastore, events_table_name=TABLE)
        recorder.create_table()
        return recorder


class TestAerieRecorderKeepsTheApplicationRecorderContract(
    OnFreshTables, contract.ApplicationRecorderTestCase[AerieRecorder]
):
    @skip("a timing benchmark of the library's suite: it prints a rate and asserts nothing")
    def test_performance(self) -> None:
        pass

    @skip("a throughput benchmark of the library's suite: it prints a rate and asserts nothing")
    def test_concurrent_throughput(self) -> None:
        pass

    def optional_test_insert_subscribe(self, initial_position: int = 0) -> None:
        """A library subscription is refused, pointing the caller to ``CommittedLog``.

        The library's subscription follows the log by LISTEN and polling; with
        ids committing out of order it would stall after an aborted append until
        the next write. Readers go through ``committed.CommittedLog`` instead.
        """
        recorder = self.create_recorder()
        with self.assertRaises(SubscriptionNotSupported) as refused:
            recorder.subscribe(gt=initial_position)
        self.assertIsInstance(refused.exception, NotImplementedError)
        self.assertIn("CommittedLog", str(refused.exception))

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestConcurrentAppendsLoseNoNotification(
    OnFreshTables, contract.NonInterleavingNotificationIDsBaseCase
):
    insert_num = 300

    def test(self) -> None:
        """Concurrent appends may interleave their ids, but each keeps its order and none is lost.

        The library's test asserts that two concurrent appends get disjoint
        ranges of ids, which only its table lock guarantees. AerieRecorder
        appends without that lock on purpose; readers of the committed prefix
        need only that every id is read once, in id order.
        """
        recorder = self.create_recorder()
        stacks = [self.create_stack(self.new_originator_id()) for _ in range(2)]
        race_started = threading.Event()
        ids: dict[int, list[int]] = {}

        def append(number: int) -> None:
            race_started.wait()
            ids[number] = list(recorder.insert_events(stacks[number]))

        threads = [threading.Thread(target=append, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        race_started.set()
        for thread in threads:
            thread.join()

        notifications = recorder.select_notifications(start=None, limit=3 * self.insert_num)
        for number, stack in enumerate(stacks):
            self.assertEqual(ids[number], sorted(ids[number]))
            read = [n for n in notifications if n.originator_id == stack[0].originator_id]
            self.assertEqual([n.id for n in read], ids[number])
            self.assertEqual([n.originator_version for n in read], list(range(self.insert_num)))
        self.assertEqual(len(notifications), 2 * self.insert_num)


# What readers of the log and the applications of a process rely on.

APPEND = f"SELECT aerie_append_{TABLE}(ARRAY[ROW(%s, 1, %s, '\\x7b7d'::bytea)::stored_event_uuid])"


@pytest.fixture
def datastore(fresh_database: Callable[[str], str]) -> Iterator[PostgresDatastore]:
    url = fresh_database("recorder_reads")
    drop_tables(url)
    datastore = open_datastore(url, pool_size=1, max_overflow=3)
    yield datastore
    datastore.close()


@pytest.fixture
def recorder(datastore: PostgresDatastore) -> AerieRecorder:
    recorder = AerieRecorder(datastore, events_table_name=TABLE, settle_timeout=0.3)
    recorder.create_table()
    return recorder


@pytest.fixture
def url(fresh_database: Callable[[str], str]) -> str:
    return fresh_database("recorder_reads")


def append(conn: psycopg.Connection[Any], topic: str = "test") -> int:
    row = conn.execute(APPEND, (uuid.uuid4(), topic)).fetchone()
    assert row is not None
    return int(row[0])


def ids(recorder: AerieRecorder, **selection: Any) -> list[int]:
    selection = {"start": None, "limit": 100, **selection}
    return [n.id for n in recorder.select_notifications(**selection)]


def test_select_notifications_never_returns_an_id_committed_after_one_still_in_flight(
    recorder: AerieRecorder, url: str
) -> None:
    with psycopg.connect(url) as slow, psycopg.connect(url, autocommit=True) as fast:
        first = append(fast)
        in_flight = append(slow)  # transaction left open
        later = append(fast)
        assert ids(recorder) == [first]
        assert ids(recorder, start=first, inclusive_of_start=False) == []
        slow.commit()
    assert ids(recorder) == [first, in_flight, later]


def test_select_notifications_filtered_by_topic_never_passes_an_id_still_in_flight(
    recorder: AerieRecorder, url: str
) -> None:
    with psycopg.connect(url) as slow, psycopg.connect(url, autocommit=True) as fast:
        append(slow, topic="other")
        later = append(fast, topic="wanted")
        assert ids(recorder, topics=["wanted"]) == []
        slow.commit()
    assert ids(recorder, topics=["wanted"]) == [later]


def test_select_notifications_waits_for_an_id_in_flight_and_then_returns_it(
    datastore: PostgresDatastore, url: str
) -> None:
    recorder = AerieRecorder(datastore, events_table_name=TABLE, settle_timeout=5.0)
    recorder.create_table()
    with psycopg.connect(url) as slow, psycopg.connect(url, autocommit=True) as fast:
        in_flight = append(slow)
        later = append(fast)
        committer = threading.Timer(0.3, slow.commit)
        committer.start()
        started = time.monotonic()
        assert ids(recorder) == [in_flight, later]
        assert time.monotonic() - started < 3
        committer.join()


def test_select_notifications_steps_over_the_ids_of_an_aborted_append(
    recorder: AerieRecorder, url: str
) -> None:
    with psycopg.connect(url) as aborting, psycopg.connect(url, autocommit=True) as fast:
        append(aborting)
        kept = append(fast)
        aborting.rollback()
    assert ids(recorder) == [kept]


def test_select_notifications_respects_stop_across_a_rejected_append(
    recorder: AerieRecorder,
) -> None:
    event = StoredEvent(originator_id=uuid.uuid4(), originator_version=1, topic="t", state=b"{}")
    [first] = recorder.insert_events([event])
    with pytest.raises(IntegrityError):
        recorder.insert_events([event])  # draws an id that is never used
    [second, third] = recorder.insert_events(
        [StoredEvent(uuid.uuid4(), 1, "t", b"{}"), StoredEvent(uuid.uuid4(), 1, "t", b"{}")]
    )
    assert second == first + 2
    assert ids(recorder) == [first, second, third]
    assert ids(recorder, stop=second) == [first, second]
    assert ids(recorder, start=first, stop=second, inclusive_of_start=False) == [second]


class Ledger(Aggregate):
    @event("Opened")
    def __init__(self, name: str) -> None:
        self.name = name


def application_on(datastore: PostgresDatastore, name: str, **env: str) -> Application[Any]:
    class OnSharedPool(Application[Any]):
        def construct_factory(self, env: Environment) -> SharedDatastoreFactory:
            return SharedDatastoreFactory(env, datastore)

    OnSharedPool.name = name
    return OnSharedPool(env=env)


def backends(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_applications_on_the_shared_factory_use_one_pool_and_their_own_tables(
    fresh_database: Callable[[str], str],
) -> None:
    url = fresh_database("shared_pool")
    datastore = open_datastore(url, pool_size=1, max_overflow=0)
    try:
        alpha, beta = application_on(datastore, "Alpha"), application_on(datastore, "Beta")
        for app in (alpha, beta):
            ledger = Ledger(name=app.name)
            app.save(ledger)
            assert app.repository.get(ledger.id).name == app.name
        assert isinstance(alpha.recorder, AerieRecorder)
        assert isinstance(beta.recorder, AerieRecorder)
        assert alpha.recorder.datastore is beta.recorder.datastore is datastore
        assert alpha.recorder.events_table_name == "alpha_events"
        assert beta.recorder.events_table_name == "beta_events"
        assert [n.topic for n in alpha.notification_log.select(start=1, limit=10)] == [
            get_topic(Ledger.Opened)
        ]
        assert backends(url) == 1
        alpha.close()
        assert len(beta.notification_log.select(start=1, limit=10)) == 1
    finally:
        datastore.close()


def test_the_shared_factory_creates_no_table_when_create_table_is_off(
    fresh_database: Callable[[str], str],
) -> None:
    url = fresh_database("shared_pool_no_tables")
    datastore = open_datastore(url, pool_size=1, max_overflow=0)
    try:
        app = application_on(datastore, "Gamma", CREATE_TABLE="n")
        assert isinstance(app.recorder, AerieRecorder)
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT to_regclass('gamma_events')").fetchone()
        assert row == (None,)
    finally:
        datastore.close()
