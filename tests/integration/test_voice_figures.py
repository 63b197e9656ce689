"""The escalations projection's figures on the real PostgreSQL, to the exact value.

Five issues over two weeks (times UTC), each figure worked out by hand:

- A (hr): raised Mon 2 March 09:00, due 17:00; replied 11:00, accepted, resolved 15:00.
- B (hr): raised 09:00, due 13:00; escalated overdue at 13:00; leadership replied 15:00;
  rejected and escalated again at 16:00; leadership replied 18:00, accepted; resolved
  Tue 09:00. Breached: its reply was late, though its last breach is the rejection.
- C (hr): raised Mon 9 March 10:00, due 18:00; replied 20:00 (late, before any escalation);
  rejected Tue 10:00 and escalated; leadership owes a reply by 18:00 that day.
- D (it): raised 10:00, due Thu 12 March 10:00; never answered.
- E (it, suggestion): raised 11:00; replied 12:00 in public, accepted; adopted and resolved
  Tue 12:00.
- G (it): raised 12:00, due 18:00; replied 13:00, rejected 14:00, and no escalation was
  recorded (none could be: no leadership was published yet, say).

Each is applied once in one batch and once an event at a time: the rows must not depend
on where batches begin and end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.voice import (
    DEPARTMENT_PUBLISHED,
    ISSUE_ESCALATED,
    ISSUE_RAISED,
    ISSUE_REPLIED,
    ISSUE_RESOLVED,
    SUGGESTION_ADOPTED,
)
from aerie_events.envelope import Envelope
from aerie_projections.escalations import queries
from aerie_projections.escalations.views import TABLES, EscalationsProjection

from tests.envelopes import envelope, migrate, read_with

PROJECTION = EscalationsProjection()
NOW = dt.datetime(2026, 3, 13, 12, 0, tzinfo=dt.UTC)
SINCE = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
DAY = {"Mon2": "2026-03-02", "Tue3": "2026-03-03", "Mon9": "2026-03-09", "Tue10": "2026-03-10"}


def at(day: str, hour: int) -> str:
    return f"{DAY[day]}T{hour:02d}:00:00+00:00"


class Story:
    """The events of the scenario, in log order."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []

    def add(self, type_name: str, moment: str, **payload: Any) -> None:
        position = len(self.events) + 1
        self.events.append(
            envelope(type_name, payload, occurred_at=moment, position=position, employee_id="A-1")
        )

    def department(self, department_id: str, leadership: bool = False) -> None:
        self.add(
            DEPARTMENT_PUBLISHED,
            at("Mon2", 0),
            department_id=department_id,
            version=1,
            name=department_id,
            scope="All",
            contact_email=f"{department_id}@aerie.example",
            leadership=leadership,
            reply_within={"urgent": 60, "high": 120, "normal": 480, "low": 960},
        )

    def raised(self, issue: str, department: str, moment: str, due: str, kind: str = "issue"):
        self.add(
            ISSUE_RAISED,
            moment,
            issue_id=issue,
            kind=kind,
            department=department,
            priority="normal",
            anonymous=False,
            title="T",
            description="D",
            reply_due_at=due,
        )

    def replied(self, issue: str, number: int, department: str, moment: str, public=False):
        self.add(
            ISSUE_REPLIED,
            moment,
            issue_id=issue,
            reply_number=number,
            department=department,
            visibility="public" if public else "private",
            text="R",
        )

    def answered(self, issue: str, number: int, outcome: str, moment: str) -> None:
        self.add(f"issue.{outcome}", moment, issue_id=issue, reply_number=number, anonymous=False)

    def escalated(self, issue: str, reason: str, moment: str, breach: str, due: str | None):
        self.add(
            ISSUE_ESCALATED,
            moment,
            issue_id=issue,
            reason=reason,
            breach_at=breach,
            from_department="hr",
            to_department="leadership",
            priority="normal",
            reply_due_at=due,
            escalation_number=1,
        )


