"""How events are appended to a context's table: one statement, no table lock.

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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

RECORDER_TOPIC = "aerie_services.eventstore:AerieRecorder"


class AerieRecorder(PostgresApplicationRecorder):
    """An application recorder that appends without locking the table."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.append_function = f"aerie_append_{events_table_name}"
        self.check_identifier_length(self.append_function)
        schema = Identifier(self.datastore.schema)
        function = Identifier(self.append_function)
        self.append_statement = SQL("SELECT {schema}.{function}(%b) AS notification_id").format(
            schema=schema, function=function
        )
        self.sql_create_statements[self.create_insert_function_statement_index] = SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event_type}[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "  PERFORM pg_current_xact_id(); "
            "  NOTIFY {channel}; "
            "  RETURN QUERY INSERT INTO {schema}.{table} "
            "    (originator_id, originator_version, topic, state) "
            "    SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "    RETURNING notification_id; "
            "END; $BODY$"
        ).format(
            schema=schema,
            function=function,
            event_type=Identifier(self.stored_event_type_name),
            channel=Identifier(self.channel_name),
            table=Identifier(self.events_table_name),
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int]:
        """Append ``stored_events`` atomically; return their notification ids in order.

        A clash on (originator id, version) raises the library's
        ``IntegrityError`` and stores nothing.
        """
        if not stored_events:
            return []
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.append_statement, (rows,), prepare=True)
            return [row["notification_id"] for row in curs.fetchall()]
