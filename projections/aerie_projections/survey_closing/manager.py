"""The survey-closing manager: a timer per published survey, and the close it records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from aerie_events.catalog.surveys import SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.envelope import Envelope
from psycopg import AsyncConnection

from aerie_projections.kit import Statement
from aerie_projections.manager import CancelTimer, CommandRequest, DueTimer, ProcessManager, Timer


class SurveyClosingManager(ProcessManager):
    """Closes each survey on schedule: a durable timer at the ``closes_at`` its publication
    recorded, and on it ``survey.closed`` (reason ``scheduled``) under a command id derived
    from the survey, so a timer fired twice closes it once. Keeps no state of its own."""

    name = "survey_closing"
    tables = ()
    handles = frozenset({SURVEY_PUBLISHED})
    migrations = ()

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        return []  # no state: the timer holds all it needs

    def timers(self, envelopes: Sequence[Envelope]) -> list[Timer | CancelTimer]:
        return [
            Timer(
                key=f"close:{e.payload['survey_id']}",
                due_at=e.payload["closes_at"],
                cause=e.event_id,
                data={"survey_id": e.payload["survey_id"]},
            )
            for e in envelopes
            if e.type == SURVEY_PUBLISHED and _still_open(e)
        ]

    async def on_timer(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        survey_id = timer.data["survey_id"]
        return [
            CommandRequest(
                kind=SURVEY_CLOSED,
                command_id=f"survey-closing:{survey_id}",
                employee_id=None,
                data={"survey_id": survey_id, "reason": "scheduled"},
                causation_id=str(timer.cause),
            )
        ]


def _still_open(published: Envelope) -> bool:
    """Whether the survey was recorded before its scheduled close (event time, not the clock)."""
    closes_at = dt.datetime.fromisoformat(published.payload["closes_at"])
    return closes_at > dt.datetime.fromisoformat(published.recorded_at)