def scenario() -> list[Envelope]:
    s = Story()
    for department in ("hr", "it"):
        s.department(department)
    s.department("leadership", leadership=True)
    s.raised("A", "hr", at("Mon2", 9), at("Mon2", 17))
    s.raised("B", "hr", at("Mon2", 9), at("Mon2", 13))
    s.replied("A", 1, "hr", at("Mon2", 11))
    s.answered("A", 1, "accepted", at("Mon2", 12))
    s.escalated("B", "overdue", at("Mon2", 13), at("Mon2", 13), at("Tue3", 9))
    s.add(ISSUE_RESOLVED, at("Mon2", 15), issue_id="A")
    s.replied("B", 1, "leadership", at("Mon2", 15))
    s.answered("B", 1, "rejected", at("Mon2", 16))
    s.escalated("B", "rejected", at("Mon2", 16), at("Mon2", 16), at("Tue3", 12))
    s.replied("B", 2, "leadership", at("Mon2", 18))
    s.answered("B", 2, "accepted", at("Mon2", 19))
    s.add(ISSUE_RESOLVED, at("Tue3", 9), issue_id="B")
    s.raised("C", "hr", at("Mon9", 10), at("Mon9", 18))
    s.raised("D", "it", at("Mon9", 10), "2026-03-12T10:00:00+00:00")
    s.raised("E", "it", at("Mon9", 11), at("Mon9", 19), kind="suggestion")
    s.replied("E", 1, "it", at("Mon9", 12), public=True)
    s.replied("C", 1, "hr", at("Mon9", 20))
    s.answered("E", 1, "accepted", at("Mon9", 13))
    s.answered("C", 1, "rejected", at("Tue10", 10))
    s.escalated("C", "rejected", at("Tue10", 10), at("Tue10", 10), at("Tue10", 18))
    s.add(SUGGESTION_ADOPTED, at("Tue10", 11), issue_id="E", adopted_on="2026-03-10")
    s.add(ISSUE_RESOLVED, at("Tue10", 12), issue_id="E")
    s.raised("G", "it", at("Mon9", 12), at("Mon9", 18))
    s.replied("G", 1, "it", at("Mon9", 13))
    s.answered("G", 1, "rejected", at("Mon9", 14))
    return s.events


@pytest.fixture(scope="module")
def url(fresh_database: Callable[[str], str]) -> str:
    url = fresh_database("voicefigures")
    with psycopg.connect(url, autocommit=True) as conn:
        for schema, batches in (("aerie_read", [scenario()]), ("one_by_one", scenario())):
            migrate(conn, PROJECTION, schema)
            for batch in batches:
                apply(conn, schema, batch if isinstance(batch, list) else [batch])
    return url


def apply(conn: psycopg.Connection[Any], schema: str, envelopes: Sequence[Envelope]) -> None:
    with conn.transaction():
        for statement in PROJECTION.plan(envelopes):
            conn.execute(statement.render(schema), statement.params)


def departments(url: str) -> dict[str, dict[str, Any]]:
    rows = read_with(url, lambda conn: queries.department_figures(conn, NOW, SINCE))
    return {r["department"]: {k: v for k, v in r.items() if k != "department"} for r in rows}


def hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


def test_each_departments_figures_are_exact(url: str) -> None:
    found = departments(url)
    counts = ("issues", "open", "overdue", "breached", "escalated", "accepted", "answered")
    assert {d: tuple(f[c] for c in counts) for d, f in found.items()} == {
        "hr": (3, 0, 0, 1, 2, 1, 2),
        "it": (3, 2, 1, 0, 0, 1, 2),
        "leadership": (2, 1, 1, 0, 0, 1, 2),
    }
    times = {
        d: (hours(f["hours_to_first_reply"]), hours(f["hours_to_resolution"]))
        for d, f in found.items()
    }
    assert times == {"hr": (6.0, 15.0), "it": (1.0, 25.0), "leadership": (None, None)}


def test_each_weeks_figures_are_exact_and_a_breached_issue_never_counts_as_replied_in_time(
    url: str,
) -> None:
    weeks = read_with(url, lambda conn: queries.weekly_trends(conn, SINCE))
    assert [
        (
            str(w["week"]),
            w["raised"],
            w["suggestions"],
            w["replied_in_time"],
            w["escalated"],
            w["resolved"],
            w["adopted"],
        )
        for w in weeks
    ] == [
        ("2026-03-02", 2, 0, 1, 1, 2, 0),  # A in time; B breached, whatever its last breach
        ("2026-03-09", 4, 1, 2, 1, 1, 1),  # E, G in time; C answered after its deadline; D never
    ]


def test_escalations_list_the_overdue_the_escalated_and_a_rejected_reply_not_yet_escalated(
    url: str,
) -> None:
    rows = read_with(url, lambda conn: queries.escalations(conn, NOW, "", 100))
    assert [(r["issue_id"], r["status"]) for r in rows] == [
        ("C", "escalated"),
        ("D", "routed"),
        ("G", "rejected"),
    ]


def test_the_rows_are_the_same_whatever_the_batches_they_came_in(url: str) -> None:
    with psycopg.connect(url) as conn:
        for table in TABLES:
            order = (
                "1" if table == "voice_department" else "2" if table == "voice_comment" else "1, 2"
            )
            whole, single = (
                conn.execute(f"SELECT * FROM {schema}.{table} ORDER BY {order}").fetchall()
                for schema in ("aerie_read", "one_by_one")
            )
            assert whole == single, table


def test_an_escalation_without_a_new_deadline_clears_the_old_one(url: str) -> None:
    s = Story()
    s.raised("F", "hr", at("Mon2", 9), at("Mon2", 13))
    s.escalated("F", "overdue", at("Mon2", 13), at("Mon2", 13), None)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, PROJECTION, "clearing")
        for event in s.events:  # each in a batch of its own
            apply(conn, "clearing", [event])
        row = conn.execute(
            "SELECT status, reply_due_at FROM clearing.voice_issue WHERE issue_id = 'F'"
        ).fetchone()
    assert row == ("escalated", None)
