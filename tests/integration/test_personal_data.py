"""Personal fields are sealed per person in the store; destroying the key erases them."""

from contextlib import nullcontext
from typing import Any

import psycopg
from aerie_events.codec import EventCodec
from aerie_services.platform.committed import CommittedLog
from aerie_services.platform.keyring import PostgresKeyRing
from aerie_services.platform.relay import STORED_COLUMNS, ContextEvents

from tests.conftest import hire, new_id


def stored_hire(database_url: str, employee_id: str) -> Any:
    with psycopg.connect(database_url, autocommit=True) as conn:
        position = conn.execute(
            "SELECT notification_id - 1 FROM people_events WHERE convert_from(state, 'UTF8') "
            "LIKE %s ORDER BY notification_id LIMIT 1",
            (f'%"employee_id":"{employee_id}"%',),
        ).fetchone()[0]
        rows = CommittedLog("people_events", "notification_id", STORED_COLUMNS).read(
            conn, position, 1
        )
        keys = PostgresKeyRing(lambda: nullcontext(conn))
        return ContextEvents("people", EventCodec(), lambda: keys).envelopes(rows.rows)[0]


def test_a_name_is_stored_sealed_and_read_back_in_clear(bus: Any, database_url: str) -> None:
    employee = new_id()
    hire(bus, employee, "Zhao Xiaoling", site_id="site-pd")
    with psycopg.connect(database_url) as conn:
        states = [bytes(s) for (s,) in conn.execute("SELECT state FROM people_events")]
    assert not any(b"Zhao Xiaoling" in state for state in states)
    assert stored_hire(database_url, employee).payload["display_name"] == "Zhao Xiaoling"


def test_destroying_a_persons_key_erases_their_name_and_nobody_elses(
    bus: Any, side: Any, database_url: str
) -> None:
    forgotten, kept = new_id(), new_id()
    hire(bus, forgotten, "Qian Duoduo", site_id="site-pd")
    hire(bus, kept, "Sun Lili", site_id="site-pd")
    assert side.keys.destroy(forgotten)
    erased = stored_hire(database_url, forgotten)
    assert erased.payload["display_name"] is None
    assert erased.payload["team_id"] == "team-1"
    assert stored_hire(database_url, kept).payload["display_name"] == "Sun Lili"
