"""Given / when / then on the deadline manager's timers, notices and overdue commands."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from aerie_events.catalog.voice import ISSUE_ESCALATED, ISSUE_RAISED, ISSUE_REPRIORITISED
from aerie_events.envelope import Envelope
from aerie_projections.deadlines.manager import DeadlineManager
from aerie_projections.manager import CancelTimer, DueTimer, Timer

from tests.envelopes import envelope

MANAGER = DeadlineManager()
RAISED = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


def event(
    kind: str, at: dt.datetime, recorded: dt.datetime | None = None, **payload: Any
) -> Envelope:
    return envelope(
        kind,
        {"issue_id": "IS-1", **payload},
        occurred_at=at.isoformat(),
        recorded_at=(recorded or at + dt.timedelta(milliseconds=20)).isoformat(),
        employee_id="A-1",
    )


def raised(at: dt.datetime, due: dt.datetime, recorded: dt.datetime | None = None) -> Envelope:
    return event(
        ISSUE_RAISED,
        at,
        recorded,
        department="hr",
        priority="normal",
        anonymous=False,
        reply_due_at=due.isoformat(),
    )


def test_an_issue_made_urgent_after_its_new_deadline_passed_fires_at_once() -> None:
    two_hours_later = RAISED + dt.timedelta(hours=2)
    urgent_due = RAISED + dt.timedelta(hours=1)  # one working hour from the raise: already past
    moved = event(
        ISSUE_REPRIORITISED,
        two_hours_later,
        priority="urgent",
        reason="Affects a whole team",
        reply_due_at=urgent_due.isoformat(),
    )

    (timer,) = MANAGER.timers([moved])

    assert isinstance(timer, Timer)
    assert timer.due_at == urgent_due.isoformat()


def test_history_loaded_after_its_deadline_passed_sets_no_timer() -> None:
    loaded = RAISED + dt.timedelta(days=40)
    (change,) = MANAGER.timers([raised(RAISED, RAISED + dt.timedelta(hours=8), loaded)])
    assert isinstance(change, CancelTimer)


def test_history_loaded_before_its_deadline_is_watched() -> None:
    loaded = RAISED + dt.timedelta(days=2)
    due = RAISED + dt.timedelta(days=5)
    (timer,) = MANAGER.timers([raised(RAISED, due, loaded)])
    assert isinstance(timer, Timer) and timer.due_at == due.isoformat()


def outbox_statements(envelopes: list[Envelope]) -> list[Any]:
    return [s for s in MANAGER.plan(envelopes) if "voice_outbox" in s.sql]


def test_a_live_routing_writes_one_notice() -> None:
    (notices,) = outbox_statements([raised(RAISED, RAISED + dt.timedelta(hours=8))])
    assert "IS-1" in str(notices.params)


def test_history_loaded_later_emails_no_one() -> None:
    loaded = RAISED + dt.timedelta(days=40)
    history = [
        raised(RAISED, RAISED + dt.timedelta(hours=8), loaded),
        event(
            ISSUE_ESCALATED,
            RAISED + dt.timedelta(hours=9),
            loaded,
            reason="overdue",
            breach_at=(RAISED + dt.timedelta(hours=8)).isoformat(),
            from_department="hr",
            to_department="leadership",
            priority="normal",
            reply_due_at=None,
            escalation_number=1,
        ),
    ]
    assert outbox_statements(history) == []


class StillRouted:
    """A connection whose deadline_issue row says the issue still awaits its reply by ``due``."""

    def __init__(self, due: dt.datetime) -> None:
        self.due = due

    async def execute(self, _sql: str, _params: Any) -> StillRouted:
        return self

    async def fetchone(self) -> tuple[str, dt.datetime]:
        return ("routed", self.due)


def test_an_overdue_escalation_is_never_dated_before_its_deadline_whatever_the_workers_clock() -> (
    None
):
    due = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)  # the database's clock runs ahead
    timer = DueTimer("reply:IS-1", due, uuid.uuid4(), {"issue_id": "IS-1"})

    (command,) = asyncio.run(MANAGER.on_timer(StillRouted(due), "s", timer))  # type: ignore[arg-type]

    assert command.kind == ISSUE_ESCALATED
    assert dt.datetime.fromisoformat(str(command.occurred_at)) == due
