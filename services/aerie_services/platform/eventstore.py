"""How events are appended to a context's table and read back: no table lock, committed prefix.

The library's default PostgreSQL recorder takes an ``EXCLUSIVE`` lock on the
events table for every insert, so that notification ids commit in order; that
serialises every writer of a context behind one commit at a time. Its
database-function option drops the lock, but names its insert function after
the id type only, so several applications in one schema overwrite each other's
function, and it draws notification ids before the transaction has an id.

``AerieRecorder`` appends through a function of its own per table, called in
autocommit: one round trip and one short transaction per save, writers in
parallel. The function first takes a transaction id (``pg_current_xact_id()``)
and only then draws notification ids. So whoever holds a notification id that
is not yet visible is listed as in progress in any later snapshot, which is
what lets readers of the log (``committed.CommittedLog``) tell an id that may
still commit from one that never will.

Because ids can commit out of order, every reader of the log reads the
committed prefix: ``AerieRecorder.select_notifications`` does, and
``AerieRecorder.subscribe`` refuses (read through ``CommittedLog`` instead).

All applications of a process share one connection pool: ``open_datastore``
makes it, and ``SharedDatastoreFactory`` hands it to each application.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    BaseInfrastructureFactory,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
    Subscription,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment, EnvType, resolve_topic, retry
from psycopg import Connection
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row, tuple_row
from psycopg.sql import SQL, Composed, Identifier, Literal

from aerie_services.kit.errors import CommandAlreadyRecorded, CommandIdReused
from aerie_services.platform.committed import CommittedLog
from aerie_services.platform.storage import COMMAND_IDS_CONSTRAINT, COMMAND_IDS_TABLE

RECORDER_TOPIC = "aerie_services.platform.eventstore:AerieRecorder"

NOTIFICATION_COLUMNS = ["notification_id", "originator_id", "originator_version", "topic", "state"]
TOPIC_SCAN_ROWS = 500  # rows read per round trip while filtering by topic
RECORDED_HINT = "recorded"
"""The append's hint when a command was recorded before, as another event: a retry."""


class SubscriptionNotSupported(NotImplementedError):
    """``AerieRecorder`` offers no library subscription; read through ``CommittedLog``."""


class AerieRecorder(PostgresApplicationRecorder):
    """An application recorder that appends without locking the table.

    Contract, beyond the library's ``ApplicationRecorder``:

    - ``insert_events`` is one autocommit statement through the table's own
      append function; it returns the notification ids in the events' order,
      stores nothing and raises the library's ``IntegrityError`` on a clash of
      (originator id, version), and notifies the channel named after the table.
    - ``select_notifications`` returns only the committed prefix: never an id
      beyond one that may still commit. It may return fewer rows than exist.
    - ``subscribe`` raises ``SubscriptionNotSupported``.
    - ``max_notification_id`` is the largest committed id, which may lie beyond
      the committed prefix: it is no position to continue reading from.

    ``settle_timeout`` bounds how long one ``select_notifications`` call waits
    for the transactions that could still fill a missing id.
    """

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        settle_timeout: float = 3.0,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.settle_timeout = settle_timeout
        self.append_function = f"aerie_append_{events_table_name}"
        self.check_identifier_length(self.append_function)
        schema = Identifier(self.datastore.schema)
        function = Identifier(self.append_function)
        self.append_statement = SQL("SELECT {schema}.{function}(%b) AS notification_id").format(
            schema=schema, function=function
        )
        self.create_append_function_statement: Composed = SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event_type}[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "DECLARE reused text; ids text[]; digests text[]; owners uuid[]; versions int[]; "
            "BEGIN "
            "  PERFORM pg_current_xact_id(); "
            "  NOTIFY {channel}; "
            "  RETURN QUERY INSERT INTO {schema}.{table} "
            "    (originator_id, originator_version, topic, state) "
            "    SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "    RETURNING notification_id; "
            "  SELECT array_agg(meta->>'command_id'), array_agg(meta->>'digest'), "
            "    array_agg(originator_id), array_agg(originator_version) "
            "    INTO ids, digests, owners, versions FROM unnest(events) AS e, "
            "    LATERAL (SELECT CASE WHEN get_byte(e.state, 0) = 123 "  # '{': the platform's JSON
            "      THEN convert_from(e.state, 'UTF8')::json->'meta' END AS meta) AS m "
            "    WHERE meta->>'command_id' IS NOT NULL; "
            "  IF ids IS NULL THEN RETURN; END IF; "
            "  INSERT INTO {commands} (command_id, digest, events_table, originator_id, "
            "    originator_version) SELECT DISTINCT ON (g.id) g.id, g.digest, {table_name}, "
            "    g.owner, g.version FROM unnest(ids, digests, owners, versions) "
            "    AS g(id, digest, owner, version) ORDER BY g.id, g.version "
            "    ON CONFLICT (command_id) DO NOTHING; "
            "  SELECT g.id INTO reused FROM unnest(ids, digests) AS g(id, digest) "
            "    JOIN {commands} AS c ON c.command_id = g.id WHERE c.digest <> g.digest LIMIT 1; "
            "  IF reused IS NOT NULL THEN "
            "    RAISE EXCEPTION 'command id % was already used for a different command', reused "
            "      USING ERRCODE = 'unique_violation', CONSTRAINT = {constraint}, DETAIL = reused; "
            "  END IF; "
            # The same command, recorded before as another event: a retry its aggregate forgot.
            "  SELECT g.id INTO reused FROM unnest(ids, digests) AS g(id, digest) "
            "    JOIN {commands} AS c ON c.command_id = g.id WHERE c.digest = g.digest "
            "    AND (c.originator_id, c.originator_version) NOT IN "
            "      (SELECT b.owner, b.version FROM unnest(owners, versions) AS b(owner, version)) "
            "    LIMIT 1; "
            "  IF reused IS NOT NULL THEN "
            "    RAISE EXCEPTION 'command % was already recorded', reused "
            "      USING ERRCODE = 'unique_violation', CONSTRAINT = {constraint}, DETAIL = reused, "
            "      HINT = {recorded}; "
            "  END IF; "
            "END; $BODY$"
        ).format(
            schema=schema,
            function=function,
            event_type=Identifier(self.stored_event_type_name),
            channel=Identifier(self.channel_name),
            table=Identifier(self.events_table_name),
            table_name=Literal(self.events_table_name),
            commands=Identifier(COMMAND_IDS_TABLE),
            constraint=Literal(COMMAND_IDS_CONSTRAINT),
            recorded=Literal(RECORDED_HINT),
        )

    def create_table(self) -> None:
        """Create the library's table, index and type, then this table's append function."""
        super().create_table()
        self.create_append_function()

    def create_append_function(self) -> None:
        """(Re)create the append function: it also registers each event's command id."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.create_append_function_statement, prepare=False)

    def register_command_ids(self) -> None:
        """Register the command ids of events stored before ids were unique platform-wide.

        The first use of an id is kept; an id reused earlier keeps its first command.
        """
        self.create_append_function()
        statement = SQL(
            "INSERT INTO {commands} (command_id, digest, events_table, originator_id, "
            "originator_version) SELECT DISTINCT ON (meta->>'command_id') meta->>'command_id', "
            "meta->>'digest', {table_name}, originator_id, originator_version FROM {table}, "
            "LATERAL (SELECT CASE WHEN get_byte(state, 0) = 123 "
            "THEN convert_from(state, 'UTF8')::jsonb->'meta' END AS meta) AS m "
            "WHERE meta ? 'command_id' "
            "ORDER BY meta->>'command_id', notification_id "
            "ON CONFLICT (command_id) DO NOTHING"
        ).format(
            commands=Identifier(COMMAND_IDS_TABLE),
            table_name=Literal(self.events_table_name),
            table=Identifier(self.events_table_name),
        )
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(statement, prepare=False)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int]:
        """Append ``stored_events`` atomically; return their notification ids in order.

        A clash on (originator id, version) raises the library's
        ``IntegrityError`` and stores nothing; a command id already used, anywhere
        on the platform, for a different command raises ``CommandIdReused``; the same
        command recorded before as another event (a retry its aggregate no longer
        remembers) raises ``CommandAlreadyRecorded`` and stores nothing.
        """
        if not stored_events:
            return []
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                curs.execute(self.append_statement, (rows,), prepare=True)
            except psycopg.errors.UniqueViolation as error:
                if error.diag.constraint_name == COMMAND_IDS_CONSTRAINT:
                    command_id = error.diag.message_detail or ""
                    if error.diag.message_hint == RECORDED_HINT:
                        raise CommandAlreadyRecorded(command_id) from None
                    raise CommandIdReused(command_id) from None
                raise
            return [row["notification_id"] for row in curs.fetchall()]

    def recorded_command(self, command_id: str) -> tuple[str, UUID, int, int] | None:
        """(digest, aggregate id, version, notification id) of the event ``command_id``
        recorded in this table, or ``None`` (unknown, or recorded in another context's)."""
        statement = SQL(
            "SELECT c.digest, c.originator_id, c.originator_version, e.notification_id "
            "FROM {commands} AS c JOIN {schema}.{table} AS e "
            "ON e.originator_id = c.originator_id AND e.originator_version = c.originator_version "
            "WHERE c.command_id = %s AND c.events_table = %s"
        ).format(
            commands=Identifier(COMMAND_IDS_TABLE),
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
        )
        with self.datastore.get_connection() as conn:
            row = conn.execute(statement, (command_id, self.events_table_name)).fetchone()
        if row is None:
            return None
        return (
            row["digest"],
            row["originator_id"],
            row["originator_version"],
            row["notification_id"],
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """Up to ``limit`` notifications of the committed prefix from ``start``, in id order.

        ``start``, ``stop``, ``topics`` and ``inclusive_of_start`` select as in
        the library. The prefix stops at the first missing id that may still
        commit; the call waits up to ``settle_timeout`` for the transactions
        that could hold it to end (then the id is either there or known never
        to come) and otherwise returns what lies before it. So a caller that
        continues from the last id returned never misses a notification.
        """
        after = 0 if start is None else max(0, start - 1 if inclusive_of_start else start)
        if limit <= 0 or (stop is not None and stop <= after):
            return []
        wanted = set(topics)
        log = CommittedLog(self.events_table_name, "notification_id", NOTIFICATION_COLUMNS)
        deadline = time.monotonic() + self.settle_timeout
        pause = 0.0
        found: list[Notification] = []
        with self.datastore.get_connection() as conn, self._reading(conn):
            while True:
                chunk = TOPIC_SCAN_ROWS if wanted else limit - len(found)
                if stop is not None:
                    chunk = min(chunk, stop - after)
                batch = log.read(conn, after, chunk)
                for row in batch.rows:
                    if stop is not None and row["notification_id"] > stop:
                        return found
                    if not wanted or row["topic"] in wanted:
                        found.append(_notification(row))
                        if len(found) == limit:
                            return found
                after = batch.position
                if stop is not None and after >= stop:
                    return found
                if not log.waiting:
                    if len(batch.rows) < chunk:
                        return found  # the end of the log
                    pause = 0.0
                    continue
                if time.monotonic() + pause >= deadline:
                    return found
                time.sleep(pause)
                pause = min(max(2 * pause, 0.002), 0.05)

    @contextmanager
    def _reading(self, conn: Connection[DictRow]) -> Iterator[None]:
        """Let ``CommittedLog`` use a pooled connection: tuple rows, this schema first."""
        row = conn.execute(
            "SELECT current_setting('search_path') AS previous, "
            "set_config('search_path', %s, false)",
            (Identifier(self.datastore.schema).as_string(conn),),
        ).fetchone()
        previous = row["previous"] if row else "public"
        conn.row_factory = tuple_row  # type: ignore[assignment]
        try:
            yield
        finally:
            conn.row_factory = dict_row
            with suppress(psycopg.Error):  # a broken connection leaves the pool anyway
                conn.execute("SELECT set_config('search_path', %s, false)", (previous,))

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        """Refuse: a library subscription could stall on an aborted id or be misused."""
        raise SubscriptionNotSupported(
            f"{type(self).__name__} does not offer subscribe(): notification ids of "
            f"{self.events_table_name!r} can commit out of order. Read the log through "
            "aerie_services.platform.committed.CommittedLog (or poll select_notifications, which "
            "returns only the committed prefix) and wait on LISTEN "
            f"{self.channel_name!r} for new events."
        )


def _notification(row: dict[str, Any]) -> Notification:
    return Notification(
        id=row["notification_id"],
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def open_datastore(
    database_url: str, *, pool_size: int, max_overflow: int, schema: str = ""
) -> PostgresDatastore:
    """The process's one PostgreSQL datastore (one psycopg pool) for ``database_url``.

    The pool keeps ``pool_size`` connections and opens up to ``max_overflow``
    more under load; connections are made on first use. Its owner closes it
    (``datastore.close()``) when the process is done with every application.
    """
    parts = conninfo_to_dict(database_url)
    return PostgresDatastore(
        dbname=str(parts.get("dbname", "postgres")),
        host=str(parts.get("host", "127.0.0.1")),
        port=str(parts.get("port", "5432")),
        user=str(parts.get("user", "postgres")),
        password=str(parts.get("password", "")),
        connect_timeout=30,
        idle_in_transaction_session_timeout=5,
        pool_size=pool_size,
        max_overflow=max_overflow,
        lock_timeout=10,
        schema=schema,
    )


class SharedDatastoreFactory(PostgresFactory):
    """A library infrastructure factory that uses a datastore it is given.

    Several applications that return one from ``construct_factory`` share one
    ``PostgresDatastore`` (one connection pool) instead of opening one each::

        datastore = open_datastore(url, pool_size=4, max_overflow=4)

        class Learning(Application):
            def construct_factory(self, env):
                return SharedDatastoreFactory(env, datastore)

    Its application recorder is an ``AerieRecorder`` on ``<app name>_events``
    (``APPLICATION_RECORDER_TOPIC`` may name a subclass of it); tables are
    created unless ``CREATE_TABLE`` is false, as with the library's factory.
    The ``POSTGRES_*`` connection settings are not read: the datastore has them.
    Closing an application leaves the shared datastore open; its owner closes it.
    """

    application_recorder_class = AerieRecorder

    def __init__(self, env: Environment | EnvType | None, datastore: PostgresDatastore) -> None:
        # Not PostgresFactory.__init__: it would build a datastore (a pool) of its own.
        BaseInfrastructureFactory.__init__(self, env)
        self.datastore = datastore

    def application_recorder(self) -> AerieRecorder:
        topic = self.env.get(self.APPLICATION_RECORDER_TOPIC)
        recorder_class = resolve_topic(topic) if topic else type(self).application_recorder_class
        if not (isinstance(recorder_class, type) and issubclass(recorder_class, AerieRecorder)):
            msg = f"{self.APPLICATION_RECORDER_TOPIC}={topic!r} does not name an AerieRecorder"
            raise TypeError(msg)
        recorder = recorder_class(
            datastore=self.datastore,
            events_table_name=f"{self.env.name.lower() or 'stored'}_events",
        )
        if self.env_create_table():
            recorder.create_table()
        return recorder

    def __enter__(self) -> SharedDatastoreFactory:
        BaseInfrastructureFactory.__enter__(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Leave the shared datastore open."""
        BaseInfrastructureFactory.__exit__(self, *exc_info)

    def close(self) -> None:
        """Leave the shared datastore open: other applications use it."""
